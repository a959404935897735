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
    # An uploaded PDF is parsed for scripts and automatic actions (core/tickets/pdf_content.py);
    # one beyond these bounds is refused as too complex to check.
    PDF_CHECK_SECONDS = 5
    PDF_CHECK_MAX_OBJECTS = 100_000
    DOCUMENT_STORAGE = None                   # issued PDFs; <storage>/documents when unset
    # How the intranet reaches anqi (https://anqi.example.gov.cn): the QR code on every issued PDF points
    # here, for good (core/public_address.py). `anqi run` takes it from its --host/--port when unset;
    # a production process (PRODUCTION) refuses to issue while it is unset or a loopback address.
    PUBLIC_BASE_URL = None
    # True in `anqi serve`'s web workers and in `anqi worker`, which set it; ANQI_PRODUCTION=true makes
    # another command (`anqi documents render-batch`) as strict.
    PRODUCTION = False
    # Fonts of the PDF documents (core/documents/fonts.py; docs/operations.md, "Fonts of the
    # official documents"). Each role takes the first available of the standard's faces (仿宋,
    # 小标宋, 黑体, 楷体, 宋体 under their usual names), else an open stand-in, from the fonts
    # folder or the system. Licensed .ttf/.otf/.ttc files go into the fonts folder.
    DOCUMENT_FONT_FOLDER = None                   # <instance>/fonts when unset
    DOCUMENT_FONT_MAX_BYTES = 64 * 1024 * 1024    # a larger file in the folder is skipped and reported
    # A family (fontconfig's name, `fc-list : family`, or one of a file in the folder) put first for a
    # role; rendering refuses it when it is not available rather than pass over it.
    DOCUMENT_FONT_BODY = None      # 正文, h3/h4, 版记, 签发人 label: 仿宋
    DOCUMENT_FONT_TITLE = None     # 标题: 小标宋
    DOCUMENT_FONT_MARK = None      # the red 发文机关标志: 小标宋
    DOCUMENT_FONT_H1 = None        # 一级标题: 黑体
    DOCUMENT_FONT_KAI = None       # 二级标题 and the 签发人's name: 楷体
    DOCUMENT_FONT_PAGE = None      # page numbers: 宋体
    DOCUMENT_FONT_HEADING = None   # older setting: the title's and the first-level headings' family
    # The render budget (core/documents/budget.py; docs/architecture.md, "Official documents: the
    # render budget"). A draft beyond it is refused with a message naming the limit. Measured here:
    # a 3,000-paragraph draft of 50 characters a paragraph (150,000 characters, 275 pages) renders
    # in about 8 s on an idle core.
    DOCUMENT_MAX_CHARACTERS = 200_000     # the body's characters: checked when saved and before rendering
    DOCUMENT_MAX_PAGES = 500              # checked page by page while laying out
    DOCUMENT_RENDER_SECONDS = 180         # laying out and writing one PDF, not counting the wait for its turn
    # A preview heavier than this (characters; a table cell counts as 30) is rendered by the
    # background workers, not in the web request: at this size a render takes about 0.6 s here.
    DOCUMENT_INLINE_RENDER_CHARACTERS = 6_000
    DOCUMENT_RENDER_LOG = False           # WeasyPrint's progress lines (Step 1 … Step 7) in the log
    # Personal-data encryption keys, never in the database (docs/security.md, "Personal data"):
    PERSONAL_DATA_KEYS = None       # {"1": "<base64 of 32 bytes>", …}; when unset, the key file
    PERSONAL_DATA_KEY_FILE = None   # <instance>/personal_data_keys when unset; made with mode 0600
    IMPORT_MAX_BYTES = 10 * 1024 * 1024
    IMPORT_MAX_ROWS = 200_000
    # The ticket list's export (/tickets/export.xlsx) refuses, with a message, more rows than this:
    # narrow the filters (at this size a workbook takes a few seconds to write).
    TICKET_EXPORT_MAX_ROWS = 20_000
    # 一企一警 (core/liaison/coverage.py): a liaison officer serves at least this many enterprises.
    LIAISON_MIN_ENTERPRISES = 3
    IMPORT_MAX_COLUMNS = 100        # a row with a value further right is refused (the template has 15)
    # The 积案 register (core/supervision/backlog.py): an open ticket is long-unsolved after this many
    # working days since its registration (or when it has been reopened twice).
    BACKLOG_WORKING_DAYS = 30
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
    WORKER_NICE = 10                # the job threads' CPU priority (nice), below the web server's; 0: unchanged
    WORKER_SWITCH_INTERVAL_MS = 0.1  # a job thread keeps Python's GIL at most this long from one waiting
    WORKER_DEAD_AFTER_SECONDS = 60  # a worker silent this long is presumed dead: its jobs go back to the queue
    JOB_CLAIM_SECONDS = 900         # a task's claim on a row, by a process nobody can vouch for, expires after this
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
    # Notices outside the browser (core/notices; docs/operations.md, "Notices"). Everything is off
    # until configured. Every address anqi sends to must be on the allow list: "host" (any port)
    # or "host:port"; an empty list lets nothing out.
    NOTICE_ALLOWED_HOSTS = ()
    NOTICE_TIMEOUT_SECONDS = 10       # one call to a gateway, relay or endpoint
    NOTICE_ATTEMPTS = 6               # sends of one message or post before it is marked failed
    NOTICE_RETRY_SECONDS = 30         # the first retry's wait; doubled each time
    NOTICE_QUIET_HOURS = (22, 7)      # no SMS from 22:00 to 07:00 (China time) unless urgent
    NOTICE_RECIPIENT_LIMIT_PER_HOUR = 20  # SMS or emails to one recipient in an hour; the rest are skipped
    NOTICE_DIGEST_HOUR = 8            # officers who chose a daily digest get it at this hour
    # SMS: "http" (the platform's HTTP interface) or "smpp" (SMPP 3.4); "" for none.
    NOTICE_SMS_GATEWAY = ""
    NOTICE_SMS_URL = ""               # http: the platform's send address
    NOTICE_SMS_ACCOUNT = ""
    NOTICE_SMS_PASSWORD = ""
    NOTICE_SMS_SIGNATURE = ""         # the centre's signature, e.g. 【诸暨市护企优商服务中心】
    NOTICE_SMS_TEMPLATE_IDS = {}      # event -> the platform's template id, where the platform wants one
    NOTICE_SMPP_HOST = ""
    NOTICE_SMPP_PORT = 2775
    NOTICE_SMPP_SYSTEM_ID = ""
    NOTICE_SMPP_PASSWORD = ""
    NOTICE_SMPP_SOURCE_ADDR = ""
    # Email through an SMTP relay, under the setting names Flask-Mail and Flask-Mailman use.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_DEFAULT_SENDER = ""
    MAIL_TIMEOUT = 10


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
