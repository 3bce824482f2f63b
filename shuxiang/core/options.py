"""Typed configuration options read from the environment (prefix ``SHUXIANG_``).

Every option has a type, a default and a one-line description, so ``shuxiang check`` can
explain the whole configuration and a deployment never needs to edit code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "SHUXIANG_"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # when neither configured nor set by `serve`


class OptionError(ValueError):
    """An environment variable holds a value its option cannot accept."""


@dataclass(frozen=True)
class Option:
    name: str
    kind: type
    default: Any
    description: str

    @property
    def env_name(self) -> str:
        return PREFIX + self.name

    def read(self, environ: dict[str, str] | None = None) -> Any:
        """Return the typed value from the environment, or the default when unset."""
        environ = os.environ if environ is None else environ
        raw = environ.get(self.env_name)
        if raw is None or raw == "":
            return self.default
        return _convert(self, raw)


def _convert(option: Option, raw: str) -> Any:
    if option.kind is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise OptionError(f"{option.env_name}: expected true/false, got {raw!r}")
    if option.kind is int:
        try:
            return int(raw)
        except ValueError:
            raise OptionError(f"{option.env_name}: expected an integer, got {raw!r}") from None
    if option.kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    if option.kind is Path:
        return Path(raw).expanduser().resolve()
    return raw


def _default_data_dir() -> Path:
    return (Path.cwd() / "var").resolve()


OPTIONS: dict[str, Option] = {
    o.name: o
    for o in [
        Option("DATA_DIR", Path, None, "Folder holding the embedded database, media and indexes."),
        Option("DATABASE_URL", str, "", "PostgreSQL URL for server mode; empty = embedded SQLite."),
        Option("REDIS_URL", str, "", "Redis URL for cache and task broker in server mode."),
        Option("SECRET_KEY", str, "", "Django secret key; generated into the data dir if unset."),
        Option("DEBUG", bool, False, "Show Django debug pages (never in production)."),
        Option("ALLOWED_HOSTS", list, ["*"], "Host names this node answers to (comma-separated)."),
        Option(
            "ALLOW_ANY_HOST",
            bool,
            False,
            "Server mode: let `serve` start with ALLOWED_HOSTS=* (any Host header) anyway.",
        ),
        Option("LANGUAGE", str, "zh-hans", "Default interface language (zh-hans or en)."),
        Option("TIME_ZONE", str, "Asia/Shanghai", "Time zone for dates shown to people."),
        Option("DIVISIONS_DIR", Path, None, "Folder with GB/T 2260 division files to load."),
        Option("NODE_NAME", str, "Shuxiang node", "Human name of this installation."),
        Option(
            "COOKIE_PREFIX",
            str,
            "",
            "Prefix of the session and CSRF cookie names (nodes sharing a host on other ports).",
        ),
        Option("SEARCH_BACKEND", str, "", "Dotted path of the search backend (empty = by mode)."),
        Option(
            "GROONGA_URL",
            str,
            "",
            "Groonga HTTP server shared by every web machine; set, server mode searches with it.",
        ),
        Option("TASKS_IMMEDIATE", bool, False, "Run background tasks inline (tests, debugging)."),
        Option("JOBS_RETRY_SECONDS", int, 30, "First retry delay of a failed job (then doubling)."),
        Option("JOBS_LEASE_SECONDS", int, 900, "A running job older than this lost its worker."),
        Option("DB_POOL_SIZE", int, 8, "Most PostgreSQL connections one web process keeps open."),
        Option(
            "SQLITE_CONN_MAX_AGE",
            int,
            300,
            "Seconds a thread keeps its SQLite connection between requests (0: one per request).",
        ),
        Option("LOG_FORMAT", str, "plain", "Log line format: plain or json (one object a line)."),
        Option("PII_KEY", str, "", "Key encrypting personal data at rest (empty = demo key)."),
        Option(
            "OIDC_KEY_FILE", Path, None, "RSA key (PEM) signing OIDC id_tokens (default: data dir)."
        ),
        Option("CARD_KEY_FILE", Path, None, "Ed25519 key (PEM) signing reader-card QR codes."),
        Option("LOGIN_FAILURE_LIMIT", int, 5, "Failed logins per account before a lockout."),
        Option("LOGIN_IP_FAILURE_LIMIT", int, 20, "Failed logins per client IP before a lockout."),
        Option("LOGIN_LOCKOUT_MINUTES", int, 15, "First login lockout; doubles with each failure."),
        Option("LOGIN_LOCKOUT_MAX_MINUTES", int, 24 * 60, "Longest login lockout (minutes)."),
        Option("LOGIN_ACCOUNT_FAILURE_LIMIT", int, 100, "Failed logins per account, all sources."),
        Option("LOGIN_FAILURE_RESET_HOURS", int, 12, "Failure counters forgotten after this."),
        Option(
            "LOGIN_LOCKOUT_STORE", str, "", "Dotted path of the lockout store (empty = by mode)."
        ),
        Option("API_TOKEN_DAYS", int, 30, "Days an API token stays valid after it is issued."),
        Option("PID_PREFIX", str, "sx", "Root prefix of this network's persistent identifiers."),
        Option("PID_CHECK_TIMEOUT", int, 5, "Seconds to wait when checking a served URL answers."),
        Option("PID_CACHE_SECONDS", int, 60, "Cache-Control max-age of identifier resolutions."),
        Option(
            "SERVER",
            str,
            "uvicorn",
            "HTTP server behind shuxiang serve: uvicorn, or granian (faster; see the README).",
        ),
        Option(
            "DJANGO_THREADS",
            int,
            4,
            "Threads per server worker running Django (0 = Django's own ASGI handler).",
        ),
        Option(
            "DJANGO_QUEUE",
            int,
            1000,
            "Requests a server worker lets wait for a thread before answering 503 (busy).",
        ),
        Option(
            "PAGE_CACHE_SECONDS",
            int,
            120,
            "Safety-net lifetime of a cached anonymous page (0 turns the page cache off).",
        ),
        Option(
            "PAGE_CACHE_STORE",
            str,
            "",
            "Dotted path of the anonymous page cache's store (empty = Redis in server mode, "
            "else SQLite in the data dir).",
        ),
        Option(
            "STORAGE_BACKEND", str, "", "Dotted path of the file storage (empty = by S3_BUCKET)."
        ),
        Option("S3_BUCKET", str, "", "S3 bucket for resource files; set = S3 storage is used."),
        Option("S3_ENDPOINT_URL", str, "", "S3-compatible endpoint (empty = AWS default)."),
        Option("S3_ACCESS_KEY", str, "", "S3 access key id."),
        Option("S3_SECRET_KEY", str, "", "S3 secret access key."),
        Option("S3_REGION", str, "", "S3 region name."),
        Option("DELIVERY_ACCEL", str, "", "Hand bytes to the proxy: x-accel-redirect, x-sendfile."),
        Option("ACCEL_PREFIX", str, "/protected/", "Internal nginx location for X-Accel-Redirect."),
        Option("DOWNLOAD_QUOTA", int, 200, "Distinct resource files a reader (or IP) opens a day."),
        Option("SIGNED_LINK_SECONDS", int, 3600, "Lifetime of a signed download link."),
        Option(
            "COURSES_FRAME_ANCESTORS",
            str,
            "*",
            "Who may frame a branch's embeddable course page (CSP frame-ancestors sources).",
        ),
        Option(
            "BASE_URL",
            str,
            "",
            "Public base URL of this node: OIDC issuer, identifier locations (empty = the address "
            "`serve`/`demo` listen on, else http://127.0.0.1:8000).",
        ),
        Option(
            "HSTS_SECONDS",
            int,
            None,
            "Strict-Transport-Security max-age (empty = one year when BASE_URL is https; 0 = off).",
        ),
        Option(
            "SECURE_COOKIES",
            bool,
            None,
            "Session and CSRF cookies sent over HTTPS only (empty = on when BASE_URL is https).",
        ),
        Option(
            "TRUSTED_PROXIES",
            list,
            ["127.0.0.1", "::1"],
            "Proxy addresses/CIDRs whose X-Forwarded-Proto and X-Forwarded-For are believed.",
        ),
        Option("UPLOAD_MAX_BYTES", int, 64 * 2**30, "Largest resumable upload accepted (bytes)."),
        Option(
            "UPLOAD_EXPIRY_HOURS",
            int,
            24,
            "Hours an idle unfinished upload is kept.",
        ),
        Option("PACKAGES_BANDWIDTH", str, "", "Pull rate in bits/s: 20M, 500k (empty: any)."),
        Option("PACKAGES_WINDOW", str, "", "Daily hours package pulls run, e.g. 22:00-06:00."),
        Option("PACKAGES_CONNECTIONS", int, 4, "Parallel HTTP connections of one package pull."),
        Option("PACKAGES_STALL_SECONDS", int, 600, "A pull with no byte for this long fails."),
        Option("PACKAGES_TIMEOUT", int, 20, "Seconds without data before a pull reconnects."),
        Option("PACKAGES_PARENT_URL", str, "", "Base URL of the parent node offering packages."),
        Option("PACKAGES_PARENT_TOKEN", str, "", "API token of this node's staff at the parent."),
        Option(
            "OAI_REPOSITORY_ID",
            str,
            "",
            "OAI-PMH repository id (a domain); unset: the host of BASE_URL, else this host's FQDN.",
        ),
        Option("OAI_ADMIN_EMAIL", str, "oai@shuxiang.example.org", "OAI-PMH admin e-mail."),
        Option("HARVEST_RETRY_AFTER_MAX", int, 300, "Longest Retry-After wait honoured (seconds)."),
        Option("STATS_KEY", str, "", "HMAC key for pseudonymous reader ids; derived if unset."),
        Option("STATS_BACKEND", str, "", "Dotted path of the usage-statistics backend (by mode)."),
        Option("STATS_FLUSH_SECONDS", str, "0.5", "How often buffered usage events are written."),
        Option("STATS_WEBHOOK_TIMEOUT", int, 5, "Seconds to wait for monitoring HTTP calls."),
        Option("ANALYTICS_SPARK_MASTER", str, "local[*]", "Spark master URL of analytics jobs."),
        Option("ANALYTICS_SPARK_DRIVER_MEMORY", str, "1g", "Spark driver memory (local mode)."),
        Option("ANALYTICS_DUCKDB_MEMORY", str, "", "DuckDB memory limit of a job (unset: 80 %)."),
        Option(
            "ANALYTICS_DUCKDB_MAX_SPILL",
            str,
            "20GB",
            "Most disk a DuckDB job may spill to (beyond it the job fails, the disk stays free).",
        ),
        Option(
            "ANALYTICS_BATCH_ROWS",
            int,
            50_000,
            "Rows of a job's result passed from the engine to the store at a time.",
        ),
        Option("ANALYTICS_MIN_CELL", int, 10, "Smallest group an analytics report may show (k)."),
        Option("ANALYTICS_RELATED_PER_ITEM", int, 20, "Related items kept per item by the jobs."),
        Option(
            "ANALYTICS_CO_READ_WINDOW",
            int,
            10,
            "Readers-also-read pairs items at most this many places apart in a reader's history.",
        ),
        Option(
            "ANALYTICS_CO_READ_LEAST",
            int,
            2,
            "Readers-also-read pairs two items only when at least this many readers read both.",
        ),
        Option(
            "FEDERATION_KEY_GRACE_SECONDS",
            int,
            7 * 24 * 3600,
            "After a key rotation, how long peers still accept the old federation key.",
        ),
        Option("FEDERATION_SIGNATURE_SECONDS", int, 300, "Lifetime of a signed peer request."),
        Option(
            "FEDERATION_CLOCK_SKEW_SECONDS", int, 30, "Clock difference tolerated between nodes."
        ),
        Option("FEDERATION_TIMEOUT", int, 30, "Seconds to wait for a peer node's answer."),
        Option(
            "FEDERATION_OAI_PAGE_SIZE", int, 500, "Records a page of the parent's signed harvest."
        ),
        Option("PORTAL_DEFAULT_SITE", str, "", "Library code of the site for unknown hosts."),
        Option(
            "DEMO_TEXTS_DIR",
            Path,
            None,
            "Classics JSON for demo e-books (unset: bundled).",
        ),
        Option(
            "PROXY_DOMAIN",
            str,
            "",
            "Wildcard domain of the proxy gateway (www-vendor-com.<domain>); empty = off.",
        ),
        Option(
            "PROXY_MODE",
            str,
            "hostname",
            "Gateway by hostname (wildcard DNS) or by port (one node port per vendor host).",
        ),
        Option(
            "PROXY_PORTS",
            str,
            "9100-9139",
            "Node ports handed to vendor hosts in proxy-by-port mode (first-last).",
        ),
        Option("PROXY_GATEWAY_SCHEME", str, "https", "Scheme readers reach gateway hosts by."),
        Option("PROXY_GATEWAY_PORT", int, 0, "Port in gateway URLs (0 = the scheme's default)."),
        Option("PROXY_SESSION_HOURS", int, 8, "Lifetime of a reader's gateway session."),
        Option("PROXY_PDF_LIMIT_PER_HOUR", int, 100, "PDFs a reader may fetch per vendor-hour."),
        Option("PROXY_TIMEOUT", int, 30, "Seconds to wait for a vendor's answer."),
        Option("DEMO_BOOKS", int, 0, "How many classics e-books the demo publishes (0 = all)."),
        Option("PACKAGES_DIR", Path, None, "Folder of built bags (unset: DATA_DIR/packages)."),
        Option(
            "PACKAGES_TRUSTED_KEYS",
            list,
            [],
            "Ed25519 public keys (base64url, comma-separated) whose package signatures import.",
        ),
        Option(
            "FEDERATION_FIGURES_BATCH_ROWS",
            int,
            15_000,
            "Most rows of figures sent to the parent node in one signed request.",
        ),
        Option(
            "PORTAL_CHAPTER_SOURCES",
            list,
            [
                "shuxiang.resources.reader_source.ResourceChapters",
                "shuxiang.portal.demo_books.DemoBooks",
            ],
            "Dotted paths of the reader's chapter sources (comma-separated, first match wins).",
        ),
        Option(
            "LINKEDDATA_DESCRIBERS",
            list,
            [
                "shuxiang.linkeddata.describers.resources",
                "shuxiang.linkeddata.describers.libraries",
                "shuxiang.linkeddata.describers.persons",
                "shuxiang.linkeddata.describers.subjects",
                "shuxiang.linkeddata.describers.places",
                "shuxiang.linkeddata.describers.works",
                "shuxiang.linkeddata.describers.courses",
            ],
            "Dotted paths of modules whose DESCRIBERS turn entities into RDF (comma-separated).",
        ),
        Option(
            "LINKEDDATA_DIR",
            Path,
            None,
            "Folder of the RDF store and dumps (unset: DATA_DIR/linkeddata).",
        ),
        Option(
            "SPARQL_TIMEOUT_SECONDS",
            int,
            10,
            "Longest a SPARQL query may run before it is stopped.",
        ),
        Option(
            "SPARQL_RESULT_LIMIT", int, 10_000, "Most rows (or triples) one SPARQL answer returns."
        ),
        Option("SPARQL_MAX_QUERY_CHARS", int, 20_000, "Longest SPARQL query text accepted."),
        Option(
            "SPARQL_WORKERS", int, 2, "SPARQL worker processes per web process (queries at once)."
        ),
        Option("SPARQL_MEMORY_MB", int, 1024, "Address-space limit of a SPARQL worker process."),
        Option(
            "ACTIVITIES_BOARD_BACKEND",
            str,
            "",
            "Dotted path of the campaigns' leaderboard store (empty = Redis in server mode, "
            "else the database).",
        ),
        Option("ACTIVITIES_LIKES_PER_READER", int, 60, "Likes one reader may give a minute."),
        Option("ACTIVITIES_LIKES_PER_IP", int, 600, "Likes from one client IP a minute."),
        Option("ACTIVITIES_LIKES_PER_DEVICE", int, 60, "Likes from one device a minute."),
    ]
}


def value(name: str) -> Any:
    """Return the current value of option ``name`` (raises KeyError for unknown names)."""
    option = OPTIONS[name]
    result = option.read()
    if name == "DATA_DIR" and result is None:
        return _default_data_dir()
    return result
