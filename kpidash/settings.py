"""kpidash settings: one module, configured from environment variables.

Defaults are safe for a developer's machine (SQLite under var/, an embedded
filesystem broker); production sets DATABASE_URL, REDIS_URL, SECRET_KEY,
DEBUG=0 and ALLOWED_HOSTS. Every variable is read through a typed reader
(kpidash/env.py): a malformed value stops start-up with a message naming the
variable, the value and what is allowed, rather than running half-configured.
"""

import hashlib
import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from indicators.rules import Rag, Scheme, ToleranceUnit  # plain Python: the allowed values, from one place
from kpidash import env
from returns.bank_holidays import NATIONS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env.path("KPIDASH_VAR_DIR", BASE_DIR / "var")


DEBUG = env.boolean("DEBUG", True)
SECRET_KEY = env.text("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env.hosts("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")

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
    "axes",  # failed sign-in throttling (see the security block below)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here (no CDN)
    # Lowest first: an app imports only apps listed before it, and none imports demo (README "Layout").
    "accounts",
    "indicators",
    "plans",  # the council plan and improvement actions (on indicators, under returns)
    "returns",
    "reports",
    "questions",  # members' questions, the response sheet, resolutions as actions (above reports)
    "spreadsheets",
    "public",  # the public site, /public/: published indicators' approved figures and open data
    "api",  # the read API, /api/v1/: nothing imports it but kpidash/urls.py
    "siteexport",  # the whole site exported, and restored into a new one
    "demo",  # the demonstration organisation and `manage.py load_demo`
    "kpidash",  # wiring only: the check_ready management command
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kpidash.middleware.RefuseLargeBodyMiddleware",  # 413 before an oversized body is read (to disk)
    "kpidash.middleware.RejectNulMiddleware",  # 400 before a NUL byte reaches a file path or a query
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kpidash.middleware.PrivateCacheMiddleware",  # signed-in responses: Cache-Control private, no-store
    "kpidash.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kpidash.middleware.DatabaseBusyMiddleware",  # 503 "try again" when a write's lock wait timed out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "kpidash.urls"
WSGI_APPLICATION = "kpidash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["indicators.templatetags.people"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kpidash.navigation.navigation",
            ],
        },
    },
]

# Databases: PostgreSQL in production and CI, SQLite by default so a fresh
# machine needs no server.
DATABASE_URL = env.url("DATABASE_URL", "", schemes=("postgres", "postgresql", "sqlite"))
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'kpidash.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Persistent, health-checked connections in production.
            conn_max_age=env.integer("DB_CONN_MAX_AGE", 0 if DEBUG else 60, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:  # e.g. a port that is not a number; the URL itself may hold a password
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    # libpq waits for ever for a server that accepts the connection and never answers
    # (or, with nothing at all answering, for the kernel's SYN retries, about two
    # minutes): give up after this many seconds (libpq's own minimum is 2).
    # One given in DATABASE_URL's query string (?connect_timeout=3) is kept.
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env.integer("DB_CONNECT_TIMEOUT", 5, minimum=2, maximum=60)
    )
    # A statement waiting for a row another transaction holds (a return being saved, an
    # import, a restore) gives up after this long with lock_not_available, which
    # kpidash.middleware.DatabaseBusyMiddleware shows as "busy, try again", rather than
    # waiting as long as the holder does. No statement_timeout: a hung server would not
    # enforce it, and migrations, restores and paper builds legitimately run long.
    # Added to any options DATABASE_URL gives (?options=-c search_path=...); 0 sets none at
    # all, for a pooler that refuses startup options (PgBouncer without ignore_startup_parameters).
    if env.raw("DB_LOCK_TIMEOUT") != "0":
        _lock_timeout = f"-c lock_timeout={round(env.seconds('DB_LOCK_TIMEOUT', 10) * 1000)}"
        _options = DATABASES["default"]["OPTIONS"].get("options", "")
        DATABASES["default"]["OPTIONS"]["options"] = f"{_options} {_lock_timeout}".strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes a paper's status.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a Celery worker started by a test can open the
    # test database; one per process so concurrent test runs do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"kpidash-test-{os.getpid()}.sqlite3")}
    # SQLite has no covering indexes: it keeps indicators.Rating's "rating_latest" index without its
    # INCLUDE columns, which is all it needs (they only spare PostgreSQL a visit to each row).
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
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
# collectstatic's target; WhiteNoise serves it with hashed, compressed names when DEBUG is off.
STATIC_ROOT = env.path("STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "kpidash.static_storage.StaticFilesStorage"
        )
    },
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport,
# which needs no server yet runs tasks in a real worker process.
REDIS_URL = env.url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
# Seconds to wait for Redis to accept a connection and to answer a command, for
# the cache, the sessions' copy, the broker and /readyz alike. A Redis that hangs
# (stopped, swapping, behind a partition) rather than refusing must cost a page
# no more than this per call before it is drawn without the cache.
REDIS_CONNECT_TIMEOUT = env.seconds("REDIS_CONNECT_TIMEOUT", 0.5)
REDIS_TIMEOUT = env.seconds("REDIS_TIMEOUT", 0.5)
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # How long Redis holds a message a dead worker had taken before handing it out
        # again; keep it above KPIDASH_PAPER_TIME_LIMIT.
        "visibility_timeout": env.integer("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": REDIS_TIMEOUT,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
    # Only used if a Redis result backend is ever configured (results are ignored).
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
    CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Broadcast/control messages (worker pings) default to ./control otherwise.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # kombu's filesystem transport expects its folders to exist, in the web
    # process (which enqueues) and the worker alike.
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)

# Reading pages cache their parts under keys carrying the data version kept in
# the database (indicators/cache.py), so any backend is correct: Redis shares
# the parts between processes, LocMem keeps them per process.
CACHE_SECONDS = env.integer("CACHE_SECONDS", 3600, minimum=1)
# Whether the reading pages keep their rendered parts in the cache (indicators/views.py). Off only to
# measure the pages without it (bench/load.py, README "Performance"): every request then draws its page.
KPIDASH_PAGE_CACHE = env.boolean("KPIDASH_PAGE_CACHE", True)


def _code_digest() -> str:
    """A digest of the code and templates: each release reads and writes its own cache entries.

    Cached page parts and dashboard rows are rendered HTML and pickled objects:
    a deploy that changes how either is made must not serve the old ones (or
    fail to unpickle them), and hosts mid-way through a rolling deploy must not
    share entries across versions. Sessions, kept in the database too, survive it.
    """
    digest = hashlib.sha256()
    for folder in ("kpidash", "accounts", "indicators", "returns", "reports", "templates"):
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".txt"} and path.is_file():
                digest.update(path.relative_to(BASE_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


KPIDASH_CACHE_VERSION = env.text("KPIDASH_CACHE_VERSION") or _code_digest()

# Whether every process sees the same cache: what may be kept there that a change
# in another process must make stale at once (the signed-in user, accounts/users.py).
KPIDASH_SHARED_CACHE = bool(REDIS_URL)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kpidash",
            "VERSION": KPIDASH_CACHE_VERSION,
            "TIMEOUT": CACHE_SECONDS,
            "OPTIONS": {
                "CLIENT_CLASS": "kpidash.redis_cache.SkippingClient",
                "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_TIMEOUT,
                # A Redis that is down or hung reads as a miss: pages are drawn without the cache.
                "IGNORE_EXCEPTIONS": True,
                # After Redis fails to answer, skip the cache this long before asking again.
                "RETRY_AFTER": env.seconds("CACHE_RETRY_SECONDS", 5, maximum=3600),
            },
        }
    }
    # Each failure ignored is logged, with its traceback: one per skip (kpidash/redis_cache.py).
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "kpidash.redis_cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kpidash",
            "VERSION": KPIDASH_CACHE_VERSION,
            "TIMEOUT": CACHE_SECONDS,
            "OPTIONS": {"MAX_ENTRIES": 10000},  # pages and a row per indicator and period viewed
        }
    }

CELERY_TASK_ALWAYS_EAGER = env.boolean("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE

EMAIL_BACKEND = env.dotted_path("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if env.raw("EMAIL_FILE_PATH"):
    # For the file-based backend: each message is written to a file here.
    EMAIL_FILE_PATH = str(env.path("EMAIL_FILE_PATH", ""))
DEFAULT_FROM_EMAIL = env.email_address("DEFAULT_FROM_EMAIL", "kpidash@localhost")
# For the SMTP backend (django.core.mail.backends.smtp.EmailBackend): the relay.
EMAIL_HOST = env.text("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.text("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", False)
# Django waits for ever by default for a relay that accepts the connection and never
# answers, which would hold the reminders task (and its worker process) for good:
# each connect, read and write gives up after this many seconds instead.
EMAIL_TIMEOUT = env.seconds("EMAIL_TIMEOUT", 10)

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# The organisation's default rating scheme, used where a year's thresholds
# leave the scheme blank (see indicators/rules.py for the schemes).
KPIDASH_DEFAULT_SCHEME = env.choice("KPIDASH_DEFAULT_SCHEME", Scheme.FLOOR.value, [s.value for s in Scheme])
KPIDASH_DEFAULT_GREEN_TOLERANCE = env.decimal("KPIDASH_DEFAULT_GREEN_TOLERANCE", "0", minimum="0")
KPIDASH_DEFAULT_AMBER_TOLERANCE = env.decimal("KPIDASH_DEFAULT_AMBER_TOLERANCE", "10", minimum="0")
if KPIDASH_DEFAULT_GREEN_TOLERANCE > KPIDASH_DEFAULT_AMBER_TOLERANCE:
    raise ImproperlyConfigured(
        f"KPIDASH_DEFAULT_GREEN_TOLERANCE ({KPIDASH_DEFAULT_GREEN_TOLERANCE}) must not be wider than "
        f"KPIDASH_DEFAULT_AMBER_TOLERANCE ({KPIDASH_DEFAULT_AMBER_TOLERANCE})."
    )
KPIDASH_DEFAULT_TOLERANCE_UNIT = env.choice(
    "KPIDASH_DEFAULT_TOLERANCE_UNIT", ToleranceUnit.PERCENT.value, [unit.value for unit in ToleranceUnit]
)

# Spreadsheet imports (see spreadsheets/services.py): the largest upload and the
# most rows per sheet accepted; uploads waiting for confirmation are kept under
# KPIDASH_IMPORT_DIR and deleted after KPIDASH_IMPORT_MAX_AGE seconds.
KPIDASH_IMPORT_MAX_BYTES = env.integer("KPIDASH_IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
KPIDASH_IMPORT_MAX_ROWS = env.integer("KPIDASH_IMPORT_MAX_ROWS", 200_000, minimum=1)
KPIDASH_IMPORT_DIR = env.path("KPIDASH_IMPORT_DIR", VAR_DIR / "imports")
KPIDASH_IMPORT_MAX_AGE = env.integer("KPIDASH_IMPORT_MAX_AGE", 24 * 3600, minimum=1)
# Larger uploads stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Grid entry posts seven fields a return: the performance team's grid of a big council's
# month is thousands of fields (Django's default, 1,000, would refuse ~140 returns).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# Committee papers: files live under MEDIA_ROOT/<this folder>, which is never
# served as a URL (downloads go through a view that checks permission).
KPIDASH_PAPER_DIR = env.text("KPIDASH_PAPER_DIR", "papers").strip("/") or "papers"
if ".." in KPIDASH_PAPER_DIR.split("/") or "\x00" in KPIDASH_PAPER_DIR:
    raise env.refuse("KPIDASH_PAPER_DIR", KPIDASH_PAPER_DIR, "use a folder name inside MEDIA_ROOT, e.g. papers")
# Seconds a paper may take in the worker: the soft limit fails it with a reason,
# the hard limit kills the worker child (the row is then claimable again).
KPIDASH_PAPER_SOFT_TIME_LIMIT = env.integer("KPIDASH_PAPER_SOFT_TIME_LIMIT", 120, minimum=1)
KPIDASH_PAPER_TIME_LIMIT = env.integer("KPIDASH_PAPER_TIME_LIMIT", 180, minimum=1)
if KPIDASH_PAPER_TIME_LIMIT <= KPIDASH_PAPER_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("KPIDASH_PAPER_TIME_LIMIT must be greater than KPIDASH_PAPER_SOFT_TIME_LIMIT.")
if REDIS_URL and CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= KPIDASH_PAPER_TIME_LIMIT:
    # Otherwise Redis hands a paper still being built to a second worker.
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be greater than KPIDASH_PAPER_TIME_LIMIT.")

# Monthly returns (see returns/): which RAG ratings (and "concern", a figure that is a
# special cause of concern on its SPC chart) need commentary before a return can be
# submitted, and when reminders and escalations are emailed.
KPIDASH_COMMENTARY_REQUIRED_FOR = env.listing(
    "KPIDASH_COMMENTARY_REQUIRED_FOR",
    ["amber", "red", "concern"],
    choices=[*(rag.value for rag in Rag if rag is not Rag.NONE), "concern"],
)
# Whether a return rated Red, or a special cause of concern, can be submitted only once its
# indicator has an open improvement action (plans/): every path to submitting checks it.
KPIDASH_ACTION_REQUIRED_TO_SUBMIT = env.boolean("KPIDASH_ACTION_REQUIRED_TO_SUBMIT", False)
KPIDASH_REMINDER_WORKING_DAYS_BEFORE = env.integer("KPIDASH_REMINDER_WORKING_DAYS_BEFORE", 3, minimum=0, maximum=20)
KPIDASH_ESCALATE_WORKING_DAYS_AFTER = env.integer("KPIDASH_ESCALATE_WORKING_DAYS_AFTER", 1, minimum=0, maximum=20)
# Open improvement actions due within this many working days (and overdue ones) are in their
# owners' reminder emails; overdue ones are in the performance team's escalation too.
KPIDASH_ACTION_REMINDER_DAYS = env.integer("KPIDASH_ACTION_REMINDER_DAYS", 5, minimum=0, maximum=60)
KPIDASH_BANK_HOLIDAYS = env.choice("KPIDASH_BANK_HOLIDAYS", "england-and-wales", NATIONS)
CELERY_BEAT_SCHEDULE = {
    "returns-reminders": {
        "task": "returns.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),  # CELERY_TIMEZONE: Europe/London
    },
}

# The read API (api/, README "API"): personal tokens expire after this many days,
# and each token (or signed-in user) may make this many requests a minute.
# The public site (/public/): on, it shows only what the performance team has published (README
# "Public site"); off, every /public/ address is a 404. Publishing stays possible either way.
KPIDASH_PUBLIC_SITE = env.boolean("KPIDASH_PUBLIC_SITE", True)
KPIDASH_PUBLIC_REQUESTS_PER_MINUTE = env.integer("KPIDASH_PUBLIC_REQUESTS_PER_MINUTE", 60, minimum=1)
KPIDASH_API_TOKEN_DAYS = env.integer("KPIDASH_API_TOKEN_DAYS", 90, minimum=1, maximum=3650)
KPIDASH_API_REQUESTS_PER_MINUTE = env.integer("KPIDASH_API_REQUESTS_PER_MINUTE", 120, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an unauthenticated request is a 401 with a Bearer challenge.
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": False,  # figures are JSON numbers, as Power BI and Excel expect
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kpidash API",
    "DESCRIPTION": (
        "Read-only: committees, directorates, indicators and their thresholds, results, dashboards and "
        "committee papers, with the rights of the signed-in user or the token's user."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # While Redis is skipped, one line says so, not one traceback per cache call (kpidash/redis_cache.py).
    "filters": {"skipped_cache_calls": {"()": "kpidash.redis_cache.SkippedCallsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    },
    # WeasyPrint logs every layout step and page at INFO: noise, and slower papers.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # axes announces its configuration at INFO in every process, commands included.
        "axes": {"level": "WARNING"},
        "kpidash.redis_cache": {"filters": ["skipped_cache_calls"]},
    },
}

# --- Production, security and sign-in (README "Running in production") --------
# Secure by default whenever DEBUG is off; each switch can be overridden, e.g.
# SECURE_SSL_REDIRECT=0 with SECURE_PROXY_SSL_HEADER=1 when TLS ends at a proxy.
# Tests import this module with DEBUG unset (on), so they are never forced to HTTPS.
if env.boolean("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets (and strips from clients) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP on the backend port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env.boolean("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env.boolean("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Sessions: idle timeout (refreshed on every request) and absolute lifetime
# (kpidash.middleware.SessionLifetimeMiddleware), in seconds.
SESSION_COOKIE_AGE = env.integer("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=1)
# The idle expiry is pushed forward at most once a minute (kpidash.middleware),
# not on every request: saving the session on every page costs a database write.
SESSION_SAVE_EVERY_REQUEST = False
# With Redis, sessions are read from the shared cache and written through to the
# database (no query per page); a Redis that is down or hung reads as a miss, so
# they are read from the database. Without Redis, the per-process LocMem cache would
# keep a signed-out session alive in the other workers, so they stay in the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
KPIDASH_SESSION_REFRESH_SECONDS = env.integer("SESSION_REFRESH_SECONDS", 60, minimum=0)
KPIDASH_SESSION_MAX_AGE = env.integer("SESSION_ABSOLUTE_TIMEOUT", 8 * 60 * 60, minimum=1)
if not 0 < SESSION_COOKIE_AGE <= KPIDASH_SESSION_MAX_AGE:
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT must be positive and at most SESSION_ABSOLUTE_TIMEOUT.")

# Content-Security-Policy (django-csp 4): no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Failed sign-in throttling (django-axes): AXES_FAILURE_LIMIT failures for one
# username from one IP address lock that pair out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.auth.lockout_response"
# Behind proxies, axes must see the client's address, not the proxy's: the
# KPIDASH_PROXY_COUNT trusted proxies each append to X-Forwarded-For.
KPIDASH_PROXY_COUNT = env.integer("KPIDASH_PROXY_COUNT", 0, minimum=0, maximum=10)
AXES_CLIENT_IP_CALLABLE = "accounts.auth.client_ip_address"

# Papers storage. Every web and worker host must see the same files: a shared
# directory (MEDIA_ROOT, never web-served) or S3-compatible object storage.
KPIDASH_STORAGE = env.choice("KPIDASH_STORAGE", "filesystem", ["filesystem", "s3"])
if KPIDASH_STORAGE == "s3":
    from botocore.config import Config as BotocoreConfig

    _s3_timeout = env.seconds("AWS_S3_TIMEOUT", 5)
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            # Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the host's role.
            "bucket_name": env.required("AWS_STORAGE_BUCKET_NAME", "KPIDASH_STORAGE is s3"),
            "endpoint_url": env.url("AWS_S3_ENDPOINT_URL", "", schemes=("https", "http")) or None,
            "region_name": env.text("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            # botocore waits 60 s to connect and 60 s for each read, and tries 5 times: a
            # store that accepts the connection and never answers held a download or
            # /readyz for five minutes. Each attempt gives up after AWS_S3_TIMEOUT seconds
            # instead, and one retry is made.
            "client_config": BotocoreConfig(
                connect_timeout=_s3_timeout, read_timeout=_s3_timeout, retries={"mode": "standard", "max_attempts": 2}
            ),
        },
    }

# Single sign-on. Directory groups map to kpidash roles with KPIDASH_SSO_GROUP_MAP,
# either JSON ({"group": "Role"}) or "group=Role;group=Role". Users in no mapped
# group get KPIDASH_SSO_DEFAULT_ROLE, or are refused when it is set empty. The role
# names are checked against accounts.roles.ROLES as the apps load (accounts/apps.py).


def env_group_map(name: str) -> dict[str, str]:
    raw = (env.raw(name) or "").strip()
    if raw.startswith("{"):
        try:
            mapping = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None
        if not isinstance(mapping, dict) or not all(isinstance(value, str) for value in mapping.values()):
            raise ImproperlyConfigured(f"{name} must map each directory group to one role name.")
        return mapping
    mapping = {}
    for item in filter(None, (part.strip() for part in raw.split(";"))):
        group, sep, role = item.partition("=")
        if not sep or not group.strip():
            raise ImproperlyConfigured(f"{name}: {item!r} is not in the form directory-group=Role.")
        mapping[group.strip()] = role.strip()
    return mapping


KPIDASH_SSO_GROUP_MAP = env_group_map("KPIDASH_SSO_GROUP_MAP")
KPIDASH_SSO_DEFAULT_ROLE = env.text("KPIDASH_SSO_DEFAULT_ROLE", "Viewer", blank=True)
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend"]

# OpenID Connect (mozilla-django-oidc), on when OIDC_RP_CLIENT_ID is set.
# OIDC_ENTRA_TENANT_ID fills in Microsoft Entra ID's endpoints.
OIDC_RP_CLIENT_ID = env.text("OIDC_RP_CLIENT_ID")
KPIDASH_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if KPIDASH_OIDC_ENABLED:
    _tenant = env.text("OIDC_ENTRA_TENANT_ID")
    _entra = f"https://login.microsoftonline.com/{_tenant}"
    _because = "OIDC_RP_CLIENT_ID is set"
    _web = ("https", "http")
    OIDC_RP_CLIENT_SECRET = env.required("OIDC_RP_CLIENT_SECRET", _because)

    def _endpoint(name: str, on_entra: str) -> str:
        return env.url(name, "", schemes=_web) or (_tenant and on_entra) or env.required(name, _because)

    OIDC_OP_AUTHORIZATION_ENDPOINT = _endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT", f"{_entra}/oauth2/v2.0/authorize")
    OIDC_OP_TOKEN_ENDPOINT = _endpoint("OIDC_OP_TOKEN_ENDPOINT", f"{_entra}/oauth2/v2.0/token")
    OIDC_OP_JWKS_ENDPOINT = _endpoint("OIDC_OP_JWKS_ENDPOINT", f"{_entra}/discovery/v2.0/keys")
    OIDC_OP_USER_ENDPOINT = _endpoint("OIDC_OP_USER_ENDPOINT", "https://graph.microsoft.com/oidc/userinfo")
    # The id_token's issuer; checked when set (Entra: .../<tenant>/v2.0).
    OIDC_OP_ISSUER = env.url("OIDC_OP_ISSUER", "", schemes=_web) or (_tenant and f"{_entra}/v2.0")
    _algorithms = [f"{family}{bits}" for family in ("RS", "PS", "ES", "HS") for bits in (256, 384, 512)]
    OIDC_RP_SIGN_ALGO = env.choice("OIDC_RP_SIGN_ALGO", "RS256", _algorithms)
    OIDC_RP_SCOPES = env.text("OIDC_RP_SCOPES", "openid email profile")
    if "openid" not in OIDC_RP_SCOPES.split():
        raise env.refuse("OIDC_RP_SCOPES", OIDC_RP_SCOPES, "include openid, e.g. 'openid email profile'")
    OIDC_USE_PKCE = True
    OIDC_TIMEOUT = env.integer("OIDC_TIMEOUT", 10, minimum=1, maximum=120)
    KPIDASH_OIDC_USERNAME_CLAIM = env.text("OIDC_USERNAME_CLAIM", "preferred_username")
    KPIDASH_OIDC_GROUPS_CLAIM = env.text("OIDC_GROUPS_CLAIM", "groups")  # Entra: groups or roles
    LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
    AUTHENTICATION_BACKENDS.append("accounts.auth.OIDCBackend")
    # Staff sign in through the directory; /accounts/login/ stays for local accounts.
    if env.boolean("OIDC_LOGIN_REDIRECT", True):
        LOGIN_URL = "oidc_authentication_init"

# LDAP / Active Directory (django-auth-ldap), on when AUTH_LDAP_SERVER_URI is set.
AUTH_LDAP_SERVER_URI = env.text("AUTH_LDAP_SERVER_URI")
for _uri in AUTH_LDAP_SERVER_URI.split():  # python-ldap takes several, space-separated
    if not _uri.startswith(("ldap://", "ldaps://", "ldapi://")) or _uri.endswith("://"):
        raise env.refuse("AUTH_LDAP_SERVER_URI", AUTH_LDAP_SERVER_URI, "use ldap:// or ldaps:// URLs, space-separated")
KPIDASH_LDAP_ENABLED = bool(AUTH_LDAP_SERVER_URI)
if KPIDASH_LDAP_ENABLED:
    # Every value is read and checked before python-ldap is imported, so a bad one
    # is named even on a host without it.
    _because = "AUTH_LDAP_SERVER_URI is set"
    AUTH_LDAP_BIND_DN = env.text("AUTH_LDAP_BIND_DN")
    AUTH_LDAP_BIND_PASSWORD = env.text("AUTH_LDAP_BIND_PASSWORD")
    AUTH_LDAP_START_TLS = env.boolean("AUTH_LDAP_START_TLS", False)
    _user_base = env.required("AUTH_LDAP_USER_SEARCH_BASE", _because)
    _user_filter = env.text("AUTH_LDAP_USER_FILTER", "(sAMAccountName=%(user)s)")
    if "%(user)s" not in _user_filter:
        raise env.refuse("AUTH_LDAP_USER_FILTER", _user_filter, "include %(user)s, e.g. (sAMAccountName=%(user)s)")
    _group_filters = {
        "active-directory": "(objectClass=group)",
        "group-of-names": "(objectClass=groupOfNames)",
        "posix": "(objectClass=posixGroup)",
    }
    _group_type = env.choice("AUTH_LDAP_GROUP_TYPE", "active-directory", _group_filters)
    _group_base = env.required("AUTH_LDAP_GROUP_SEARCH_BASE", _because)
    _group_filter = env.text("AUTH_LDAP_GROUP_FILTER", _group_filters[_group_type])
    try:
        import ldap
        from django_auth_ldap import config as ldap_config
    except ImportError:
        raise ImproperlyConfigured(
            "AUTH_LDAP_SERVER_URI is set but python-ldap is not installed: pip install -r requirements-ldap.txt"
        ) from None
    # OPT_NETWORK_TIMEOUT bounds connecting; OPT_TIMEOUT each operation (bind, search), or a
    # directory that accepts the connection and never answers holds the sign-in for ever.
    _ldap_timeout = env.seconds("AUTH_LDAP_TIMEOUT", 10)
    AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_REFERRALS: 0,
        ldap.OPT_NETWORK_TIMEOUT: _ldap_timeout,
        ldap.OPT_TIMEOUT: _ldap_timeout,
    }
    AUTH_LDAP_USER_SEARCH = ldap_config.LDAPSearch(_user_base, ldap.SCOPE_SUBTREE, _user_filter)
    AUTH_LDAP_GROUP_TYPE = {
        "active-directory": ldap_config.NestedActiveDirectoryGroupType,
        "group-of-names": ldap_config.GroupOfNamesType,
        "posix": ldap_config.PosixGroupType,
    }[_group_type]()
    AUTH_LDAP_GROUP_SEARCH = ldap_config.LDAPSearch(_group_base, ldap.SCOPE_SUBTREE, _group_filter)
    AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
    AUTH_LDAP_ALWAYS_UPDATE_USER = True
    AUTHENTICATION_BACKENDS.append("accounts.auth.LDAPBackend")

# Django's ModelBackend, reading the signed-in user from the cache (accounts/users.py).
AUTHENTICATION_BACKENDS.append("accounts.auth.ModelBackend")

# Logging: one line per record on stdout; LOG_FORMAT=json for log shippers.
LOG_FORMAT = env.choice("LOG_FORMAT", "plain", ["plain", "json"])
LOGGING["formatters"]["json"] = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
# JSON lines go to stdout for the process manager to collect; plain text goes to
# stderr, so a command's own output (e.g. `dashboard --format csv`) pipes cleanly.
LOGGING["handlers"]["console"].update(
    formatter=LOG_FORMAT, stream="ext://sys.stdout" if LOG_FORMAT == "json" else "ext://sys.stderr"
)
