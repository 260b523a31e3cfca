"""The editors' dashboard panel (Wagtail's admin home): media whose latest processing failed, with
the reason and the pages that use each, the editor's own uploads first. Members on those lessons
are told the media could not be processed (LectureMedia.has_failed); this tells the editors."""

from itertools import islice

from django.utils.translation import ngettext
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.ui.components import Component

from . import services

SHOWN = 10  # failures listed; the count in the heading is of all of them
PAGES_SHOWN = 5  # pages listed per media


class FailedMediaPanel(Component):
    name = "failed_media"
    template_name = "media_pipeline/dashboard/failed_media.html"
    order = 50  # above Wagtail's own panels: something members see is broken

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        failed = services.failed_media_for(user)
        count = failed.count()
        url_finder = AdminURLFinder(user)
        context.update({
            "count": count,
            "heading": ngettext("%(count)d 个音视频处理失败", "%(count)d 个音视频处理失败", count)
            % {"count": count},
            "failed": [
                {"media": media, "mine": media.uploaded_by_user_id == user.pk,
                 "used_by": [{"title": str(source), "url": url_finder.get_edit_url(source)}
                             for source, _references in islice(media.get_usage(), PAGES_SHOWN)]}
                for media in failed[:SHOWN]
            ],
        })
        return context
