"""The course library's pages. The home page of the site is the library menu."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class LibraryPage(Page):
    """The course menu (点课): topics, series and courses that members pick from."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    template = "lectures/library_page.html"

    class Meta:
        verbose_name = _("course library")
