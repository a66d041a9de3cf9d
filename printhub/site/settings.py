"""Settings of printhub's platform, read from the environment.

Every option is a `PRINTHUB_*` variable (see docs/configuration.md); the
defaults run the whole platform on one machine: SQLite in the data directory,
the database as the task queue, mail printed to the console.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the repository


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"PRINTHUB_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"PRINTHUB_{name} must be true or false, not {value!r}")


ENVIRONMENT = env("ENV", "development")
if ENVIRONMENT not in ("development", "production", "test"):
    raise ImproperlyConfigured(
        f"PRINTHUB_ENV must be development, production or test, not {ENVIRONMENT!r}"
    )
DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if key:
        return key
    if ENVIRONMENT == "production":
        raise ImproperlyConfigured(
            "PRINTHUB_SECRET_KEY must be set in production (50+ random characters)"
        )
    # Development and tests: one random key per data directory, kept across restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in (env("ALLOWED_HOSTS") or "127.0.0.1,localhost").split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
]
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "printhub.site",
    "printhub.accounts",
    "printhub.network",
    "printhub.parts",
    "printhub.quotes",
    "printhub.orders",
    "printhub.billing",
    "printhub.production",
    "printhub.inventory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "printhub.site.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in person's saved language counts.
    "printhub.site.middleware.KoreanFirstLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "printhub.site.urls"
WSGI_APPLICATION = "printhub.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "printhub.site.context.site",
            ],
        },
    },
]

# --- database: SQLite in the data directory, PostgreSQL (or any) by URL
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'printhub.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; a busy timeout instead of
    # "database is locked" when both write at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- background work: django.tasks API (the django-tasks backport)
TASKS_BACKEND = env("TASKS_BACKEND", "db")
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
if TASKS_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 1800}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured(
        f"PRINTHUB_TASKS_BACKEND must be db, rq or immediate, not {TASKS_BACKEND!r}"
    )

# --- production: plan and start prints as if every center were staffed day and night
# (the demo's switch: `make demo` sets it unless PRINTHUB_ALWAYS_OPEN is given)
PRODUCTION_ALWAYS_OPEN = env_bool("ALWAYS_OPEN", False)

# --- caches: local memory by default, Redis when asked (needed by several web processes
# to share rate limits)
if env("CACHE") == "redis":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- people
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "site:home"

# --- mail: printed to the console unless an SMTP host is given
if env("SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("SMTP_HOST")
    EMAIL_PORT = int(env("SMTP_PORT", "587"))
    EMAIL_HOST_USER = env("SMTP_USER", "")
    EMAIL_HOST_PASSWORD = env("SMTP_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("SMTP_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "printhub <noreply@printhub.jeonju.example>")

# --- language and time: Korean first, then English; Seoul; won
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "printhub" / "site" / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True
CURRENCY = "KRW"

# --- files
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# three.js and htmx come from npm (package.json); scripts/vendor_static.py copies the few
# files pages load into printhub/site/static/vendor at set-up.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
MAX_UPLOAD_BYTES = int(env("MAX_UPLOAD_MB", "256")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- security defaults that hold in development too
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if ENVIRONMENT == "production":
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# --- printhub
# Online payment: a dotted path to a billing.gateway.PaymentProvider; none is wired in.
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", "")
QUOTE_VALID_DAYS = int(env("QUOTE_VALID_DAYS", "14"))
# Quote previews reuse a snapshot of the network (prices, printers, hours) this long.
QUOTE_PREVIEW_CACHE_SECONDS = int(env("QUOTE_PREVIEW_CACHE_SECONDS", "10"))
# Quote pages a person reloads are served from a per-person cache this long (0: never).
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "10"))
API_RATE_LIMIT = env("API_RATE_LIMIT", "120/m")  # per token (or per address when anonymous)
# A Spoolman server (http://host:7912) told of every filament use of a spool it knows.
SPOOLMAN_URL = env("SPOOLMAN_URL")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
