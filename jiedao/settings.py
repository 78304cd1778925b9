"""Jiedao settings: one module, read from the environment with typed readers that fail loudly."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The embedded default runs with a generated key kept in the data folder; production must set SECRET_KEY.
DATA_DIR = Path(env_str("JIEDAO_DATA_DIR", str(BASE_DIR / "var")))
SECRET_KEY = os.environ.get("SECRET_KEY") or ""
if not SECRET_KEY:
    from jiedao.core.secretfile import load_or_create_secret

    SECRET_KEY = load_or_create_secret(DATA_DIR / "secret_key")
# Personal data at rest (phones, ID numbers) is encrypted with a key derived from this secret.
PII_SECRET = os.environ.get("JIEDAO_PII_SECRET") or SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "jiedao.core.adminkit.JiedaoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "jiedao.core",
    "jiedao.org",
    "jiedao.cases",
    "jiedao.web",
    "jiedao.demo",
    "jiedao.insight",
    "jiedao.tracking",
    "jiedao.integrations",
    "jiedao.api",
    "jiedao.open311",
    "jiedao.hotline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiedao.core.versions.PinVersionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "jiedao.urls"
WSGI_APPLICATION = "jiedao.wsgi.application"

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
                "jiedao.web.context.jiedao",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'jiedao.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the sweep read while one writes; IMMEDIATE avoids lock-upgrade deadlocks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_TIMEOUT_SECONDS", 30 * 60)  # 等保: idle sessions time out
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("JIEDAO_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Jiedao domain settings -------------------------------------------------------------------------
JIEDAO = {
    # The sub-district this instance serves by default (沧浪街道, 苏州市姑苏区).
    "STREET": env_str("JIEDAO_STREET", "320508020"),
    "PHOTO_MAX_BYTES": env_int("JIEDAO_PHOTO_MAX_BYTES", 8 * 1024 * 1024),
    "PHOTO_MAX_PIXELS": env_int("JIEDAO_PHOTO_MAX_PIXELS", 40_000_000),
    "PHOTOS_PER_ACTION": env_int("JIEDAO_PHOTOS_PER_ACTION", 6),
    "DUPLICATE_RADIUS_M": env_int("JIEDAO_DUPLICATE_RADIUS_M", 250),
    "CLOCK_WARNING_PERCENT": env_int("JIEDAO_CLOCK_WARNING_PERCENT", 80),
    "OFFICE_HOURS": env_str("JIEDAO_OFFICE_HOURS", "08:30-12:00,13:30-17:30"),
    "SWEEP_INTERVAL_SECONDS": env_int("JIEDAO_SWEEP_INTERVAL_SECONDS", 60),
    # How often the outbox worker (manage.py deliver_outbox --loop) looks for due messages.
    "OUTBOX_POLL_SECONDS": float(os.environ.get("JIEDAO_OUTBOX_POLL_SECONDS", "1")),
    # Optional base-map tiles, e.g. an intranet tile server; empty = the instance's own vector layers only.
    "TILE_URL": os.environ.get("JIEDAO_TILE_URL", ""),
    "TILE_CRS": env_str("JIEDAO_TILE_CRS", "wgs84"),  # wgs84 | gcj02
    "TILE_ATTRIBUTION": os.environ.get("JIEDAO_TILE_ATTRIBUTION", ""),
    # 12345 综合满意率 = weighted 响应率, 解决率, 满意率 (Beijing-style 0.1/0.5/0.4).
    "HOTLINE_WEIGHTS": env_str("JIEDAO_HOTLINE_WEIGHTS", "0.1,0.5,0.4"),
    # GPS tracking (定位): listener ports, automatic registration of unknown terminals, fix filters, retention.
    "JT808_PORT": env_int("JIEDAO_JT808_PORT", 8808),
    "OSMAND_PORT": env_int("JIEDAO_OSMAND_PORT", 5055),
    "TRACKING_AUTO_REGISTER": env_bool("JIEDAO_TRACKING_AUTO_REGISTER", False),
    "TRACKING_FILTER_INVALID": env_bool("JIEDAO_TRACKING_FILTER_INVALID", True),
    "TRACKING_FUTURE_TOLERANCE_SECONDS": env_int("JIEDAO_TRACKING_FUTURE_TOLERANCE_SECONDS", 600),
    "TRACKING_MAX_SPEED_KMH": {"boat": 80, "vehicle": 220, "person": 60},
    "TRACKING_RETENTION_DAYS": env_int("JIEDAO_TRACKING_RETENTION_DAYS", 180),
    "TRACKING_OFFLINE_MINUTES": env_int("JIEDAO_TRACKING_OFFLINE_MINUTES", 10),
    # Open interfaces: request rates per scope (DRF throttle syntax, e.g. 120/min), webhook delivery.
    "API_RATES": {
        "anon": env_str("JIEDAO_API_ANON_RATE", "120/min"),
        "integrator": env_str("JIEDAO_API_INTEGRATOR_RATE", "1200/min"),
        "user": env_str("JIEDAO_API_USER_RATE", "1200/min"),
    },
    "WEBHOOK_TIMEOUT_SECONDS": env_int("JIEDAO_WEBHOOK_TIMEOUT_SECONDS", 5),
    "WEBHOOK_MAX_ATTEMPTS": env_int("JIEDAO_WEBHOOK_MAX_ATTEMPTS", 8),
    "WEBHOOK_BACKOFF_SECONDS": env_int("JIEDAO_WEBHOOK_BACKOFF_SECONDS", 30),
    "WEBHOOK_DISABLE_AFTER": env_int("JIEDAO_WEBHOOK_DISABLE_AFTER", 20),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jiedao.api.auth.ApiKeyAuthentication",
        "jiedao.api.auth.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["jiedao.api.throttling.JiedaoThrottle"],
    "DEFAULT_PAGINATION_CLASS": "jiedao.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jiedao.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiedao 街道 API",
    "DESCRIPTION": "Cases, categories, regions, grids and webhooks of a sub-district. Open311 GeoReport v2 is "
    "served separately at /open311/v2/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "jiedao.cases.models.Status",
        "DeliveryStatusEnum": "jiedao.integrations.models.DeliveryStatus",
    },
}
