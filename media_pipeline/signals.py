"""Receivers of the media model's own saves and deletes (connected by MediaPipelineConfig.ready):
a new or replaced file queues its processing; a deleted media's renditions go too."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import services
from .models import LectureMedia
from .storage import remove_prefix


@receiver(post_save, sender=LectureMedia, dispatch_uid="media_pipeline-queue-new-source")
def queue_new_source(sender, instance, raw=False, **kwargs):
    """Every upload, and every replaced file, gets processed (the old renditions stay published
    until the new ones are ready). Fixtures (`raw`) are stored as they are."""
    if not raw and instance.has_new_source():
        services.queue_processing(instance, force=True)


@receiver(post_delete, sender=LectureMedia, dispatch_uid="media_pipeline-remove-renditions")
def remove_renditions_of_deleted_media(sender, instance, **kwargs):
    """All of a deleted media's renditions go too (wagtailmedia removes the source file)."""
    prefix = f"renditions/{int(instance.pk)}/"
    transaction.on_commit(lambda: remove_prefix(prefix))
