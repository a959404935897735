"""The load test's databases: the demo city built once with ``anqi demo`` and
reused while it still holds what was asked for (same seed, same numbers of
enterprises and at least the tickets); the letters the batch issues.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

LETTER_TITLE = "关于防范非法集资和职务侵占风险的提示函"   # bench/documents.py's letter
RESULTS = Path(__file__).resolve().parent.parent / "results"
FOLDER = RESULTS / "loadtest"
INSTANCE = FOLDER / "instance"   # secret key and personal-data key shared by every run and database


def anqi() -> str:
    return str(Path(sys.executable).with_name("anqi"))


def check_name(url: str) -> None:
    name = make_url(url).database or ""
    if "load" not in Path(name).name:
        raise SystemExit(f"loadtest: the database must be one made for the load test (its name containing "
                         f"'load'); its schema is dropped when rebuilt. Got {name!r}.")


def _stamp_path(url: str) -> Path:
    parsed = make_url(url)
    key = Path(parsed.database).name if parsed.get_backend_name() == "sqlite" else f"pg-{parsed.database}"
    return FOLDER / f"{key}.built.json"


def counts(url: str) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                    for table in ("enterprise", "ticket")}
    except Exception:  # noqa: BLE001 - no schema yet, or no database: not loaded
        return {}
    finally:
        engine.dispose()


def loaded(url: str, enterprises: int, tickets: int, seed: int) -> dict | None:
    """What the last build recorded, when the database still matches it."""
    stamp = _stamp_path(url)
    if not stamp.exists():
        return None
    built = json.loads(stamp.read_text())
    if (built["enterprises"], built["tickets"], built["seed"]) != (enterprises, tickets, seed):
        return None
    found = counts(url)
    if found.get("enterprise") != enterprises or (found.get("ticket") or 0) < tickets:
        return None
    return built


def ensure(url: str, enterprises: int, tickets: int, seed: int, rebuild: bool, log) -> dict:
    """The demo city in ``url``: reused when already loaded, else built with
    ``anqi db upgrade`` and ``anqi demo``. Returns the build's record (with its time)."""
    check_name(url)
    built = None if rebuild else loaded(url, enterprises, tickets, seed)
    if built:
        log(f"Reusing {_describe(url)}: {enterprises:,} enterprises, {tickets:,}+ tickets, seed {seed} "
            f"(built in {built['seconds']:.0f} s on {built['at']})")
        return {**built, "reused": True}
    _empty(url)
    env = environment(url)
    log(f"Building {_describe(url)}: anqi demo --enterprises {enterprises} --tickets {tickets} --seed {seed} …")
    began = time.perf_counter()
    subprocess.run([anqi(), "db", "upgrade"], env=env, check=True, capture_output=True)
    steps = {"upgrade": time.perf_counter() - began}
    subprocess.run([anqi(), "demo", "--enterprises", str(enterprises), "--tickets", str(tickets), "--seed", str(seed)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    steps["demo"] = time.perf_counter() - began - steps["upgrade"]
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    seconds = time.perf_counter() - began
    built = {"enterprises": enterprises, "tickets": tickets, "seed": seed, "seconds": seconds, "steps": steps,
             "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    _stamp_path(url).write_text(json.dumps(built))
    log(f"  built in {seconds:.0f} s (schema {steps['upgrade']:.0f} s, demo data {steps['demo']:.0f} s)")
    return {**built, "reused": False}


def _describe(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.get_backend_name()} database {Path(parsed.database).name}"


def _empty(url: str) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    _stamp_path(url).unlink(missing_ok=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def environment(url: str, **settings) -> dict:
    """The ``ANQI_*`` environment of the load test's processes."""
    INSTANCE.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ANQI_DATABASE_URL=url, ANQI_INSTANCE_PATH=str(INSTANCE))
    env.update({f"ANQI_{k}": str(v) for k, v in settings.items()})
    return env


def working_copy(reference: str, name: str) -> str:
    """A copy of a SQLite database for one run (the run writes tickets into it)."""
    import sqlite3

    source = Path(make_url(reference).database)
    connection = sqlite3.connect(source)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file before it is copied
    connection.close()
    target = source.with_name(name)
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


def signed_letters(url: str, huey_url: str, count: int) -> list[int]:
    """``count`` signed-off letters of the centre, ready for a batch (made as
    bench/documents.py makes them). Letters left signed by an earlier run or by
    ``stock`` are used first, since making them takes minutes."""
    from bench.documents import _signed_letters
    from core.documents.models import Document
    from core.extensions import db

    app = _app(url, huey_url)
    with app.app_context():
        ids = list(db.session.scalars(db.select(Document.id).where(Document.status == "signed",
                                                                   Document.title == LETTER_TITLE)
                                      .order_by(Document.id).limit(count)))
    if len(ids) < count:
        ids += _signed_letters(app, count - len(ids))
    _close(app)
    return ids


def stock(url: str, count: int, log) -> None:
    """Signed-off letters kept in a reference database, so each copy of it has them ready."""
    log(f"  {count} signed-off letters for the batches …")
    signed_letters(url, "", count)


def queue_batch(url: str, huey_url: str, ids) -> int:
    """Queue the batch as the desk user: the worker starts on it at once."""
    from core.documents import batches
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.models import User

    app = _app(url, huey_url)
    with app.app_context():
        desk = Actor(db.session.scalar(db.select(User).where(User.username == "desk")), address="loadtest")
        batch_id = batches.create(desk, ids).id
    _close(app)
    return batch_id


def batch_progress(url: str, batch_id: int) -> dict:
    """Issued and failed items, read with a plain connection (not the app's: on
    SQLite its sessions begin with BEGIN IMMEDIATE and would take the write lock)."""
    if make_url(url).get_backend_name() == "sqlite":
        import sqlite3

        connection = sqlite3.connect(f"file:{make_url(url).database}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT status, count(*) FROM document_batch_item WHERE batch_id = ? "
                                      "GROUP BY status", (batch_id,)).fetchall()
        finally:
            connection.close()
    else:
        engine = create_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT status, count(*) FROM document_batch_item WHERE batch_id = :b "
                                           "GROUP BY status"), {"b": batch_id}).all()
        engine.dispose()
    found = dict(rows)
    return {"issued": found.get("issued", 0), "failed": found.get("failed", 0), "pending": found.get("pending", 0)}


def _app(url, huey_url):
    from core import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "HUEY_URL": huey_url, "HUEY_IMMEDIATE": False})


def _close(app):
    from core.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
