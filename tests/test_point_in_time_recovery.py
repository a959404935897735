"""PostgreSQL continuous archiving and point-in-time recovery, as docs/operations.md
("Continuous archiving and point-in-time recovery") tells an operator to run it:
a cluster of its own (initdb, pg_ctl, on a free port, in a temporary folder)
archives its WAL with ``archive_command``; a base backup is taken with
``pg_basebackup``; anqi migrates its schema and records tickets through its
services; the time is noted; more tickets are recorded; then a new cluster is
recovered from the base backup and the archive to that time (``restore_command``,
``recovery_target_time``, ``recovery.signal``) and holds every ticket committed
before it, none after, and an audit chain that verifies.

The server refuses to run as root: as root (CI) the clusters run as the
``postgres`` system user through ``runuser``. Skipped only where the server's
binaries are missing. About 20 s (the migrations are most of it).
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from core import create_app
from core.extensions import db
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

BIN = max(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), default=None)
pytestmark = pytest.mark.skipif(BIN is None or not Path(BIN, "initdb").exists(),
                                reason="the PostgreSQL server binaries are not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL server of the test's own, run as a user the server accepts."""

    def __init__(self, folder: Path, user: str | None):
        self.folder, self.user, self.port = folder, user, free_port()
        self.data = folder / f"data-{self.port}"

    def run(self, tool: str, *args, check=True) -> subprocess.CompletedProcess:
        command = [str(Path(BIN) / tool), *map(str, args)]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if check and done.returncode != 0:
            raise AssertionError(f"{tool} failed: {done.stdout}\n{done.stderr}")
        return done

    def configure(self, **settings) -> None:
        lines = [f"{key} = '{value}'" for key, value in settings.items()]
        with open(self.data / "postgresql.auto.conf", "a") as f:
            f.write("\n".join(lines) + "\n")

    def start(self) -> None:
        self.configure(port=self.port, listen_addresses="127.0.0.1", unix_socket_directories=self.folder)
        self.run("pg_ctl", "-D", self.data, "-l", self.folder / f"log-{self.port}.txt", "-w", "-t", "60", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    def url(self, database="anqi") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database="anqi"):
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                             autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else None


def chown(path: Path, user: str | None) -> None:
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


@contextmanager
def clusters():
    """A folder for the clusters, the archive and the base backup, owned by the user that
    runs the server; every cluster started in it is stopped at the end."""
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        try:
            pwd.getpwnam(user)
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server as")
    folder = Path(tempfile.mkdtemp(prefix="anqi-pitr-"))
    chown(folder, user)
    started = []

    def make(data: Path | None = None) -> Cluster:
        cluster = Cluster(folder, user)
        if data is not None:
            cluster.data = data
        started.append(cluster)
        return cluster

    try:
        yield folder, user, make
    finally:
        for cluster in started:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def record_tickets(app, descriptions) -> list[str]:
    """Tickets registered through the services, as the desk does; their numbers."""
    from core.org.actor import Actor
    from core.org.services import user_by_username
    from core.tickets import services as tickets

    with app.app_context():
        desk = Actor(user=user_by_username("desk"), address="127.0.0.1")
        from core.registry.models import Enterprise

        enterprise_id = db.session.scalar(select(Enterprise.id))
        numbers = [tickets.register(desk, tickets.Intake(
            enterprise_id=enterprise_id, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description=text)).number for text in descriptions]
        db.session.remove()
    return numbers


def test_a_cluster_recovers_to_a_point_in_time_from_its_base_backup_and_wal_archive(tmp_path, monkeypatch):
    import flask_migrate

    from core.org.actor import Actor, shell_actor
    from core.org.services import save_unit, save_user, user_by_username
    from core.registry import services as registry
    from core.tickets.models import Ticket

    monkeypatch.setenv("ANQI_INSTANCE_PATH", str(tmp_path / "instance"))
    with clusters() as (folder, user, make):
        archive = folder / "wal-archive"                 # the off-site mount in production
        archive.mkdir()
        chown(archive, user)
        primary = make()
        primary.run("initdb", "-D", primary.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync")
        # The settings of docs/operations.md, with the archive in the test's folder.
        primary.configure(wal_level="replica", archive_mode="on", archive_timeout="60", fsync="off",
                          archive_command=f"test ! -f {archive}/%f && cp %p {archive}/%f.part && "
                                          f"mv {archive}/%f.part {archive}/%f")
        primary.start()
        primary.sql("CREATE DATABASE anqi", database="postgres")
        base = folder / "base"
        primary.run("pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres", "-D", base,
                    "-X", "stream", "-c", "fast")

        app = create_app({"SQLALCHEMY_DATABASE_URI": primary.url(), "TESTING": True})
        with app.app_context():
            flask_migrate.upgrade(revision="heads")
            shell = shell_actor()
            city = save_unit(shell, {"code": "CITY", "name": "示范市公安局", "kind": "city_bureau"})
            centre = save_unit(shell, {"code": "HQ", "name": "护企优商服务中心", "kind": "centre",
                                       "parent_id": city.id})
            save_user(shell, {"username": "desk", "name": "DESK", "unit_id": centre.id, "roles": ["desk"],
                              "password": "Passw0rd-test"})
            registry.create(Actor(user=user_by_username("desk"), address="127.0.0.1"),
                            {"name": "浙江华达科技有限公司", "credit_code": code(1)})
            db.session.remove()
        before = record_tickets(app, [f"厂区门口有人堵路（{n}）。" for n in range(3)])
        [(target,)] = primary.sql("SELECT clock_timestamp()::text")   # the point to recover to
        time.sleep(0.3)
        after = record_tickets(app, [f"仓库消防通道被占用（{n}）。" for n in range(2)])
        with app.app_context():
            db.engine.dispose()
        [(segment,)] = primary.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
        primary.sql("SELECT pg_switch_wal()")
        deadline = time.monotonic() + 60
        while not (archive / segment).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (archive / segment).exists(), "the WAL segment holding the later tickets was not archived"
        primary.stop()                                    # the machine is lost

        recovered = make(folder / "recovered")
        shutil.copytree(base, recovered.data, symlinks=True)
        if user:
            subprocess.run(["chown", "-R", f"{user}:", str(recovered.data)], check=True)
        recovered.configure(restore_command=f"cp {archive}/%f %p", recovery_target_time=target,
                            recovery_target_action="promote", archive_mode="off")
        (recovered.data / "recovery.signal").touch()
        chown(recovered.data / "recovery.signal", user)
        recovered.start()
        deadline = time.monotonic() + 60
        while recovered.sql("SELECT pg_is_in_recovery()") != [(False,)] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert recovered.sql("SELECT pg_is_in_recovery()") == [(False,)]

        restored = create_app({"SQLALCHEMY_DATABASE_URI": recovered.url(), "TESTING": True})
        with restored.app_context():
            numbers = {t.number for t in db.session.scalars(select(Ticket))}
            assert numbers == set(before) and not numbers & set(after)
            assert db.session.scalar(select(func.count()).select_from(Ticket)) == 3
            result = restored.test_cli_runner().invoke(args=["audit", "verify"])
            assert result.exit_code == 0, result.output
            db.session.remove()
            db.engine.dispose()
