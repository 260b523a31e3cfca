"""Which pages are learning items: the contract between members and the apps that define them.

Members records learning on Wagtail pages that say what kind they are, how long they last and what
completes them (contract C3: `learning_kind`, `learning_duration`, `completion_threshold`,
`min_read_seconds`). The page types live in apps above members (lectures' LessonPage, in a
CoursePage), which register them here in their AppConfig.ready(); members never imports them.
"""

from wagtail.models import Page

_registered = {}


def register(*, item, container):
    """Called once by the app that defines the learning items (lectures)."""
    _registered.update(item=item, container=container)


def item_pages():
    """Live learning items in the page tree's order: what a plan or a group record can name."""
    return Page.objects.live().type(_registered["item"]).order_by("path")


def containers():
    """Live pages that hold learning items (courses), in the page tree's order."""
    return _registered["container"].objects.live().order_by("path")
