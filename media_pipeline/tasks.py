"""Background tasks of the media pipeline (django-tasks, queue "media").

Run by `manage.py db_worker --queue-name media` (or `--queue-name '*'`); tests use the immediate
backend. The task only hands over to services.run_job, which owns the job's logic.
"""

from django_tasks import task

from . import services


@task(queue_name="media")
def process_media(media_id: int, job_id: str) -> str:
    """Transcode and publish one media's renditions; returns "ready", "failed" or "superseded"."""
    return services.run_job(media_id, job_id)


@task(queue_name="media")
def recover_media_jobs() -> list:
    """Re-queue processing jobs whose worker died (see services.recover_stale_jobs)."""
    return services.recover_stale_jobs()
