"""What the rest of the site asks of the media pipeline, without a request: creating media from
uploads, queueing and retrying their processing, and the processing status for the admin.

What a job does is in jobs.py; the tasks, their queueing and the recovery of dead jobs in tasks.py.
"""

from pathlib import Path

from django.db.models import Case, When
from wagtail.models import Collection
from wagtailmedia import get_permission_policy

from . import jobs, tasks
from .models import LectureMedia, ProcessingState, media_type_for_name

# ---- creating media ----


def create_media(*, title, upload=None, stored_name=None, collection=None, user=None, source_key=""):
    """Create a LectureMedia from an uploaded file (`upload`, saved to storage) or from a file
    already in storage (`stored_name`, e.g. a browser-to-S3 upload); saving queues processing
    (signals.py)."""
    media = LectureMedia(
        title=title,
        collection=collection or Collection.get_first_root_node(),
        uploaded_by_user=user,
        source_key=source_key,
    )
    if upload is not None:
        upload.name = safe_upload_name(upload.name)
        media.type = media_type_for_name(upload.name)
        media.file = upload
    else:
        media.type = media_type_for_name(stored_name)
        media.file.name = stored_name
    media.save()
    return media


def safe_upload_name(name):
    """The uploaded file's last name component without leading dashes or dots (it is data; this
    only keeps stored names unsurprising for people using shell tools on the storage)."""
    base = Path(str(name).replace("\\", "/")).name.lstrip("-. ") or "upload"
    return base if "." in base else f"{base}.bin"


def status_of(media):
    """The processing state as the admin's progress display needs it."""
    return {
        "id": media.pk,
        "state": media.processing_state,
        "state_label": str(ProcessingState(media.processing_state).label),
        "percent": media.processing_percent,
        "error": media.processing_error,
        "ready": media.is_ready,
        "attempts": media.processing_attempts,
    }


def failed_media_for(user):
    """The media `user` may change whose latest processing failed: the user's own uploads first,
    then the newest (the editors' dashboard lists them)."""
    media = get_permission_policy().instances_user_has_permission_for(user, "change")
    return media.filter(processing_state=ProcessingState.FAILED).order_by(
        Case(When(uploaded_by_user_id=user.pk, then=0), default=1), "-created_at", "-pk"
    )


# ---- queueing ----


def queue_processing(media, *, force=False, reset_attempts=False):
    """Queue a transcode of `media` after the current transaction commits; return the job id.

    Without `force`, a media that is already queued, processing or ready is left alone (None is
    returned), so callers such as demo loaders may call this freely. `force` always starts a new
    job and supersedes a running one.
    """
    job_id = jobs.new_job(media, force=force, reset_attempts=reset_attempts)
    if job_id is not None:
        tasks.enqueue_processing(media.pk, job_id)
    return job_id


def retry(media):
    """The editor's one-click retry: a fresh job with a fresh attempt budget."""
    return queue_processing(media, force=True, reset_attempts=True)
