"""Imports of enterprises done by the background jobs, with their progress.

The web request only takes the file: it is copied to the storage folder
(``imports/``) as it arrives, never more than ``IMPORT_MAX_BYTES``, and its
header row checked; then the request answers at once with the import's page.
The job ``anqi.registry.check_import`` checks every row; once the user has
seen the result and confirmed, ``anqi.registry.write_import`` writes them
(importer.py: parts of a few hundred rows, each in its own short transaction).

An import is ``<user id>-<token>`` in that folder: ``.upload`` (the file),
``.json`` (its state: stage, rows done, counts, the message of a failure in
every language of the interface, rewritten whole at most once a second) and
``.rows.jsonl`` (each row's result, for the page). Only its uploader sees it.
Both jobs may run twice (delivery is at least once): a check starts again
from the top, and writing a file again finds its rows already there.
Imports are forgotten a day after they were last touched.
"""
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core import tasks
from core.errors import AnqiError, NotFound, ValidationError
from core.extensions import db
from core.org.actor import Actor
from core.org.models import User
from core.privacy import files
from core.registry import importer
from core.spreadsheets import reading

log = logging.getLogger(__name__)

LIFETIME_SECONDS = 24 * 3600
COPY_BYTES = 1024 * 1024
SAVE_EVERY_SECONDS = 1.0
SHOWN_ROWS = 500           # rows listed on the page; rejected ones first
CHECKING, CHECKED, WRITING, WRITTEN, FAILED = "checking", "checked", "writing", "written", "failed"
BUSY_STAGES = (CHECKING, WRITING)


@dataclass
class ImportState:
    token: str
    stage: str
    filename: str
    rows: int = 0
    total: int | None = None          # rows in the file, once known
    counts: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)   # of the enterprises updated, how many change in each column
    ignored_columns: list = field(default_factory=list)
    problem: str = ""                 # why it failed, in the reader's language
    only_valid: bool = False
    workers: int | None = None        # background workers running; None when the queue cannot tell

    @property
    def busy(self) -> bool:
        return self.stage in BUSY_STAGES

    @property
    def no_worker(self) -> bool:
        return self.busy and self.workers == 0


def folder() -> Path:
    from core.config import storage_root

    path = storage_root(current_app) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _name(user_id, token) -> str:
    if not token.isalnum() or len(token) > 64:
        raise NotFound(_l("There is no such import."))
    return f"{int(user_id)}-{token}"


def _paths(user_id, token) -> tuple[Path, Path, Path]:
    base = folder() / _name(user_id, token)
    return base.with_suffix(".upload"), base.with_suffix(".json"), base.with_suffix(".rows.jsonl")


def _load(user_id, token) -> dict:
    try:
        return json.loads(_paths(user_id, token)[1].read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        raise NotFound(_l("There is no such import.")) from None


def _save(user_id, token, state: dict) -> None:
    files.write_atomically(_paths(user_id, token)[1], json.dumps(state, ensure_ascii=False).encode("utf-8"))


def _in_every_language(message) -> dict:
    texts = {}
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            texts[locale] = str(message)
    return texts


def forget_stale() -> None:
    limit = time.time() - LIFETIME_SECONDS
    for old in folder().iterdir():
        try:
            if old.stat().st_mtime < limit:
                old.unlink(missing_ok=True)
        except FileNotFoundError:
            continue


# ---------------------------------------------------------------- the requests

def start(actor, filename: str, stream) -> str:
    """Take an uploaded file, check its header and queue the check of its rows.
    Returns the import's token; raises ValidationError (keeping nothing) when
    the file is too large, unreadable or lacks a required column."""
    actor.require("enterprise.import")
    db.session.commit()
    forget_stale()
    token = secrets.token_hex(16)
    upload, _state, _rows = _paths(actor.user_id, token)
    try:
        _copy_within_limit(stream, upload)
        with upload.open("rb") as stored, importer.opened(filename, stored):
            pass
        _save(actor.user_id, token, {"stage": CHECKING, "filename": (filename or "")[:200], "rows": 0,
                                     "address": actor.address, "queued_at": time.time()})
        _enqueue(check_import, actor.user_id, token)
    except BaseException:
        for path in _paths(actor.user_id, token):
            path.unlink(missing_ok=True)
        raise
    return token


def _copy_within_limit(stream, target: Path) -> None:
    limit = current_app.config["IMPORT_MAX_BYTES"]
    written = 0
    with target.open("xb") as out:
        while chunk := stream.read(COPY_BYTES):
            written += len(chunk)
            if written > limit:
                raise reading.too_large(limit)
            out.write(chunk)


def _enqueue(task, *args) -> None:
    try:
        task(*args)
    except AnqiError:
        raise
    except Exception:  # noqa: BLE001 - the queue's storage cannot be reached (Redis down, …)
        log.exception("An import could not be queued")
        raise ValidationError(_l("The background jobs' queue cannot be reached just now, so the file cannot be "
                                 "imported. Try again in a moment; tell the administrator if it goes on."),
                              field="file") from None


def status(actor, token) -> ImportState:
    """The import as its uploader sees it (NotFound for anyone else)."""
    actor.require("enterprise.import")
    state = _load(actor.user_id, token)
    problem = state.get("problem") or {}
    locale = _current_locale()
    return ImportState(token=token, stage=state["stage"], filename=state.get("filename", ""),
                       rows=state.get("rows", 0), total=state.get("total"), counts=state.get("counts") or {},
                       changes=state.get("changes") or {},
                       ignored_columns=state.get("ignored_columns") or [],
                       problem=problem.get(locale) or next(iter(problem.values()), ""),
                       only_valid=bool(state.get("only_valid")),
                       workers=tasks.live_workers() if state["stage"] in BUSY_STAGES else None)


def _current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def shown_rows(actor, state: ImportState) -> list[dict]:
    """The rows' results to list once the check is over: the rejected first, at most SHOWN_ROWS."""
    actor.require("enterprise.import")
    if state.busy or state.stage == FAILED:
        return []
    path = _paths(actor.user_id, state.token)[2]
    rejected, others = [], []
    try:
        with path.open(encoding="utf-8") as lines:
            for text in lines:
                row = json.loads(text)
                if row["action"] == importer.REJECTED:
                    rejected.append(row)
                    if len(rejected) >= SHOWN_ROWS:
                        break
                elif len(others) < SHOWN_ROWS:
                    others.append(row)
    except FileNotFoundError:
        return []
    return list(islice(rejected + others, SHOWN_ROWS))


def confirm(actor, token, only_valid: bool) -> None:
    """Queue the writing of a checked import. Raises ValidationError when rows
    were rejected and ``only_valid`` is not chosen; NotFound when there is
    nothing to write (another's import, or one written already)."""
    actor.require("enterprise.import")
    state = _load(actor.user_id, token)
    upload = _paths(actor.user_id, token)[0]
    if state["stage"] != CHECKED or not upload.exists():
        raise NotFound(_l("There is no such import."))
    importer.refuse_rejected(actor, state.get("filename", ""), state["counts"], only_valid)
    state.update(stage=WRITING, only_valid=bool(only_valid), rows=0, queued_at=time.time())
    _save(actor.user_id, token, state)
    try:
        _enqueue(write_import, actor.user_id, token)
    except ValidationError:
        state.update(stage=CHECKED)
        _save(actor.user_id, token, state)
        raise


# ---------------------------------------------------------------- the jobs

@tasks.huey.task(name="anqi.registry.check_import")
def check_import(user_id, token):
    with tasks.app_context():
        _run(user_id, token, CHECKING)


@tasks.huey.task(name="anqi.registry.write_import")
def write_import(user_id, token):
    with tasks.app_context():
        _run(user_id, token, WRITING)


def _run(user_id, token, stage) -> None:
    try:
        state = _load(user_id, token)
    except NotFound:
        return                              # forgotten meanwhile
    if state["stage"] != stage:
        return                              # done already (a job delivered twice)
    upload, _state, rows_path = _paths(user_id, token)
    user = db.session.get(User, user_id)
    if user is None or not user.active or not upload.exists():
        db.session.rollback()
        _fail(user_id, token, state, _l("The import was stopped: its file or its user is no longer there."))
        return
    actor = Actor(user, address=state.get("address") or "worker")
    last_saved = [0.0]

    def progress(results, summary):
        if stage == CHECKING:
            with rows_path.open("a", encoding="utf-8") as out:
                for r in results:
                    out.write(json.dumps({"line": r.line, "action": r.action, "credit_code": r.credit_code,
                                          "name": r.name, "reasons": r.reasons}, ensure_ascii=False) + "\n")
        if time.monotonic() - last_saved[0] >= SAVE_EVERY_SECONDS:
            state.update(rows=summary.rows, counts=summary.counts, changes=summary.changes)
            _save(user_id, token, state)
            last_saved[0] = time.monotonic()

    def measured(total):
        state.update(total=total)
        _save(user_id, token, state)

    try:
        with upload.open("rb") as stream:
            if stage == CHECKING:
                rows_path.unlink(missing_ok=True)
                summary = importer.check(actor, state.get("filename", ""), stream, on_rows=progress,
                                         on_measured=measured)
            else:
                summary = importer.write(actor, state.get("filename", ""), stream,
                                         only_valid=bool(state.get("only_valid")), on_rows=progress)
    except ValidationError as exc:
        db.session.rollback()
        _fail(user_id, token, state, exc.message)
        return
    except Exception:
        db.session.rollback()
        log.exception("Import %s failed", _name(user_id, token))
        _fail(user_id, token, state, _l("The import failed because of an error in anqi; the administrator can "
                                        "find it in the log. Nothing more of the file will be written."))
        return
    state.update(stage=CHECKED if stage == CHECKING else WRITTEN, rows=summary.rows, counts=summary.counts,
                 changes=summary.changes, ignored_columns=summary.ignored_columns)
    _save(user_id, token, state)
    if stage == WRITING:
        upload.unlink(missing_ok=True)


def _fail(user_id, token, state, message) -> None:
    state.update(stage=FAILED, problem=_in_every_language(message))
    _save(user_id, token, state)
