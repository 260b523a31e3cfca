"""An editor panel showing the processing status of a page's LectureMedia (for the lesson page).

    from media_pipeline.panels import MediaStatusPanel
    content_panels = [..., FieldPanel("media"), MediaStatusPanel("media")]
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class MediaStatusPanel(Panel):
    def __init__(self, media_field="media", **kwargs):
        kwargs.setdefault("heading", _("转码状态"))
        super().__init__(**kwargs)
        self.media_field = media_field

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["media_field"] = self.media_field
        return kwargs

    class BoundPanel(Panel.BoundPanel):
        template_name = "media_pipeline/panels/media_status_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["media"] = getattr(self.instance, self.panel.media_field, None)
            context["request"] = self.request
            return context
