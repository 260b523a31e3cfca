"""Embedded default: SQLite, local media, database task queue, embedded search; nothing to install."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, STATIC_ROOT, VAR_DIR, env_bool, os

# The embedded default is what a county runs on its LAN: no debug pages (they show settings and
# code to anyone who mistypes an address) unless a developer asks with DJANGO_DEBUG=1.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Without DEBUG, runserver serves no static files: WhiteNoise serves them from the source folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = ["*"]
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DIANKE_DEMO = os.environ.get("DIANKE_DEMO", "1") == "1"
DIANKE_SERVE_MEDIA = True
# The menu's grid is not cached here: the version that invalidates it lives in the `default` cache,
# which is each process's own memory in development, so the task worker's changes (a transcode's
# duration) would not reach the web process (production shares the database cache).
CACHES = {**CACHES, "menu": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # noqa: F405
