"""Background task that builds an offline copy (django-tasks, queue "media": DVD encoding is
long CPU work, like transcoding, and must not delay the short jobs on "default")."""

from django.db import transaction
from django_tasks import task

from . import services


@task(queue_name="media")
def build_offline_copy(copy_id: int) -> str:
    """Build a disc image set or a USB package; returns the copy's final state."""
    return services.build_copy(copy_id)


def queue_build(copy):
    """Queue the build once the copy's row is committed (a worker must find it)."""
    transaction.on_commit(lambda: build_offline_copy.enqueue(copy.pk))
