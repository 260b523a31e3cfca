"""Settings shared by every environment; each value an environment may change is read from
the environment here, with a safe default (see the table in README.md and `.env.example`)."""

import os
from pathlib import Path

import dj_database_url

# The repository root: `site/settings/base.py` -> parents[2].
BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("DIANKE_VAR_DIR", BASE_DIR / "var"))


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "dianke",
    "lectures",
    "lectures.offline",
    "search",
    "media_pipeline",
    "members",
    "branch_life",
    "quizzes",
    "supervision",
    "wagtailmedia",
    "ninja",  # Swagger UI for /api/v1/docs from ninja's own static files, not a CDN
    "axes",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dianke.middleware.OutOfRangeIdMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads a body (CSRF reads POST bodies in process_view): see its docstring.
    "dianke.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A member signed in with a one-time code chooses a password before anything else.
    "members.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Last: it turns a locked-out sign-in into the lockout page (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dianke.urls"
WSGI_APPLICATION = "dianke.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lectures.context_processors.elderly_mode",
            ],
        },
    },
]

# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/dianke; default: SQLite under var/.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dianke.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dianke-default"},
    # The menu's rendered course grid, in each process's own memory; its keys carry a version
    # that the `default` cache shares between processes (lectures/menu_cache.py).
    "menu": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dianke-menu",
             "TIMEOUT": 600, "OPTIONS": {"MAX_ENTRIES": 1000}},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
# Database sessions, loaded with one plain statement (members/sessions.py).
SESSION_ENGINE = "members.sessions"
# Members sign in with their member number or phone; staff also with their user name.
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "members.auth.ThrottledSignInBackend",
    "members.auth.MemberNumberOrPhoneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Heartbeats a member may send per minute (several tabs and offline flushes included).
DIANKE_HEARTBEATS_PER_MINUTE = int(os.environ.get("DIANKE_HEARTBEATS_PER_MINUTE", "30"))
LOGIN_REDIRECT_URL = "/"

# Email (members' password reset by email, offered only when EMAIL_HOST is set; otherwise the
# branch secretary resets a password with a one-time code). SMTP settings from the environment.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "点课 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_USE_SSL:
    EMAIL_USE_TLS = False  # Django refuses both at once: SSL (port 465) wins when asked for

# Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Storage: local files by default; S3/MinIO when AWS_STORAGE_BUCKET_NAME is set.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", True)
AWS_QUERYSTRING_EXPIRE = int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "21600"))
AWS_S3_FILE_OVERWRITE = False
AWS_DEFAULT_ACL = None
AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE", "path")  # MinIO wants path style
AWS_S3_SIGNATURE_VERSION = "s3v4"

if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    # Local files behind signed, expiring URLs (dianke/media.py), like S3's presigned ones.
    DEFAULT_STORAGE = {"BACKEND": "dianke.media.SignedFileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Background tasks: django-tasks with the database backend; `manage.py db_worker` runs them.
# Queue `media` holds the transcodes so that they never delay short jobs on `default`.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "media"],
    }
}

# Regulation search: the embedded backend (SQLite FTS5 / PostgreSQL full text) unless
# ELASTICSEARCH_URL is set, in which case Elasticsearch is used and the embedded one is the fallback.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "dianke")

# Wagtail
WAGTAIL_SITE_NAME = "点课"
# Counties run the site on intranets: the admin dashboard does not call out to wagtail.org.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "txt", "vtt", "zip", "iso"]
WAGTAILMEDIA = {
    "MEDIA_MODEL": "media_pipeline.LectureMedia",
    "MEDIA_FORM_BASE": "",
    "AUDIO_EXTENSIONS": ["aac", "flac", "m4a", "mp3", "oga", "ogg", "opus", "wav", "wma", "amr"],
    "VIDEO_EXTENSIONS": [
        "avi", "flv", "m4v", "mkv", "mov", "mp4", "mpeg", "mpg", "ts", "webm", "wmv", "3gp",
        "mts", "m2ts", "vob", "rm", "rmvb",  # camcorders (AVCHD), DVDs, old county archives
    ],
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Local uploads of lecture recordings (a 90-minute 1080p lecture is a few GB).
DIANKE_MAX_UPLOAD_BYTES = int(os.environ.get("DIANKE_MAX_UPLOAD_BYTES", str(8 * 1024**3)))
# Request bodies refused before they are read (dianke.middleware.RequestBodyLimitMiddleware).
DIANKE_MAX_ANONYMOUS_BODY_BYTES = 64 * 1024
DIANKE_MAX_API_BODY_BYTES = 64 * 1024
DIANKE_MAX_MEMBER_BODY_BYTES = int(os.environ.get("DIANKE_MAX_MEMBER_BODY_BYTES", str(20 * 1024**2)))

# Sign-in throttling (django-axes) on every login form (site, Wagtail admin, Django admin): after
# AXES_FAILURE_LIMIT wrong passwords for one account, or from one address, that account or
# address waits AXES_COOLOFF_TIME hours. The lockout page is members' own (Chinese first).
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "members.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0"))
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Content-Security-Policy on the site's own pages (django-csp). The admin (Wagtail's and
# Django's) and the API docs carry inline scripts of their own and are left to their own rules.
_MEDIA_ORIGINS = [o for o in [os.environ.get("AWS_S3_ENDPOINT_URL", "")] if o]
if AWS_STORAGE_BUCKET_NAME and not _MEDIA_ORIGINS:
    _MEDIA_ORIGINS = ["https://*.amazonaws.com"]
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/", "/api/v1/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_MEDIA_ORIGINS],
        "media-src": ["'self'", "blob:", *_MEDIA_ORIGINS],
        "connect-src": ["'self'", *_MEDIA_ORIGINS],  # hls.js fetches segments itself
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Powerful features nobody's page uses are off (django-permissions-policy); fullscreen for the player.
PERMISSIONS_POLICY = {
    "accelerometer": [], "camera": [], "geolocation": [], "gyroscope": [], "microphone": [],
    "payment": [], "usb": [], "magnetometer": [], "fullscreen": ["self"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Django serves local media itself only on the embedded site and in tests (see dianke/urls.py).
DIANKE_SERVE_MEDIA = False
