"""Several servers (issue 15 points 7 and 8), for real, on loopback: a PostgreSQL primary and its
streaming replica (started by the test, ports 5440-5449), one Redis, two gunicorn instances and
two RQ workers, all on the same code and environment, as two machines would run them.

It shows: a login on one instance serves the other; a lockout on one holds on the other; a job
enqueued through one runs on one worker, once; analytics read from the replica, and from the
primary while the replica lags or is down; Redis down — pages answer, nobody is logged out,
failed logins still count; a worker killed in the middle of a job — the job is marked failed
by the active scheduler and its rows are rolled back.

Runs with the PostgreSQL half of `make test` (needs PostgreSQL 15 binaries, redis-server and
gunicorn); skipped on SQLite. About a minute and a half.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
import requests
from django.conf import settings
from django.db import connection

from handinhand.core.tests.servers import (
    PgCluster,
    RedisServer,
    free_port,
    primary_and_replica,
    wait_for_port,
)
from handinhand.seed.jiangxi import DEMO_PASSWORD

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="several servers: PostgreSQL half of make test"
    ),
]

BASE = Path(settings.BASE_DIR)
DB = "hih_servers"


@dataclass
class Site:
    root: Path
    primary: PgCluster
    replica: PgCluster
    redis: RedisServer
    env: dict[str, str]
    web: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.web[name]}{path}"

    def start(self, name: str, args: list[str]) -> None:
        log = (self.root / f"{name}.log").open("ab")
        # Its own process group: a worker and the work-horse it forks die together.
        self.procs[name] = subprocess.Popen(
            args,
            cwd=BASE,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(self, name: str) -> None:
        port = free_port()
        self.web[name] = port
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.start(name, [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"])
        wait_for_port(port, 60)

    def start_worker(self, name: str) -> None:
        self.start(
            name,
            [
                sys.executable,
                "manage.py",
                "rqworker",
                "default",
                "--job-class",
                "django_tasks_rq.Job",
                "--name",
                name,
            ],
        )

    def manage(self, *args: str, timeout: float = 600) -> str:
        out = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return out.stdout

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    root = Path(tempfile.mkdtemp(prefix="hih_servers_", dir="/tmp"))
    # The postgres user must reach its cluster's directory inside; nothing secret is here.
    os.chmod(root, 0o755)  # noqa: S103
    redis = RedisServer()
    redis.start()
    with primary_and_replica(root / "pg") as (primary, replica):
        primary.sql(f"CREATE DATABASE {DB}")
        env = {
            **os.environ,
            "DATABASE_URL": f"{primary.url_base}/{DB}",
            "DATABASE_REPLICA_URL": f"{replica.url_base}/{DB}",
            "DATABASE_REPLICA_MAX_LAG": "2",
            "REDIS_URL": redis.url,
            "TASKS_BACKEND": "rq",
            "INSECURE_DEV": "true",
            "DEBUG": "false",
            "OTP_REQUIRED_ROLES": "",  # the province admin starts a job without a phone
            "JOBS_ABANDONED_AFTER": "6",
            # Every request comes from 127.0.0.1: the per-address throttle (5 by default)
            # would shut the whole test out after the lockout test's five failures.
            "LOGIN_IP_MAX_FAILURES": "20",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        s = Site(root=root, primary=primary, replica=replica, redis=redis, env=env)
        try:
            s.manage("migrate", "--noinput", "-v0")
            s.manage("seed", "--workload", "pilot", "--scale", "0.02")
            for name in ("web1", "web2"):
                s.start_web(name)
            for name in ("worker1", "worker2"):
                s.start_worker(name)
            yield s
        finally:
            s.stop_all()
            redis.stop()
    shutil.rmtree(root, ignore_errors=True)


def login(site: Site, web: str, username: str, password: str = DEMO_PASSWORD) -> Any:
    session = requests.Session()
    page = session.get(site.url(web, "/accounts/login/"), timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    response = session.post(
        site.url(web, "/accounts/login/"),
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": site.url(web, "/accounts/login/")},
        timeout=30,
    )
    return session, response


def test_a_login_on_one_server_serves_the_other(site: Site) -> None:
    session, response = login(site, "web1", "leader")
    assert response.status_code == 200 and "/accounts/login/" not in response.url
    other = session.get(site.url("web2", "/"), timeout=30)
    assert other.status_code == 200
    assert "/accounts/login/" not in other.url  # the session is shared, not per process
    assert "王建华" in other.text  # the leader's name on the other server's page


def test_a_lockout_on_one_server_holds_on_the_other(site: Site) -> None:
    for _ in range(5):
        _s, response = login(site, "web1", "pingxiang", "wrong-password")
        assert "/accounts/login/" in response.url
    _s, response = login(site, "web2", "pingxiang")  # the right password, the other server
    assert "/accounts/login/" in response.url
    assert "账号已锁定" in response.text


def test_a_job_enqueued_by_one_server_runs_on_one_worker_once(site: Site) -> None:
    session, _r = login(site, "web2", "admin")
    page = session.get(site.url("web2", "/reports/generate/"), timeout=30)
    assert page.status_code == 200, page.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    response = session.post(
        site.url("web2", "/reports/generate/"),
        data={"year": "2025", "csrfmiddlewaretoken": token[1]},
        headers={"Referer": site.url("web2", "/reports/generate/")},
        timeout=30,
    )
    job_id = re.search(r"/jobs/(\d+)/", response.url)
    assert job_id, response.url
    deadline = time.monotonic() + 90
    status = ""
    while time.monotonic() < deadline:
        status = site.primary.sql(f"SELECT status FROM core_job WHERE id = {job_id[1]}", DB)
        if status in ("done", "failed"):
            break
        time.sleep(1)
    assert status == "done"
    runs = sum(site.log(w).count("generate_reports") for w in ("worker1", "worker2"))
    ran_on = [w for w in ("worker1", "worker2") if "generate_reports" in site.log(w)]
    assert len(ran_on) == 1, ran_on
    assert runs >= 1
    assert site.primary.sql(f"SELECT attempts FROM core_job WHERE id = {job_id[1]}", DB) == "0"


def _replica_reads(site: Site) -> int:
    return len(re.findall(r'"indicators_', site.replica.log.read_text()))


def test_analytics_read_from_the_replica_and_fall_back_to_the_primary(site: Site) -> None:
    session, _r = login(site, "web1", "leader")
    before = _replica_reads(site)
    page = session.get(site.url("web1", "/indicators/analytics/"), timeout=60)
    assert page.status_code == 200
    assert _replica_reads(site) > before  # served by the replica

    # The replica stops replaying while the primary writes: once it is more than
    # DATABASE_REPLICA_MAX_LAG (2 s) behind, analytics read the primary.
    site.replica.sql("SELECT pg_wal_replay_pause()")
    try:
        site.primary.sql(
            "UPDATE accounts_user SET last_login = now() WHERE username = 'leader'", DB
        )
        time.sleep(7)  # the lag passes 2 s, and the router's 5 s health memo runs out
        before = _replica_reads(site)
        page = session.get(site.url("web1", "/indicators/analytics/"), timeout=60)
        assert page.status_code == 200
        assert _replica_reads(site) == before
        assert "只读副本不可用" in site.log("web1")
    finally:
        site.replica.sql("SELECT pg_wal_replay_resume()")

    # The replica down: the same.
    site.replica.stop()
    try:
        time.sleep(6)
        page = session.get(site.url("web1", "/indicators/analytics/"), timeout=60)
        assert page.status_code == 200
    finally:
        site.replica.start()


def test_redis_down_pages_answer_nobody_logged_out_failures_counted(site: Site) -> None:
    session, _r = login(site, "web1", "leader")
    site.redis.stop()
    try:
        for web in ("web1", "web2"):
            page = session.get(site.url(web, "/"), timeout=30)
            assert page.status_code == 200
            assert "/accounts/login/" not in page.url  # still logged in
        _s, response = login(site, "web2", "xiangdong", "wrong-password")
        assert "/accounts/login/" in response.url
        assert "Redis 不可用" in site.log("web1") + site.log("web2")
        failed = site.primary.sql(
            "SELECT failed_logins FROM accounts_user WHERE username = 'xiangdong'", DB
        )
        assert failed == "1"  # counted although Redis is down
    finally:
        site.redis.start()
    page = session.get(site.url("web2", "/"), timeout=30)
    assert page.status_code == 200 and "/accounts/login/" not in page.url


def test_a_worker_killed_mid_job_is_failed_then_retried_leaving_no_half_rows(site: Site) -> None:
    out = site.manage(
        "shell",
        "-c",
        "from handinhand.core.tests.slow_task import start; print(start())",
    )
    job_id = int(out.strip().splitlines()[-1])
    deadline = time.monotonic() + 60
    running = ""
    while time.monotonic() < deadline:
        running = site.primary.sql(f"SELECT status FROM core_job WHERE id = {job_id}", DB)
        if running == "running":
            break
        time.sleep(0.5)
    assert running == "running"
    time.sleep(2)  # the job has written its rows, in its transaction
    victim = next(w for w in ("worker1", "worker2") if f"slow_rows({job_id})" in site.log(w))
    # The worker and the work-horse running the job (RQ forks it into a session of its own;
    # the job's heartbeat names its process), killed at once, as a machine that dies.
    beat = redis_lib.Redis.from_url(site.redis.url).get(f"handinhand:1:job-alive:{job_id}")
    assert isinstance(beat, bytes), "the running job renews its heartbeat"
    # Django's Redis cache pickles values; this one is our own "host:pid".
    horse = int(pickle.loads(beat).rsplit(":", 1)[1])  # noqa: S301
    os.killpg(site.procs[victim].pid, signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    time.sleep(8)  # past JOBS_ABANDONED_AFTER: the heartbeat has lapsed
    reaped = site.manage("scheduler", "--once")
    # The active scheduler marks it failed (and, within the retry policy, queues it again;
    # the retry clears the error as it starts, so the scheduler's own report is the evidence).
    assert f"任务 #{job_id}（slow-test）的执行进程已中断，已标记失败" in reaped
    # The other worker runs the retry to the end: the rows of one attempt, not of two — the
    # killed attempt's were rolled back with its connection.
    deadline = time.monotonic() + 60
    status = ""
    while time.monotonic() < deadline:
        status = site.primary.sql(f"SELECT status FROM core_job WHERE id = {job_id}", DB)
        if status == "done":
            break
        time.sleep(1)
    assert status == "done"
    assert site.primary.sql(f"SELECT attempts FROM core_job WHERE id = {job_id}", DB) == "1"
    half = site.primary.sql("SELECT count(*) FROM core_job WHERE kind = 'half-written'", DB)
    assert half == "50"
    site.start_worker(victim)
