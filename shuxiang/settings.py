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
BASE_URL = options.value("BASE_URL").rstrip("/")  # `serve` and `demo` fill it in when empty

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
    "oauth2_provider",  # after the apps so their templates override its pages
    "shuxiang.identifiers",
    "shuxiang.resources",
    "shuxiang.catalog",
    "shuxiang.stats",
    "shuxiang.distribution",
    "shuxiang.portal",
    "shuxiang.proxy",
    "shuxiang.federation",
    "shuxiang.courses",
    "shuxiang.analytics",
    "shuxiang.activities",
    "shuxiang.linkeddata",
    "shuxiang.demo",
]

MIDDLEWARE = [
    "shuxiang.core.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "shuxiang.core.middleware.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shuxiang.portal.sites.SiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shuxiang.linkeddata.middleware.LinkedDataMiddleware",
    "shuxiang.core.pagecache.middleware.PageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shuxiang.core.middleware.SecurityHeadersMiddleware",
    "shuxiang.core.metrics.MetricsMiddleware",
    "shuxiang.stats.middleware.PageViewMiddleware",
]

ROOT_URLCONF = "shuxiang.urls"
WSGI_APPLICATION = "shuxiang.wsgi.application"
ASGI_APPLICATION = "shuxiang.asgi.application"
# ASGI wrappers answering hot requests before the middleware stack (outermost first).
ASGI_FAST_PATHS = [
    "shuxiang.proxy.gateway.ProxyGateway",
    "shuxiang.identifiers.resolver.ResolverFastPath",
    "shuxiang.catalog.oai.fastpath.OaiFastPath",
    "shuxiang.courses.stream.LiveEventsFastPath",
]

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
                "shuxiang.network.context.staff",
                "shuxiang.accounts.context.unread",
                "shuxiang.portal.context.site",
            ]
        },
    }
]

DATABASE_URL = options.value("DATABASE_URL")
SERVER_MODE = bool(DATABASE_URL)
if SERVER_MODE:
    # ASGI serves requests from a thread pool, so persistent per-thread connections would pile
    # up; a bounded psycopg pool per process shares a few connections instead.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": options.value("DB_POOL_SIZE"),
        "timeout": 20,
    }
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
            # Opening a connection (PRAGMAs, Django's SQL functions) costs ~1-4 ms, more than a
            # signed-in page's queries: each serving thread keeps its own between requests.
            "CONN_MAX_AGE": options.value("SQLITE_CONN_MAX_AGE"),
            "CONN_HEALTH_CHECKS": True,
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

LOGIN_LOCKOUT_STORE = options.value("LOGIN_LOCKOUT_STORE") or (
    "shuxiang.accounts.lockouts.RedisStore"
    if REDIS_URL
    else "shuxiang.accounts.lockouts.DatabaseStore"
)
LOGIN_LOCKOUT_REDIS_URL = REDIS_URL
LOGIN_LOCKOUT_KEY_PREFIX = "shuxiang:login:"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "/accounts/login/"
AUTHENTICATION_BACKENDS = ["shuxiang.accounts.authentication.IdentifierBackend"]
SESSION_ENGINE = "shuxiang.core.sessions"  # database sessions, read with a prepared query
API_TOKEN_USER = "shuxiang.accounts.services.user_for_token"  # bearer token -> user or None
# A cached page answered without Django records its usage again through this function.
PAGE_CACHE_REPLAY = "shuxiang.stats.pagecache.replay"
# Run by `shuxiang serve` at start: each finishes work a killed process left half done.
RECOVERY_HOOKS = ["shuxiang.resources.uploads.sweep_in_background"]
# Ports the ASGI fronts answer on besides the site's (``shuxiang serve`` binds them too).
LISTEN_PORT_HOOKS = ["shuxiang.proxy.ports.listen_ports"]
# Called once in each server worker as it starts (``shuxiang serve``), so the first readers do
# not wait for what the apps load on first use (search engine, word dictionaries, templates).
WORKER_WARMUP = ["shuxiang.catalog.search.service.warm", "shuxiang.portal.views.warm"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "shuxiang.accounts.passwords.LettersAndDigitsValidator"}]
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # "remember me" sets a two-week expiry per session
SESSION_COOKIE_AGE = 14 * 24 * 3600
IDENTITY_SOURCE_KINDS = {
    "local": "shuxiang.accounts.sources.local.LocalSource",
    "ldap": "shuxiang.accounts.sources.ldap.LdapSource",
    # "sip2": ..., "oidc": ...  (see shuxiang/accounts/sources/base.py)
}

from shuxiang.accounts.keys import oidc_private_key_pem  # noqa: E402

# One identity across nodes: a reader linked from the parent's provider keeps the home it named;
# the login page offers the parent's provider (国家图书馆账号登录).
OIDC_HOME_CLAIMS = "shuxiang.federation.sso.home_claims"
# The claims of OIDC clients that stand for a licensed vendor (pairwise subject, entitlement).
OIDC_CLIENT_CLAIMS = "shuxiang.proxy.oidc.claims_for"
LOGIN_UPSTREAMS = "shuxiang.federation.sso.login_choices"
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": oidc_private_key_pem(),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    # The issuer is configuration, never the request's Host header (shuxiang.accounts.oidc
    # follows `serve`/`demo` when they adopt the address they listen on).
    "OIDC_ISS_ENDPOINT": BASE_URL or options.DEFAULT_BASE_URL,
    # What discovery advertises is exactly what the provider accepts: authorization code
    # with S256 PKCE (and refresh); confidential clients by secret, public ones by PKCE alone.
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "ROTATE_REFRESH_TOKEN": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "OAUTH2_VALIDATOR_CLASS": "shuxiang.accounts.oidc.ShuxiangValidator",
    "SCOPES_BACKEND_CLASS": "shuxiang.accounts.oidc.ShuxiangScopes",
    "SCOPES": {  # descriptions shown to readers: shuxiang.accounts.oidc.SCOPE_DESCRIPTIONS
        "openid": "account identifier",
        "profile": "display name",
        "library": "home library",
        "cards": "reader cards",
        "realname": "real-name status",
    },
    "DEFAULT_SCOPES": ["openid"],
}

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
RESOURCES_STORAGE = {
    "BACKEND": options.value("STORAGE_BACKEND")
    or (
        "shuxiang.resources.storage.S3Storage"
        if options.value("S3_BUCKET")
        else "shuxiang.resources.storage.LocalStorage"
    ),
    "OPTIONS": {
        key: options.value("S3_" + key.upper())
        for key in ("bucket", "endpoint_url", "access_key", "secret_key", "region")
    }
    if options.value("S3_BUCKET")
    else {},
}
RESOURCES_DELIVERY = {
    "ACCEL": options.value("DELIVERY_ACCEL"),
    "ACCEL_PREFIX": options.value("ACCEL_PREFIX"),
    "QUOTA": options.value("DOWNLOAD_QUOTA"),
    "LINK_SECONDS": options.value("SIGNED_LINK_SECONDS"),
    "UPLOAD_MAX_BYTES": options.value("UPLOAD_MAX_BYTES"),
    "UPLOAD_EXPIRY_HOURS": options.value("UPLOAD_EXPIRY_HOURS"),
}
STATIC_BUILD_DIR = BASE_DIR.parent / "build" / "static"  # npm assets copied by scripts/setup
STATICFILES_DIRS = [STATIC_BUILD_DIR] if STATIC_BUILD_DIR.is_dir() else []

STATS_BACKEND = options.value("STATS_BACKEND") or (
    "shuxiang.stats.backends.postgres.PostgresBackend"
    if SERVER_MODE
    else "shuxiang.stats.backends.duckdb.ParquetBackend"
)

ACTIVITIES_BOARD_BACKEND = options.value("ACTIVITIES_BOARD_BACKEND") or (
    "shuxiang.activities.boards.RedisBoard"
    if REDIS_URL
    else "shuxiang.activities.boards.DatabaseBoard"
)
ACTIVITIES_LIKE_LIMITS = {
    "reader": options.value("ACTIVITIES_LIKES_PER_READER"),
    "ip": options.value("ACTIVITIES_LIKES_PER_IP"),
    "device": options.value("ACTIVITIES_LIKES_PER_DEVICE"),
}

# HTTPS deployments (SHUXIANG_BASE_URL https://…): HSTS and Secure cookies by default.
# X-Forwarded-Proto counts only from SHUXIANG_TRUSTED_PROXIES (shuxiang.core.proxies).
_HTTPS = BASE_URL.lower().startswith("https://")
_HSTS = options.value("HSTS_SECONDS")
SECURE_HSTS_SECONDS = (365 * 24 * 3600 if _HTTPS else 0) if _HSTS is None else _HSTS
_SECURE_COOKIES = options.value("SECURE_COOKIES")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _HTTPS if _SECURE_COOKIES is None else _SECURE_COOKIES
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXIES = options.value("TRUSTED_PROXIES")

SESSION_COOKIE_HTTPONLY = True
# Browsers share cookies between ports of one host: two nodes on 127.0.0.1 need their own names.
SESSION_COOKIE_NAME = options.value("COOKIE_PREFIX") + "sessionid"
CSRF_COOKIE_NAME = options.value("COOKIE_PREFIX") + "csrftoken"
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
