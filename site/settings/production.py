"""Production: PostgreSQL, S3-compatible storage, Elasticsearch, secure cookies.

Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL. `manage.py check --deploy` is clean with them set.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, SECRET_KEY, env_bool, os

DEBUG = False
if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 50 characters.")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (PostgreSQL).")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail marks its preview views SAMEORIGIN itself
DIANKE_DEMO = False

# One cache for every web and worker process (the menu grid's version number is shared there);
# the table is made by `manage.py createcachetable` (the compose `migrate` service runs it).
CACHES = {
    **CACHES,
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "dianke_cache"},
}
