"""kpidash settings: one module, configured from environment variables.

Defaults are safe for a developer's machine (SQLite under var/, an embedded
filesystem broker); production sets DATABASE_URL, REDIS_URL, SECRET_KEY,
DEBUG=0 and ALLOWED_HOSTS. A malformed value stops start-up with a message
that names the variable, rather than running half-configured.
"""

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KPIDASH_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "import_export",
    "simple_history",
    "indicators",
    "returns",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "kpidash.urls"
WSGI_APPLICATION = "kpidash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Databases: PostgreSQL in production and CI, SQLite by default so a fresh
# machine needs no server.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'kpidash.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes a paper's status.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a Celery worker started by a test can open the
    # test database; one per process so concurrent test runs do not collide.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"kpidash-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport,
# which needs no server yet runs tasks in a real worker process.
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if os.environ.get("EMAIL_FILE_PATH"):
    # For the file-based backend: each message is written to a file here.
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kpidash@localhost")

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# The organisation's default rating scheme, used where a year's thresholds
# leave the scheme blank (see indicators/rules.py for the schemes).
KPIDASH_DEFAULT_SCHEME = os.environ.get("KPIDASH_DEFAULT_SCHEME", "floor")
KPIDASH_DEFAULT_GREEN_TOLERANCE = Decimal(os.environ.get("KPIDASH_DEFAULT_GREEN_TOLERANCE", "0"))
KPIDASH_DEFAULT_AMBER_TOLERANCE = Decimal(os.environ.get("KPIDASH_DEFAULT_AMBER_TOLERANCE", "10"))
KPIDASH_DEFAULT_TOLERANCE_UNIT = os.environ.get("KPIDASH_DEFAULT_TOLERANCE_UNIT", "percent")

# Spreadsheet imports (see indicators/imports.py): the largest upload and the
# most rows per sheet accepted; uploads waiting for confirmation are kept under
# KPIDASH_IMPORT_DIR and deleted after KPIDASH_IMPORT_MAX_AGE seconds.
KPIDASH_IMPORT_MAX_BYTES = env_int("KPIDASH_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
KPIDASH_IMPORT_MAX_ROWS = env_int("KPIDASH_IMPORT_MAX_ROWS", 200_000)
KPIDASH_IMPORT_DIR = Path(os.environ.get("KPIDASH_IMPORT_DIR", VAR_DIR / "imports"))
KPIDASH_IMPORT_MAX_AGE = env_int("KPIDASH_IMPORT_MAX_AGE", 24 * 3600)
# Larger uploads stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Committee papers: files live under MEDIA_ROOT/<this folder>, which is never
# served as a URL (downloads go through a view that checks permission).
KPIDASH_PAPER_DIR = os.environ.get("KPIDASH_PAPER_DIR", "papers").strip("/") or "papers"
# Seconds a paper may take in the worker: the soft limit fails it with a reason,
# the hard limit kills the worker child (the row is then claimable again).
KPIDASH_PAPER_SOFT_TIME_LIMIT = env_int("KPIDASH_PAPER_SOFT_TIME_LIMIT", 120)
KPIDASH_PAPER_TIME_LIMIT = env_int("KPIDASH_PAPER_TIME_LIMIT", 180)
if KPIDASH_PAPER_TIME_LIMIT <= KPIDASH_PAPER_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("KPIDASH_PAPER_TIME_LIMIT must be greater than KPIDASH_PAPER_SOFT_TIME_LIMIT.")

# Monthly returns (see returns/): which RAG ratings need commentary before a
# return can be submitted, and when reminders and escalations are emailed.
KPIDASH_COMMENTARY_REQUIRED_FOR = env_list("KPIDASH_COMMENTARY_REQUIRED_FOR", ["amber", "red"])
if not set(KPIDASH_COMMENTARY_REQUIRED_FOR) <= {"green", "amber", "red"}:
    raise ImproperlyConfigured(
        f"KPIDASH_COMMENTARY_REQUIRED_FOR must list green, amber and/or red, not {KPIDASH_COMMENTARY_REQUIRED_FOR!r}."
    )
KPIDASH_REMINDER_WORKING_DAYS_BEFORE = env_int("KPIDASH_REMINDER_WORKING_DAYS_BEFORE", 3)
KPIDASH_ESCALATE_WORKING_DAYS_AFTER = env_int("KPIDASH_ESCALATE_WORKING_DAYS_AFTER", 1)
CELERY_BEAT_SCHEDULE = {
    "returns-reminders": {
        "task": "returns.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),  # CELERY_TIMEZONE: Europe/London
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step and page at INFO: noise, and slower papers.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
