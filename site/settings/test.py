"""Test settings: the same apps, fast password hashing, tasks run at once unless a test asks
for the real database worker (see tests/conftest.py)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STATIC_ROOT

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="dianke-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "media"]},
}
DIANKE_DEMO = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
DIANKE_SERVE_MEDIA = True
