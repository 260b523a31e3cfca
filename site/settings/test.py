"""Test settings: the same apps, fast password hashing, tasks run at once unless a test asks
for the real database worker (see tests/conftest.py)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, STATIC_ROOT

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="dianke-test-media-"))
STORAGES = {
    "default": {"BACKEND": "dianke.media.SignedFileSystemStorage"},  # as the embedded default
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "media"]},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's default in-memory database: the live server's threads then each open
    # their own connection, as the site's processes do, instead of sharing the test's one
    # connection, which concurrent requests (a heartbeat beside a page load) leave locked or
    # inside another request's transaction.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="dianke-test-db-")) / "test.sqlite3")
    }
DIANKE_DEMO = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
DIANKE_SERVE_MEDIA = True
