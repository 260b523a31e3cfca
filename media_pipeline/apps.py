from django.apps import AppConfig


class MediaPipelineConfig(AppConfig):
    """Lecture media: upload, probe, transcode to phone renditions, offline copies."""

    name = "media_pipeline"
    verbose_name = "课程媒体"
