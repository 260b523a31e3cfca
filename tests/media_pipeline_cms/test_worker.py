"""The task path end to end with the real `manage.py db_worker`: an upload queues a job in the
database, a worker process picks it up, is killed (SIGKILL, its whole process group) mid-job, nothing
is published, `recover_media_jobs` re-queues it and a second worker publishes the renditions.

The worker uses the test database itself (the test commits, transaction=True)."""

import os
import signal
import subprocess
import sys
import time
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
TASKS_SQL = (
    f"SELECT status, queue_name FROM {DBTaskResult._meta.db_table} "
    "WHERE queue_name = 'media' ORDER BY enqueued_at"
)


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


def manage(db, *args, background=False, timeout=90):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DIANKE_TEST_WORKER_SETTINGS", "tests.media_pipeline_cms.worker_settings"),
        "DATABASE_URL": db.url,
        "DIANKE_TEST_MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "PYTHONPATH": str(REPO),
        "TMPDIR": str(db.tmp),  # the job folders, to see what a killed worker leaves
    }
    command = [sys.executable, str(REPO / "manage.py"), *args]
    if background:
        # Its own process group: killing it kills ffmpeg too, as a container stop would.
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


@pytest.fixture
def worker_clip(clips_dir):
    from media_pipeline.core.samples import make_video

    return make_video(clips_dir / "第三讲 worker.mp4", seconds=8, width=320, height=180, text="第三讲")


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_real_db_worker_killed_mid_job_publishes_nothing_and_recovers(worker_clip, settings, tmp_path,
                                                                      root_collection):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "media"]}
    }
    with worker_clip.open("rb") as handle:  # autocommit: the job is enqueued at once, in the DB
        media = services.create_media(title="第三讲", upload=File(handle, name=worker_clip.name))
    db = WorkerDatabase(tmp_path)
    assert db.rows(TASKS_SQL) == [("READY", "media")]
    assert db.state(media.pk)["state"] == ProcessingState.PENDING

    worker = manage(db, "db_worker", "--queue-name", "media", "--interval", "0.1",
                    "--no-startup-delay", "--no-reload", background=True)
    try:
        # Mid-job: claimed, and its temporary folder exists (the source is being transcoded).
        wait_for(lambda: db.state(media.pk)["state"] != ProcessingState.PENDING
                 and any(db.tmp.glob("dianke-job-*")), timeout=90, what="the worker to start the job")
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        output = worker.communicate(timeout=10)[0].decode(errors="replace")
    killed = db.state(media.pk)
    assert killed["state"] == ProcessingState.PROCESSING, (killed, output)
    assert killed["prefix"] == ""  # nothing was published: members see "being prepared"
    assert killed["attempts"] == 1
    left_behind = list(db.tmp.glob("dianke-job-*"))
    assert [folder.name[11:47] for folder in left_behind] == [str(_uuid(killed["job"]))]

    # The dead job is noticed (its heartbeat is older than 0 minutes) and re-queued...
    recovered = manage(db, "recover_media_jobs", "--older-than", "0")
    assert f"re-queued 1 job(s): [{media.pk}]" in recovered.stdout
    assert db.state(media.pk)["state"] == ProcessingState.PENDING
    # ...and a new worker runs it to the end, then exits (--batch).
    manage(db, "db_worker", "--queue-name", "media", "--batch", "--interval", "0",
           "--no-startup-delay", "--no-reload", timeout=120)
    done = db.state(media.pk)
    assert done["state"] == ProcessingState.READY, done
    assert done["attempts"] == 2
    assert done["prefix"] == rendition_prefix(media.pk, _uuid(done["job"]))
    published = list_files(f"renditions/{media.pk}")
    assert published and all(name.startswith(done["prefix"]) for name in published)
    assert done["prefix"] + "manifest.json" in published
    assert list(db.tmp.glob("dianke-job-*")) == []  # the dead job's folder was swept
    statuses = [row[0] for row in db.rows(TASKS_SQL)]
    assert statuses == ["RUNNING", "SUCCESSFUL"]  # the killed task's row never finished


def _uuid(hex_or_uuid):
    import uuid

    return uuid.UUID(hex_or_uuid)
