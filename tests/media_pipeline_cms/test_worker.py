"""The task path end to end with the real `manage.py db_worker`: an upload queues a job in the
database, a worker process picks it up and is killed (SIGKILL) mid-job. Nothing is published; the
job is re-queued, by `recover_media_jobs` or by the next worker on its own, and a second worker
publishes the renditions. Killed alone (as the OOM killer does), the worker takes its ffmpeg with
it. A job's progress moves through the whole range while a worker runs it.

The worker uses the test database itself (the test commits, transaction=True)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files import File
from django.db import connection
from django_tasks_db.models import DBTaskResult

from media_pipeline import services
from media_pipeline.models import ProcessingState
from media_pipeline.storage import list_files, rendition_prefix

REPO = Path(__file__).resolve().parents[2]
STATE_SQL = (
    "SELECT processing_state, processing_attempts, renditions_prefix, processing_job, "
    "processing_error FROM media_pipeline_lecturemedia WHERE id = %s"
)
PERCENT_SQL = "SELECT processing_state, processing_percent FROM media_pipeline_lecturemedia WHERE id = %s"
TASKS_SQL = (
    f"SELECT task_path, status, exception_class_path FROM {DBTaskResult._meta.db_table} "
    "WHERE queue_name = 'media' ORDER BY enqueued_at"
)
PROCESS_MEDIA = "media_pipeline.tasks.process_media"
RECOVER_MEDIA_JOBS = "media_pipeline.tasks.recover_media_jobs"
WORKER_LOST = "media_pipeline.tasks.WorkerLost"


class WorkerDatabase:
    """The database the worker processes use, and plain SQL reads of it from the test."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path / "worker-tmp"
        self.tmp.mkdir()
        params = connection.settings_dict  # the test database (a file on SQLite: site/settings/test.py)
        if connection.vendor == "sqlite":
            self.url = f"sqlite:///{params['NAME']}"
        else:
            auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
            self.url = f"postgres://{auth}@{params['HOST']}:{params['PORT'] or 5432}/{params['NAME']}"

    def rows(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def state(self, media_id):
        state, attempts, prefix, job, error = self.rows(STATE_SQL, [media_id])[0]
        return {"state": state, "attempts": attempts, "prefix": prefix,
                "job": str(job).replace("-", "") if job else None, "error": error}


def manage(db, *args, background=False, timeout=90, stale_minutes=None):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DIANKE_TEST_WORKER_SETTINGS", "tests.media_pipeline_cms.worker_settings"),
        "DATABASE_URL": db.url,
        "DIANKE_TEST_MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "PYTHONPATH": str(REPO),
        "TMPDIR": str(db.tmp),  # the job folders, to see what a killed worker leaves
    }
    if stale_minutes is not None:
        env["DIANKE_MEDIA_STALE_MINUTES"] = str(stale_minutes)
    command = [sys.executable, str(REPO / "manage.py"), *args]
    if background:
        # Its own process group (whose id is its pid): its ffmpeg children are found by it, and
        # killing the group kills them too, as a container stop would.
        return subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=True)


def wait_for(predicate, *, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def live_processes_in_group(pgid):
    """(pid, command name) of the processes of a process group that still run (a killed child
    whose new parent has not reaped it yet is a zombie, and is dead)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it ended meanwhile
        name, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
            found.append((int(stat.parent.name), name))
    return found


def ladder_running(pgid):
    """The ladder's ffmpeg (the long one: every rung from one decode) runs in the group."""
    for pid, name in live_processes_in_group(pgid):
        with contextlib.suppress(OSError):
            if name == "ffmpeg" and b"-filter_complex" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
    return False


def stop(worker, *, graceful=False):
    """End a background worker (and anything left in its group); `graceful`: let it finish its
    task first (SIGTERM, as `docker stop` does)."""
    if graceful and worker.poll() is None:
        worker.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=60)
    if worker.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
    return worker.communicate(timeout=10)[0].decode(errors="replace")


def media_rows(db):
    """(task, status, exception class) of the media queue's task rows, oldest first."""
    return [(path.rsplit(".", 1)[1], status, exception) for path, status, exception in db.rows(TASKS_SQL)]


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "media"]}
    }


@pytest.fixture
def worker_clip(clips_dir):
    from media_pipeline.core.samples import make_video

    return make_video(clips_dir / "第三讲 worker.mp4", seconds=8, width=320, height=180, text="第三讲")


@pytest.fixture(scope="session")
def lecture_clip(clips_dir):
    """Long enough for its ladder to take several seconds: a worker is caught in ffmpeg, and its
    progress has time to move."""
    from media_pipeline.core.samples import make_video

    return make_video(clips_dir / "第四讲 lecture.mp4", seconds=40, width=1280, height=720, text="第四讲")


def upload(clip, title):
    with clip.open("rb") as handle:  # autocommit: the job is enqueued at once, in the DB
        return services.create_media(title=title, upload=File(handle, name=clip.name))


def start_worker(db, **options):
    return manage(db, "db_worker", "--queue-name", "media", "--interval", "0.1",
                  "--no-startup-delay", "--no-reload", background=True, **options)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_real_db_worker_killed_mid_job_publishes_nothing_and_recovers(worker_clip, database_tasks,
                                                                      tmp_path, root_collection):
    media = upload(worker_clip, "第三讲")
    db = WorkerDatabase(tmp_path)
    # The job, and a recovery check for when its worker dies (due in DIANKE_MEDIA_STALE_MINUTES).
    assert [(task, status) for task, status, _ in media_rows(db)] == [
        ("process_media", "READY"), ("recover_media_jobs", "READY")]
    assert db.state(media.pk)["state"] == ProcessingState.PENDING

    worker = start_worker(db)
    try:
        # Mid-job: claimed, and its temporary folder exists (the source is being transcoded).
        wait_for(lambda: db.state(media.pk)["state"] != ProcessingState.PENDING
                 and any(db.tmp.glob("dianke-job-*")), timeout=90, what="the worker to start the job")
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        output = stop(worker)
    killed = db.state(media.pk)
    assert killed["state"] == ProcessingState.PROCESSING, (killed, output)
    assert killed["prefix"] == ""  # nothing was published: members see "being prepared"
    assert killed["attempts"] == 1
    left_behind = list(db.tmp.glob("dianke-job-*"))
    assert [folder.name[11:47] for folder in left_behind] == [str(uuid.UUID(killed["job"]))]

    # The dead job is noticed at once (its heartbeat is older than 0 minutes) and re-queued, its
    # folder removed and its task row, which its worker left RUNNING, marked failed...
    recovered = manage(db, "recover_media_jobs", "--older-than", "0")
    assert f"re-queued 1 job(s): [{media.pk}]" in recovered.stdout
    assert db.state(media.pk)["state"] == ProcessingState.PENDING
    assert list(db.tmp.glob("dianke-job-*")) == []
    assert media_rows(db)[0] == ("process_media", "FAILED", WORKER_LOST)
    # ...and a new worker runs it to the end, then exits (--batch).
    manage(db, "db_worker", "--queue-name", "media", "--batch", "--interval", "0",
           "--no-startup-delay", "--no-reload", timeout=120)
    done = db.state(media.pk)
    assert done["state"] == ProcessingState.READY, done
    assert done["attempts"] == 2
    assert done["prefix"] == rendition_prefix(media.pk, uuid.UUID(done["job"]))
    published = list_files(f"renditions/{media.pk}")
    assert published and all(name.startswith(done["prefix"]) for name in published)
    assert done["prefix"] + "manifest.json" in published
    assert list(db.tmp.glob("dianke-job-*")) == []
    processing_rows = [(status, exception) for task, status, exception in media_rows(db)
                       if task == "process_media"]
    assert processing_rows == [("FAILED", WORKER_LOST), ("SUCCESSFUL", "")]


STALE_MINUTES = 0.05  # 3 s: a dead job is noticed within seconds, not minutes


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_killed_worker_takes_its_ffmpeg_along_and_the_next_worker_recovers_by_itself(
        lecture_clip, database_tasks, settings, tmp_path, root_collection):
    settings.DIANKE_MEDIA_STALE_MINUTES = STALE_MINUTES
    media = upload(lecture_clip, "第四讲")
    db = WorkerDatabase(tmp_path)

    worker = start_worker(db, stale_minutes=STALE_MINUTES)
    try:
        wait_for(lambda: ladder_running(worker.pid), timeout=90, what="the worker's ladder ffmpeg")
        # The worker alone, as the OOM killer or `kill -9 <pid>` does: not its process group.
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        wait_for(lambda: not live_processes_in_group(worker.pid), timeout=3,
                 what=f"the worker's children to die with it: {live_processes_in_group(worker.pid)}")
    finally:
        stop(worker)
    killed = db.state(media.pk)
    assert killed["state"] == ProcessingState.PROCESSING and killed["prefix"] == ""
    assert [folder.name[11:47] for folder in db.tmp.glob("dianke-job-*")] == [str(uuid.UUID(killed["job"]))]
    assert media_rows(db)[0][:2] == ("process_media", "RUNNING")

    # No cron, no command: the next worker started finds the dead job by itself (the recovery
    # check waiting in the queue), re-queues it and runs it.
    worker = start_worker(db, stale_minutes=STALE_MINUTES)
    try:
        wait_for(lambda: db.state(media.pk)["state"] == ProcessingState.READY, timeout=180,
                 what="the next worker to recover and finish the job")
        # A recovery check queued while the job ran is still due (every STALE_MINUTES); the worker
        # runs it and, no job being active, queues no other. Stop only then: django-tasks' worker
        # exits at once on SIGTERM between claiming a task and starting it, leaving that row
        # RUNNING (for the next recovery to mark failed), which is not what this test is about.
        wait_for(lambda: not {status for _task, status, _ in media_rows(db)} & {"READY", "RUNNING"},
                 timeout=30, what="the queued recovery checks to run")
    finally:
        output = stop(worker, graceful=True)
    done = db.state(media.pk)
    assert done["attempts"] == 2, (done, output)
    assert list(db.tmp.glob("dianke-job-*")) == []  # the dead job's folder was removed
    rows = media_rows(db)
    assert ("process_media", "FAILED", WORKER_LOST) == rows[0]
    assert ("process_media", "SUCCESSFUL", "") in rows
    assert "RUNNING" not in {status for _task, status, _ in rows}, rows


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_progress_moves_through_the_range_while_a_worker_runs_the_job(lecture_clip, database_tasks,
                                                                       tmp_path, root_collection):
    media = upload(lecture_clip, "第四讲")
    db = WorkerDatabase(tmp_path)
    seen = []  # (state, percent) as an editor's status page polling the database sees them
    worker = manage(db, "db_worker", "--queue-name", "media", "--batch", "--interval", "0",
                    "--no-startup-delay", "--no-reload", background=True)
    try:
        def finished():
            seen.append(db.rows(PERCENT_SQL, [media.pk])[0])
            return seen[-1][0] in (ProcessingState.READY, ProcessingState.FAILED)

        wait_for(finished, timeout=180, what="the job to finish")
    finally:
        output = stop(worker)
    assert seen[-1] == (ProcessingState.READY, 100), output
    percents = [percent for state, percent in seen if state == ProcessingState.PROCESSING]
    assert percents == sorted(percents)  # never backwards
    # Spread over the range while the ladder runs, not 0 % until the ladder's end.
    assert len({percent for percent in percents if 0 < percent < 80}) >= 3, sorted(set(percents))
    # No bound on the highest percent seen: the steps after the ladder take a second or two and
    # a 0.2 s poll on a busy CI host can miss them (it saw 72 % then READY once); the final row
    # above proves the job reached 100.
