"""Background tasks of the media pipeline (django-tasks, queue "media"), putting jobs on the queue,
and recovering jobs whose worker died.

Run by `manage.py db_worker --queue-name media` (or `--queue-name '*'`); tests use the immediate
backend unless they start a real worker.

* `process_media` runs one job (jobs.run_job), after a look for dead jobs.
* `recover_media_jobs` looks for dead jobs (`recover_stale_jobs`). While any media is pending or
  processing one of these checks waits in the queue, every DIANKE_MEDIA_STALE_MINUTES and ahead of
  the transcodes (`schedule_recovery`), so that a killed worker's job is recovered without cron:
  by whichever worker is up, a restarted one included, as soon as the check is due.

Recovery is here, beside the tasks, because it puts jobs back on the queue: jobs.py holds what a
job does (and imports nothing from here), services.py what the rest of the site calls.
"""

import logging
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from . import jobs
from .models import LectureMedia, ProcessingState

logger = logging.getLogger(__name__)

# Above the transcodes' default 0: a worker takes a due check before the next transcode.
RECOVERY_PRIORITY = 10


class WorkerLost(Exception):
    """Recorded on a task row left RUNNING by a worker that stopped without finishing it (killed,
    or its machine went down)."""


@task(queue_name="media")
def process_media(media_id: int, job_id: str) -> str:
    """Transcode and publish one media's renditions; returns "ready", "failed" or "superseded"."""
    recover_stale_jobs()  # a worker picking up a job is a good moment to notice dead ones
    return jobs.run_job(media_id, job_id)


@task(queue_name="media", priority=RECOVERY_PRIORITY)
def recover_media_jobs() -> list:
    """Re-queue processing jobs whose worker died; queues the next check while jobs are active."""
    return recover_stale_jobs()


def enqueue_processing(media_id, job_id):
    """Queue the task of a job once the current transaction commits (the worker must see the
    media's new job), and make sure a recovery check follows it."""
    transaction.on_commit(lambda: _enqueue(media_id, job_id))


def _enqueue(media_id, job_id):
    try:
        process_media.enqueue(media_id, str(job_id))
    except Exception:
        logger.exception("Could not enqueue processing of media %s (job %s)", media_id, job_id)
        jobs.finish_failed(media_id, job_id, _("无法把转码任务加入队列，请稍后点击“重新处理”。"))
        return
    try:
        schedule_recovery()
    except Exception:  # the job is queued; the next job, poll or worker queues the check
        logger.exception("Could not queue a recovery check after media %s (job %s)", media_id, job_id)


def recover_stale_jobs(*, now=None, media_ids=None, older_than=None):
    """Find jobs whose worker died and re-queue them, a bounded number of times (see
    jobs.reap_stale_jobs); return the ids of the re-queued media.

    With the database backend also: the task rows that a dead worker left RUNNING are marked
    FAILED (WorkerLost), a job whose worker died before claiming it is re-queued, and the next
    check is queued while any job is active. Runs in every process_media and recover_media_jobs
    task, from the editors' status polling and from `manage.py recover_media_jobs`."""
    now = now or timezone.now()
    older_than = jobs.stale_after() if older_than is None else older_than
    requeued = jobs.reap_stale_jobs(now=now, media_ids=media_ids, older_than=older_than)
    if _uses_database_backend():
        requeued += _finish_dead_task_rows(started_before=now - older_than, media_ids=media_ids)
    for media_id, job_id in requeued:
        enqueue_processing(media_id, job_id)
    transaction.on_commit(schedule_recovery)
    return [media_id for media_id, _job in requeued]


def schedule_recovery():
    """Queue a recovery check DIANKE_MEDIA_STALE_MINUTES from now, unless one is queued already or
    no media is pending or processing. Only with the database backend (the one with real workers
    to lose, and with delayed tasks)."""
    if not _uses_database_backend():
        return None
    if not LectureMedia.objects.filter(processing_state__in=jobs.ACTIVE_STATES).exists():
        return None
    backend = recover_media_jobs.get_backend()
    queued = DBTaskResult.objects.filter(
        task_path=recover_media_jobs.module_path, status=TaskResultStatus.READY,
        backend_name=backend.alias,
    )
    if queued.exists():
        return None
    return recover_media_jobs.using(run_after=timezone.now() + jobs.stale_after()).enqueue()


def _uses_database_backend():
    return isinstance(process_media.get_backend(), DatabaseBackend)


def _finish_dead_task_rows(*, started_before, media_ids=None):
    """Mark FAILED the media task rows left RUNNING (since before `started_before`) by a worker
    that died; re-queue the job of a worker that died between taking the task and claiming the
    job. Returns [(media id, new job id)] to queue.

    A process_media row is alive while its job is the media's current processing job: that job's
    heartbeat is fresh, since stale ones were reaped just before. (A superseded job still
    finishing its last seconds may be marked too; its worker then records its own end over it.)"""
    rows = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=started_before,
        backend_name=process_media.get_backend().alias,
        task_path__in=[process_media.module_path, recover_media_jobs.module_path],
    )
    rows = [(row, _job_of(row)) for row in rows]
    ids = {media_id for _row, (media_id, _job) in rows if media_id is not None}
    current = {
        pk: (job, state) for pk, job, state in LectureMedia.objects.filter(pk__in=ids)
        .values_list("pk", "processing_job", "processing_state")
    }
    requeued = []
    for row, (media_id, job_id) in rows:
        if media_ids is not None and media_id not in media_ids:
            continue
        state = current.get(media_id)
        if state == (job_id, ProcessingState.PROCESSING):
            continue
        if state == (job_id, ProcessingState.PENDING):
            new_job = jobs.replace_job(media_id, job_id, from_state=ProcessingState.PENDING)
            if new_job is not None:
                requeued.append((media_id, new_job))
        worker = row.worker_ids[-1] if row.worker_ids else "?"
        row.set_failed(WorkerLost(f"worker {worker} stopped while running {row.task_path}"))
        logger.warning("Task %s (%s) left running by a dead worker, marked failed", row.id, row.task_path)
    return requeued


def _job_of(row):
    """(media id, job UUID) of a process_media row; (None, None) for any other row."""
    if row.task_path != process_media.module_path:
        return None, None
    call = row.args_kwargs
    args = call.get("args") or []
    values = {**dict(zip(("media_id", "job_id"), args, strict=False)), **(call.get("kwargs") or {})}
    try:
        return int(values["media_id"]), uuid.UUID(str(values["job_id"]))
    except (KeyError, TypeError, ValueError):
        return None, None
