"""Every setting with a safe default and one line on what it does."""
from __future__ import annotations

from typing import ClassVar


class DefaultConfig:
    # None: the app generates a random key once into instance/ (never a literal fallback).
    SECRET_KEY: str | None = None
    # Any SQLAlchemy URL; None means the embedded SQLite file instance/vendor_registry.db.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # PostgreSQL: a role every connection switches to (SET ROLE) before the app's statements,
    # for a login that row-level security does not bind (a superuser). None: the login's own
    # role, which must not be a superuser nor have BYPASSRLS (README "Running on PostgreSQL").
    # Migrations run as the login itself (they change the schema, which the owner does).
    DATABASE_ROLE: str | None = None
    # Session cookie: not readable by scripts, not sent on cross-site posts, HTTPS only.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # seconds: one working day
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a form left open all day can still be saved
    # Swedish first; English available.
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")
    # Bootstrap served from the installed package, never a CDN (closed municipal networks).
    BOOTSTRAP_SERVE_LOCAL = True
    # Upper bound for request bodies (uploads included); larger requests get 413.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    # Security headers (Flask-Talisman, vendor_registry/security.py). The policy allows only
    # our own files: no inline script or style, no frames, forms post only to us. data: images
    # are Bootstrap's CSS icons (navbar toggler, select arrow).
    CONTENT_SECURITY_POLICY: ClassVar[dict[str, str]] = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    # Redirect plain HTTP to HTTPS (behind a proxy: set PROXY_COUNT so X-Forwarded-Proto is read).
    FORCE_HTTPS = True
    # Send Strict-Transport-Security on HTTPS answers, for this many seconds (0: not at all).
    HSTS_MAX_AGE = 365 * 24 * 3600
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none);
    # the sign-in throttle and log, HTTPS forcing and the SSO redirect address need the client's view.
    PROXY_COUNT = 0
    # IVO register extracts: refused before they are parsed or stored when larger than these.
    EXTRACT_MAX_BYTES = 10_000_000  # the uploaded file
    EXTRACT_MAX_ROWS = 50_000  # data rows (CSV lines, XLSX rows)
    EXTRACT_MAX_UNCOMPRESSED_BYTES = 50_000_000  # XLSX: sum of the zip entries' declared sizes
    EXTRACT_MAX_ZIP_ENTRIES = 200  # XLSX: files inside the zip (Excel writes about a dozen)
    PROVIDERS_PER_PAGE = 25
    # Scheduler: the hour (Europe/Stockholm) for nightly sweeps, outside 02–03 (DST changes).
    SWEEP_HOUR = 4
    DIGEST_HOUR = 7
    # Flag rules (DOMAIN.md §4): days before a licence's end date that it counts as expiring.
    LICENCE_EXPIRING_DAYS = 60
    # Days a licence may go without verification before it is flagged as unverified.
    LICENCE_VERIFY_DAYS = 30
    # Days after approval by which an approved provider must have had a review.
    REVIEW_MISSING_DAYS = 90
    # Days after the latest review before a new one is overdue.
    REVIEW_OVERDUE_DAYS = 365
    # Days before a contract's end date that it counts as expiring.
    CONTRACT_EXPIRING_DAYS = 90
    # Consecutive automatic check errors of one type that raise check_error.
    CHECK_ERROR_STREAK = 3
    # Seconds a scheduled run may start late (after downtime) and still run.
    JOB_MISFIRE_GRACE_SECONDS = 6 * 3600
    # SQLite only: milliseconds a writer waits for the other process's write transaction.
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # SQLite only: megabytes of page cache per connection, taken as pages are read. SQLite's
    # own 2 MB is a hundredth of a national register's file: a sweep raising 100,000 flags
    # re-read the same index pages from the OS for every row (first check sweep 11.5 s -> 9 s).
    SQLITE_CACHE_MB = 64
    # Seconds between the scheduler's looks for runs asked for with "Kör nu".
    JOB_REQUEST_POLL_SECONDS = 2.0
    # Seconds between the heartbeats a running job writes (its process proves it lives).
    JOB_HEARTBEAT_SECONDS = 30.0
    # A running job with no heartbeat for this many seconds lost its process: it is marked
    # abandoned and run again once. At least twice the heartbeat; three times is usual.
    JOB_LEASE_SECONDS = 90.0
    # Flags per page in the supervisors' queue.
    FLAGS_PER_PAGE = 50
    # Bytes of rendered pages each process keeps and serves again while the data, the person,
    # the language and the minute are unchanged (vendor_registry/pagecache.py); 0 turns it off.
    PAGE_CACHE_BYTES = 32 * 1024 * 1024
    # Sets of every provider's match facts each process keeps between matches while the data
    # and the minute are unchanged (vendor_registry/demand/snapshot_store.py); 0 turns it off.
    MATCH_SNAPSHOT_SETS = 2
    # External sources (see SOURCES.md); unset means "not configured".
    IVO_REGISTER_URL: str | None = None
    BOLAGSVERKET_API_URL: str | None = None
    BOLAGSVERKET_TOKEN_URL: str | None = None
    BOLAGSVERKET_CLIENT_ID: str | None = None
    BOLAGSVERKET_CLIENT_SECRET: str | None = None
    # Bolagsverket allows 60 requests a minute per user; the client throttles itself to this.
    BOLAGSVERKET_REQUESTS_PER_MINUTE = 60
    # Politeness towards IVO's web site: at most this many page requests a minute.
    IVO_REGISTER_REQUESTS_PER_MINUTE = 30
    # Read IVO's robots.txt first and obey it (turn off only for a source you run yourself).
    IVO_REGISTER_RESPECT_ROBOTS = True
    # HTTP to external sources: seconds to connect, seconds to wait for data, retries of a
    # safe request (with exponential backoff starting at CHECKS_BACKOFF seconds), and the
    # longest a whole answer may take to read.
    CHECKS_CONNECT_TIMEOUT = 5.0
    CHECKS_READ_TIMEOUT = 20.0
    CHECKS_RETRIES = 3
    CHECKS_BACKOFF = 0.5
    CHECKS_TOTAL_TIMEOUT = 60.0
    # Evidence files live outside the web root; None means instance/evidence.
    EVIDENCE_STORAGE_DIR: str | None = None
    EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    # Evidence file types accepted, decided by the file's first bytes (never its name); any of
    # application/pdf, image/png, image/jpeg.
    EVIDENCE_ALLOWED_TYPES: tuple[str, ...] = ("application/pdf", "image/png", "image/jpeg")
    # Mail for digests; with no MAIL_SERVER digests are shown in the app only.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "noreply@vendor-registry.invalid"
    # API rate limit per token and its storage ("memory://" or "redis://host:6379").
    API_RATE_LIMIT = "600 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "vendor_registry"  # namespace of the limiter's keys in a shared Redis
    API_MAX_CONTENT_LENGTH = 256 * 1024  # largest JSON body the API accepts (413 above it)
    # Sign-in throttle (auth/throttle.py): failed attempts one e-mail address may make in
    # LOGIN_LOCK_MINUTES before it is locked for the rest of them (an admin can unlock it).
    LOGIN_LOCK_FAILURES = 10
    LOGIN_LOCK_MINUTES = 15
    # Failed attempts one client address may make, whatever the e-mail (kept in RATELIMIT_STORAGE_URI).
    LOGIN_ADDRESS_LIMIT = "30 per 15 minutes"
    # Public base URL used in e-mails.
    BASE_URL = "http://127.0.0.1:5000"
    # Municipal single sign-on (OpenID Connect), off while OIDC_DISCOVERY_URL is unset: the
    # provider's issuer URL or its /.well-known/openid-configuration address.
    OIDC_DISCOVERY_URL: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    # The claim that names the account: "sub" matches the subject stored on the user, any other
    # claim (email, upn, preferred_username) is matched against the user's e-mail address.
    OIDC_USER_CLAIM = "email"
    # The button's text on the login page; None: "Logga in med kommunens konto" (translated).
    OIDC_BUTTON_LABEL: str | None = None
    OIDC_SCOPES = "openid email profile"
    # Logging out also ends the session at the provider when it offers RP-initiated logout.
    OIDC_PROVIDER_LOGOUT = True
    # Seconds to wait for the provider's discovery, keys and token answers.
    OIDC_TIMEOUT = 10.0


#: Environment variable -> setting.
ENV_OVERRIDES: dict[str, str] = {
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "DATABASE_ROLE": "DATABASE_ROLE",
    "SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "PROVIDERS_PER_PAGE": "PROVIDERS_PER_PAGE",
    "SWEEP_HOUR": "SWEEP_HOUR",
    "DIGEST_HOUR": "DIGEST_HOUR",
    "LICENCE_EXPIRING_DAYS": "LICENCE_EXPIRING_DAYS",
    "LICENCE_VERIFY_DAYS": "LICENCE_VERIFY_DAYS",
    "REVIEW_MISSING_DAYS": "REVIEW_MISSING_DAYS",
    "REVIEW_OVERDUE_DAYS": "REVIEW_OVERDUE_DAYS",
    "CONTRACT_EXPIRING_DAYS": "CONTRACT_EXPIRING_DAYS",
    "CHECK_ERROR_STREAK": "CHECK_ERROR_STREAK",
    "JOB_MISFIRE_GRACE_SECONDS": "JOB_MISFIRE_GRACE_SECONDS",
    "FLAGS_PER_PAGE": "FLAGS_PER_PAGE",
    "PAGE_CACHE_BYTES": "PAGE_CACHE_BYTES",
    "MATCH_SNAPSHOT_SETS": "MATCH_SNAPSHOT_SETS",
    "SQLITE_BUSY_TIMEOUT_MS": "SQLITE_BUSY_TIMEOUT_MS",
    "SQLITE_CACHE_MB": "SQLITE_CACHE_MB",
    "JOB_REQUEST_POLL_SECONDS": "JOB_REQUEST_POLL_SECONDS",
    "JOB_HEARTBEAT_SECONDS": "JOB_HEARTBEAT_SECONDS",
    "JOB_LEASE_SECONDS": "JOB_LEASE_SECONDS",
    "IVO_REGISTER_URL": "IVO_REGISTER_URL",
    "BOLAGSVERKET_API_URL": "BOLAGSVERKET_API_URL",
    "BOLAGSVERKET_TOKEN_URL": "BOLAGSVERKET_TOKEN_URL",
    "BOLAGSVERKET_CLIENT_ID": "BOLAGSVERKET_CLIENT_ID",
    "BOLAGSVERKET_CLIENT_SECRET": "BOLAGSVERKET_CLIENT_SECRET",
    "BOLAGSVERKET_REQUESTS_PER_MINUTE": "BOLAGSVERKET_REQUESTS_PER_MINUTE",
    "IVO_REGISTER_REQUESTS_PER_MINUTE": "IVO_REGISTER_REQUESTS_PER_MINUTE",
    "IVO_REGISTER_RESPECT_ROBOTS": "IVO_REGISTER_RESPECT_ROBOTS",
    "CHECKS_CONNECT_TIMEOUT": "CHECKS_CONNECT_TIMEOUT",
    "CHECKS_READ_TIMEOUT": "CHECKS_READ_TIMEOUT",
    "CHECKS_RETRIES": "CHECKS_RETRIES",
    "CHECKS_BACKOFF": "CHECKS_BACKOFF",
    "CHECKS_TOTAL_TIMEOUT": "CHECKS_TOTAL_TIMEOUT",
    "EVIDENCE_STORAGE_DIR": "EVIDENCE_STORAGE_DIR",
    "EVIDENCE_MAX_BYTES": "EVIDENCE_MAX_BYTES",
    "EVIDENCE_ALLOWED_TYPES": "EVIDENCE_ALLOWED_TYPES",
    "MAX_CONTENT_LENGTH": "MAX_CONTENT_LENGTH",
    "FORCE_HTTPS": "FORCE_HTTPS",
    "HSTS_MAX_AGE": "HSTS_MAX_AGE",
    "PROXY_COUNT": "PROXY_COUNT",
    "EXTRACT_MAX_BYTES": "EXTRACT_MAX_BYTES",
    "EXTRACT_MAX_ROWS": "EXTRACT_MAX_ROWS",
    "EXTRACT_MAX_UNCOMPRESSED_BYTES": "EXTRACT_MAX_UNCOMPRESSED_BYTES",
    "EXTRACT_MAX_ZIP_ENTRIES": "EXTRACT_MAX_ZIP_ENTRIES",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_USE_TLS": "MAIL_USE_TLS",
    "MAIL_USERNAME": "MAIL_USERNAME",
    "MAIL_PASSWORD": "MAIL_PASSWORD",
    "MAIL_SENDER": "MAIL_SENDER",
    "API_RATE_LIMIT": "API_RATE_LIMIT",
    "API_MAX_CONTENT_LENGTH": "API_MAX_CONTENT_LENGTH",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "BASE_URL": "BASE_URL",
    "OIDC_DISCOVERY_URL": "OIDC_DISCOVERY_URL",
    "OIDC_CLIENT_ID": "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET": "OIDC_CLIENT_SECRET",
    "OIDC_USER_CLAIM": "OIDC_USER_CLAIM",
    "OIDC_BUTTON_LABEL": "OIDC_BUTTON_LABEL",
    "OIDC_SCOPES": "OIDC_SCOPES",
    "OIDC_PROVIDER_LOGOUT": "OIDC_PROVIDER_LOGOUT",
    "OIDC_TIMEOUT": "OIDC_TIMEOUT",
    "LOGIN_LOCK_FAILURES": "LOGIN_LOCK_FAILURES",
    "LOGIN_LOCK_MINUTES": "LOGIN_LOCK_MINUTES",
    "LOGIN_ADDRESS_LIMIT": "LOGIN_ADDRESS_LIMIT",
}
