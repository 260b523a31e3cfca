from django.apps import AppConfig


class MediaPipelineConfig(AppConfig):
    """Lecture media: upload, probe, transcode to phone renditions, offline copies."""

    name = "media_pipeline"
    verbose_name = "课程媒体"

    def ready(self):
        # Models are loaded only now: the receivers' module imports them (Django's documented place).
        from . import signals  # noqa: F401
