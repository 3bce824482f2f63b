"""The one settings module: every mode is chosen by ``SHUXIANG_*`` environment variables.

Embedded default: SQLite, media and indexes under ``SHUXIANG_DATA_DIR``, in-process cache and a
SQLite task queue. Server mode: ``SHUXIANG_DATABASE_URL`` (PostgreSQL) and ``SHUXIANG_REDIS_URL``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from shuxiang.core import options

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR: Path = options.value("DATA_DIR")
DATA_DIR.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
INDEX_DIR = DATA_DIR / "index"
STATIC_ROOT = DATA_DIR / "static"
for _folder in (MEDIA_ROOT, INDEX_DIR, STATIC_ROOT):
    _folder.mkdir(exist_ok=True)


def _secret_key() -> str:
    configured = options.value("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = options.value("DEBUG")
ALLOWED_HOSTS = options.value("ALLOWED_HOSTS")
NODE_NAME = options.value("NODE_NAME")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "huey.contrib.djhuey",
    "shuxiang.core",
    "shuxiang.accounts",
    "shuxiang.network",
    "shuxiang.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shuxiang.portal.sites.SiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shuxiang.core.middleware.SecurityHeadersMiddleware",
    "shuxiang.core.metrics.MetricsMiddleware",
]

ROOT_URLCONF = "shuxiang.urls"
WSGI_APPLICATION = "shuxiang.wsgi.application"
ASGI_APPLICATION = "shuxiang.asgi.application"

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
                "shuxiang.core.context.node",
                "shuxiang.portal.context.site",
            ]
        },
    }
]

DATABASE_URL = options.value("DATABASE_URL")
SERVER_MODE = bool(DATABASE_URL)
if SERVER_MODE:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "shuxiang.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = options.value("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "shuxiang",
        "url": REDIS_URL,
        "immediate": options.value("TASKS_IMMEDIATE"),
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "shuxiang",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": options.value("TASKS_IMMEDIATE"),
    }

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "/accounts/login/"

LANGUAGE_CODE = options.value("LANGUAGE")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = options.value("TIME_ZONE")
USE_TZ = True

STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "shuxiang.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": options.value("LOG_FORMAT")}
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.server": {"level": "WARNING"}},
}
