"""Configuration: defaults here, then ``instance/config.py``, then ``ANQI_*`` variables.

``ANQI_DATABASE_URL`` sets the database; any other ``ANQI_FOO`` sets ``FOO``
(values are read as JSON when they parse, as in ``Flask.config.from_prefixed_env``).
"""
import os
import secrets
from pathlib import Path


class Defaults:
    SECRET_KEY = None  # read from or written to instance/secret_key when unset
    SQLALCHEMY_DATABASE_URI = None  # sqlite:///<instance>/anqi.db when unset
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL connections per process (each gunicorn worker and each `anqi worker`):
    # up to DB_POOL_SIZE kept open, DB_MAX_OVERFLOW more at a peak (docs/operations.md, "PostgreSQL").
    DB_POOL_SIZE = 5
    DB_MAX_OVERFLOW = 5
    DB_POOL_RECYCLE_SECONDS = 3600
    # Stored files (attachments, issued PDFs, imports waiting for confirmation): <instance> when
    # unset; a shared volume when several machines serve. ATTACHMENT_DIR and DOCUMENT_STORAGE
    # still name one kind of file elsewhere.
    STORAGE_DIR = None
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False   # the cookie is Secure on HTTPS requests anyway (core.web.SessionInterface)
    PROXY_FIX = 0                   # behind a reverse proxy: how many proxies to trust (ANQI_PROXY_FIX=1)
    REMEMBER_COOKIE_HTTPONLY = True
    # A request may carry several attachments; each is limited on its own.
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024
    ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024   # one ticket attachment (ANQI_ATTACHMENT_MAX_BYTES)
    ATTACHMENT_MAX_FILES = 10                 # files sent at once
    ATTACHMENT_DIR = None                     # <storage>/attachments when unset
    DOCUMENT_STORAGE = None                   # issued PDFs; <storage>/documents when unset
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"  # how the intranet reaches anqi: QR codes on issued PDFs point here
    # Fonts of the PDF documents, by fontconfig family name (`fc-list : family`); rendering refuses
    # a family that is not installed. A real 仿宋/小标宋 is used by naming it here, e.g.
    # ANQI_DOCUMENT_FONT_BODY="FangSong" ANQI_DOCUMENT_FONT_MARK="FZXiaoBiaoSong-B05S".
    DOCUMENT_FONT_BODY = "Noto Serif CJK SC"      # 仿宋/宋体: body, 版记, page numbers
    DOCUMENT_FONT_HEADING = "Noto Sans CJK SC"    # 小标宋/黑体: title, first-level headings
    DOCUMENT_FONT_MARK = None                     # the red 发文机关标志; the heading font when unset
    DOCUMENT_FONT_KAI = None                      # 楷体 for second-level headings; the body font when unset
    DOCUMENT_FONT_HEADING_WEIGHT = 700            # 400 for a font with one weight (小标宋, 黑体)
    # Personal-data encryption keys, never in the database (docs/security.md, "Personal data"):
    PERSONAL_DATA_KEYS = None       # {"1": "<base64 of 32 bytes>", …}; when unset, the key file
    PERSONAL_DATA_KEY_FILE = None   # <instance>/personal_data_keys when unset; made with mode 0600
    IMPORT_MAX_BYTES = 10 * 1024 * 1024
    IMPORT_MAX_ROWS = 200_000
    PAGE_SIZE = 20
    PAGE_SIZE_CHOICES = (20, 50, 100, 200)
    SQLITE_BUSY_TIMEOUT_MS = 10_000
    # Identity (docs/security.md, "Identity")
    AUTH_IDLE_MINUTES = 30            # a session ends after this long without a request
    AUTH_ABSOLUTE_HOURS = 12          # … and this long after the login, whatever happens
    AUTH_MAX_FAILURES = 5             # failed logins (or codes) in a row that lock the account
    AUTH_LOCK_MINUTES = 30            # how long it stays locked
    AUTH_LOGIN_RATE_LIMIT = "20 per minute"  # login POSTs per client address
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"  # per process; redis://… when several workers serve
    HUEY_URL = None                 # the job queue: <instance>/huey.db when unset; redis://host:6379/0 scaled out
    WORKER_MAX_JOBS = 0             # `anqi worker` restarts itself after this many jobs (0: never)
    # `anqi serve` (core/serving.py); the command's options win over these.
    SERVE_BIND = None
    SERVE_WORKERS = None
    SERVE_TIMEOUT = None
    SERVE_MAX_REQUESTS = None
    PLUGIN_PACKAGE = "plugins"
    PLUGIN_ENTRY_POINT_GROUP = "anqi.plugins"
    AUDIT_RETENTION_DAYS = 180       # audit entries kept in the database; never fewer than 180 days
    AUDIT_ARCHIVE_DIR = None         # signed archives of older entries; <instance>/audit-archive when unset
    AUDIT_SIGNING_KEY_FILE = None    # Ed25519 private key (PEM); <instance>/audit-signing-key.pem when unset
    # Monitoring (docs/operations.md, "Monitoring")
    LOG_FORMAT = "text"              # "json" in production: one JSON object a line (ANQI_LOG_FORMAT)
    LOG_LEVEL = "INFO"
    METRICS_DIR = None               # several processes' metrics files; <instance>/metrics when unset
    METRICS_TOKEN = None             # /metrics answers only with "Authorization: Bearer <token>"; off when unset


def load(app, overrides=None):
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    url = os.environ.get("ANQI_DATABASE_URL")
    app.config.from_prefixed_env("ANQI")
    if url:
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if overrides:
        app.config.update(overrides)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "anqi.db")
    _pool(app.config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    from core.audit.retention import enforce_minimum
    enforce_minimum(app.config)


def _pool(config) -> None:
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return  # SQLite connections are files, not server sessions: SQLAlchemy's own pool suits them
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_size", int(config["DB_POOL_SIZE"]))
    options.setdefault("max_overflow", int(config["DB_MAX_OVERFLOW"]))
    options.setdefault("pool_recycle", int(config["DB_POOL_RECYCLE_SECONDS"]))
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def storage_root(app) -> Path:
    """Where stored files live (``STORAGE_DIR``, else the instance folder)."""
    return Path(app.config.get("STORAGE_DIR") or app.instance_path)


def _instance_secret(instance: Path) -> str:
    """One secret per instance, shared by every worker process through a file."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker wrote it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip()
