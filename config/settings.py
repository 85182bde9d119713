"""The one settings module: every knob is read from the environment.

Defaults are safe for the embedded mode (SQLite file, console email, no broker),
so `make run` works with no environment at all.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from error


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# An insecure key is only acceptable for local embedded use; check --deploy flags it.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-subwatch-local-development-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Links in emails and feeds are built from this, never from the request's Host header.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "registry",
    "scraper",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "config.security.DropNulCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a check_sources loop writes. synchronous=NORMAL is
    # WAL's recommended pairing (no fsync per commit, no corruption risk). IMMEDIATE takes the
    # write lock at BEGIN, so check_sources threads wait on the busy timeout instead of failing
    # with "database is locked" when a read transaction tries to become a write.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "subwatch",
    }
}
if env_str("CACHE_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("CACHE_URL"),
    }

# Email: console in the embedded default; SMTP (or anymail) by setting EMAIL_BACKEND.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Subwatch <alerts@subwatch.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. HSTS and secure cookies only make sense behind TLS, so they follow one switch.
SECURE_TLS = env_bool("SECURE_TLS", False)
SECURE_SSL_REDIRECT = SECURE_TLS and env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = SECURE_TLS
CSRF_COOKIE_SECURE = SECURE_TLS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_TLS
SECURE_HSTS_PRELOAD = SECURE_TLS
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the site: rate limits read the client from the Nth entry from
# the right of X-Forwarded-For. 0 trusts no header and uses REMOTE_ADDR.
TRUSTED_PROXY_COUNT = max(0, env_int("TRUSTED_PROXY_COUNT", 0))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_ANON_RATE", "120/minute"),
        "user": env_str("API_USER_RATE", "600/minute"),
    },
    # Without this DRF keys anonymous throttles on the whole X-Forwarded-For, which a client
    # can rewrite on every request.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Subwatch API",
    "DESCRIPTION": "Sub-processor registry: companies, vendors, engagements, changes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (no CDN), see drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Scraper. Loopback and private addresses are refused unless a host is listed here.
SCRAPER_ALLOWED_HOSTS = env_list("SCRAPER_ALLOWED_HOSTS")
SCRAPER_USER_AGENT = env_str(
    "SCRAPER_USER_AGENT",
    "Mozilla/5.0 (compatible; Subwatch/1.0; +https://subwatch.example/bot)",
)
SCRAPER_CONNECT_TIMEOUT = env_int("SCRAPER_CONNECT_TIMEOUT", 10)
SCRAPER_READ_TIMEOUT = env_int("SCRAPER_READ_TIMEOUT", 20)
SCRAPER_TOTAL_TIMEOUT = env_int("SCRAPER_TOTAL_TIMEOUT", 30)
SCRAPER_MAX_BYTES = env_int("SCRAPER_MAX_BYTES", 5 * 1024 * 1024)
SCRAPER_MAX_REDIRECTS = env_int("SCRAPER_MAX_REDIRECTS", 5)
SCRAPER_RETRIES = env_int("SCRAPER_RETRIES", 2)
SCRAPER_BACKOFF_SECONDS = float(env_str("SCRAPER_BACKOFF_SECONDS", "1.0"))
SCRAPER_RETRY_AFTER_MAX = env_int("SCRAPER_RETRY_AFTER_MAX", 60)
# An extra CA bundle for intranet pages; TLS verification itself is never turned off.
SCRAPER_CA_BUNDLE = env_str("SCRAPER_CA_BUNDLE") or None
SCRAPER_ENQUEUE_JITTER_SECONDS = float(env_str("SCRAPER_ENQUEUE_JITTER_SECONDS", "10"))
SCRAPER_DEFAULT_INTERVAL_MINUTES = env_int("SCRAPER_DEFAULT_INTERVAL_MINUTES", 24 * 60)
# A check where more than this share of the last good list vanishes at once is held
# as suspicious for the DPO instead of becoming "removed" changes.
SCRAPER_MASS_REMOVAL_RATIO = float(env_str("SCRAPER_MASS_REMOVAL_RATIO", "0.5"))
SCRAPER_LEASE_SECONDS = env_int("SCRAPER_LEASE_SECONDS", 120)
SCRAPER_PER_HOST_CONCURRENCY = env_int("SCRAPER_PER_HOST_CONCURRENCY", 2)

# The admin's "Check now" and the API's check action reach the pipeline through this dotted
# module path, so registry/ never imports scraper/ (config wires the two apps together).
SUBWATCH_PIPELINE = "scraper.pipeline"
# Checks re-read the Vendor rows at most this often and rebuild the vendor catalogue when they
# changed, so an alias added in the admin applies without restarting the workers.
CATALOGUE_REFRESH_SECONDS = env_int("CATALOGUE_REFRESH_SECONDS", 60)

# Alerts and review.
SUBWATCH_DPO_EMAIL = env_str("SUBWATCH_DPO_EMAIL")
ALERT_DPO_ON_DETECTED = env_bool("ALERT_DPO_ON_DETECTED", True)
NOTICE_PERIOD_DAYS = env_int("NOTICE_PERIOD_DAYS", 30)
SOURCE_FAILURE_ALERT_AFTER = env_int("SOURCE_FAILURE_ALERT_AFTER", 3)
# A change that comes back within this many days of the page reverting it is flagged flapping.
FLAP_WINDOW_DAYS = env_int("FLAP_WINDOW_DAYS", 7)
SUBSCRIBE_RATE_PER_ADDRESS = env_str("SUBSCRIBE_RATE_PER_ADDRESS", "3/hour")
SUBSCRIBE_RATE_PER_CLIENT = env_str("SUBSCRIBE_RATE_PER_CLIENT", "10/hour")
SUBSCRIPTION_TOKEN_MAX_AGE_DAYS = env_int("SUBSCRIPTION_TOKEN_MAX_AGE_DAYS", 7)
ALERT_MAX_ATTEMPTS = env_int("ALERT_MAX_ATTEMPTS", 8)

# Celery: optional. Without a broker, tasks run inline (CELERY_TASK_ALWAYS_EAGER).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 120)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 90)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The per-host limit (SCRAPER_PER_HOST_CONCURRENCY) is shared by every process through this
# Redis; by default the broker's when that is Redis. Empty keeps the limit per process.
SCRAPER_POLITENESS_URL = env_str(
    "SCRAPER_POLITENESS_URL",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
