"""Keep each course's lesson count and total length (shown and filtered on in the menu) in step
with its live lessons and their media, and tell the menu's cache when its cards may have changed."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from lectures import menu_cache
from lectures.models import CoursePage, LessonPage, Topic
from media_pipeline.models import LectureMedia


def refresh_course_at(parent_path):
    course = CoursePage.objects.filter(path=parent_path).first()
    if course is not None:
        course.refresh_totals()


def parent_path_of(page):
    return page.path[: -page.steplen]


@receiver(post_save, sender=LessonPage)
@receiver(post_delete, sender=LessonPage)
def lesson_changed(sender, instance, **kwargs):
    if instance.path:
        refresh_course_at(parent_path_of(instance))


@receiver(post_page_move, sender=LessonPage)
def lesson_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    refresh_course_at(parent_page_before.path)
    refresh_course_at(parent_page_after.path)


@receiver(post_save, sender=LectureMedia)
def media_changed(sender, instance, **kwargs):
    # A media's duration becomes known (or changes) after probing.
    for path in LessonPage.objects.filter(media=instance).values_list("path", flat=True):
        refresh_course_at(path[: -LessonPage.steplen])


# The menu's cached grid (lectures.menu_cache): any page saved (pages added with add_child are
# live without a publish), published, unpublished, moved or deleted; a course's totals (updated
# without a save, see CoursePage.refresh_totals); a topic; a poster image.
page_published.connect(menu_cache.bump, dispatch_uid="lectures-menu-published")
page_unpublished.connect(menu_cache.bump, dispatch_uid="lectures-menu-unpublished")
post_page_move.connect(menu_cache.bump, dispatch_uid="lectures-menu-moved")
for model in (Topic, get_image_model()):
    post_save.connect(menu_cache.bump, sender=model, dispatch_uid=f"lectures-menu-saved-{model._meta.label}")
    post_delete.connect(menu_cache.bump, sender=model, dispatch_uid=f"lectures-menu-deleted-{model._meta.label}")


@receiver(post_save, dispatch_uid="lectures-menu-page-saved")
@receiver(post_delete, dispatch_uid="lectures-menu-page-deleted")
def page_changed(sender, instance, **kwargs):
    if isinstance(instance, Page):
        menu_cache.bump()
