"""Real servers started by a test on loopback: Redis, and a PostgreSQL streaming replica of
the test database's cluster. Each stops itself at the end of the test (a fixture's teardown)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


class RedisServer:
    """redis-server on a free loopback port, without persistence; stop() and start() again on
    the same port simulate an outage."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root (CI, this machine) run its tools as the
    postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _run(args: list[str]) -> None:
    subprocess.run(_as_postgres(args), check=True, capture_output=True, timeout=180)


def free_port_in(first: int, last: int) -> int:
    for port in range(first, last + 1):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {first}-{last}")


class PgCluster:
    """A throw-away PostgreSQL 15 cluster in a temporary directory: a primary, or a streaming
    replica of one (pg_basebackup -R). Trust authentication on loopback only."""

    def __init__(self, root: Path, name: str, port: int) -> None:
        self.dir = root / name
        self.port = port
        self.log = root / f"{name}.log"

    @property
    def url_base(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def init_primary(self) -> None:
        _run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        with (self.dir / "postgresql.conf").open("a") as fh:
            fh.write(
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "shared_buffers = 64MB\n"
            )

    def init_replica_of(self, primary: PgCluster) -> None:
        _run(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(self.dir),
                "-R",
                "-X",
                "stream",
            ]
        )
        with (self.dir / "postgresql.conf").open("a") as fh:
            # Every statement logged: the test reads here which queries the replica served.
            fh.write(f"unix_socket_directories = '{self.dir}'\nlog_statement = 'all'\n")

    def start(self) -> None:
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.dir),
                "-l",
                str(self.log),
                "-o",
                f"-p {self.port}",
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def stop(self) -> None:
        if (self.dir / "postmaster.pid").exists():
            _run([str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-m", "immediate", "-w", "stop"])

    def sql(self, statement: str, db: str = "postgres") -> str:
        out = subprocess.run(
            _as_postgres(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-d",
                    db,
                    "-Atc",
                    statement,
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return out.stdout.strip()


@contextmanager
def primary_and_replica(root: Path) -> Iterator[tuple[PgCluster, PgCluster]]:
    """A primary and its streaming replica on two free ports of 5440-5449."""
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    first = free_port_in(5440, 5449)
    primary = PgCluster(root, "primary", first)
    primary.init_primary()
    primary.start()
    replica = PgCluster(root, "replica", free_port_in(first + 1, 5449))
    try:
        replica.init_replica_of(primary)
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
