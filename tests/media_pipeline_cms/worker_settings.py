"""Settings of a real `manage.py db_worker` started by test_worker.py: the test settings with the
database task backend, the database from DATABASE_URL and the test's MEDIA_ROOT (and the test's
DIANKE_MEDIA_STALE_MINUTES when it sets one)."""

import os
from pathlib import Path

from dianke.settings.test import *  # noqa: F403

MEDIA_ROOT = Path(os.environ["DIANKE_TEST_MEDIA_ROOT"])
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "media"]},
}
if os.environ.get("DIANKE_MEDIA_STALE_MINUTES"):
    DIANKE_MEDIA_STALE_MINUTES = float(os.environ["DIANKE_MEDIA_STALE_MINUTES"])
