"""The benchmark databases: the demo city with N enterprises, in SQLite.

A database is built once per (size, seed, schema) and cached in
``bench/results/cache/``; every run works on a fresh copy of it, so logins and
audit entries written during a run never change the cached file. The key also
holds a fingerprint of the migrations and of the code that generates the data,
so a schema change rebuilds the file instead of measuring a stale one.
"""
import hashlib
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
CACHE = RESULTS / "cache"

# Files whose content decides what a built database holds.
_FINGERPRINTED = ["core/demo/data.py", "core/registry/pinyin.py", "core/registry/models.py",
                  "core/registry/credit_code.py"]
_FINGERPRINTED_DIRS = ["core/migrations/versions", "plugins"]


def fingerprint() -> str:
    digest = hashlib.sha1()
    files = [ROOT / f for f in _FINGERPRINTED]
    for folder in _FINGERPRINTED_DIRS:
        files += sorted(p for p in (ROOT / folder).rglob("*.py")
                        if "migrations" in p.parts and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def cached_path(size: int, seed: int) -> Path:
    return CACHE / f"enterprises-{size}-seed{seed}-{fingerprint()}.sqlite"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def ensure(size: int, seed: int, rebuild: bool = False, log=print) -> Path:
    """The cached database with ``size`` enterprises, built when missing."""
    path = cached_path(size, seed)
    if path.exists() and not rebuild:
        log(f"Using cached database {path.relative_to(ROOT)}")
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    for stale in CACHE.glob(f"enterprises-{size}-seed{seed}-*.sqlite"):
        _remove(stale)
    building = path.with_suffix(".building")
    _remove(building)
    log(f"Building {path.relative_to(ROOT)} ({size:,} enterprises, seed {seed}) …")
    started = time.perf_counter()
    _build(building, size, seed, log)
    os.replace(building, path)
    log(f"  built in {time.perf_counter() - started:.0f} s")
    return path


def _build(path: Path, size: int, seed: int, log) -> None:
    import flask_migrate
    from sqlalchemy import text

    from core import create_app
    from core.demo import data
    from core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        last = [time.perf_counter()]

        def progress(message):
            # The builder reports every 5,000 rows; every ~10 s is enough here.
            if time.perf_counter() - last[0] > 10 or not message.startswith("  "):
                last[0] = time.perf_counter()
                log("  " + message.strip())

        data.build(enterprises=size, seed=seed, progress=progress)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    # Fold the write-ahead log into the file, so that the file alone is the database.
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    if Path(str(path) + "-wal").exists() and Path(str(path) + "-wal").stat().st_size:
        sys.exit(f"bench: {path} still has a write-ahead log after the checkpoint")


def working_copy(cached: Path, folder: Path) -> Path:
    """A copy of the cached database for this run."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / cached.name
    _remove(target)
    shutil.copyfile(cached, target)
    return target
