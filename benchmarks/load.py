"""The mixed load, as users would make it: gunicorn on this machine against the database of
DATABASE_URL, driven by locust headless (benchmarks/locustfile.py) at 50, 100 and 200 users with
1–4 s of think time, each step bounded in time; beside it the same numbers for a bare view
through the same middleware stack (the ceiling of this machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/handinhand_bench \\
        .venv/bin/python benchmarks/load.py --users 50 100 200 --seconds 60

It starts gunicorn itself (--workers, default 4, on 127.0.0.1:--port) with
OTP_REQUIRED_ROLES empty (the province admin logs in without a phone), CONN_MAX_AGE as in the
environment (default 60), and REDIS_URL if set; prints a Markdown table: requests/s, median,
p95, p99 (ms) and errors for each step. Loopback only; every step stops by itself.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


SIGN_IN = """
import json, sys, django
django.setup()
from django.test import Client
from handinhand.accounts.models import User
out = {}
for name in ("admin", "leader", "instructor", "pingxiang", "xiangdong", "school"):
    user = User.objects.get(username=name)
    out[name] = []
    for _ in range(5):
        client = Client()
        client.force_login(user)
        out[name].append(client.cookies["sessionid"].value)
json.dump(out, open(sys.argv[1], "w"))
"""


def wait_for(url: str, seconds: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 -- our own loopback URL
                return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url}")


def run_step(
    target: str, users: int, seconds: int, port: int, out: Path, base_env: dict[str, str]
) -> dict[str, str]:
    prefix = out / f"{target}-{users}"
    env = {**base_env, "LOAD_TARGET": target}
    spawn = max(5, users // 10)
    subprocess.run(  # noqa: S603 -- our own fixed arguments
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "benchmarks" / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "-u",
            str(users),
            "-r",
            str(spawn),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "5",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        timeout=seconds + 120,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    return rows["Aggregated"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seconds", type=int, default=60, help="length of each step")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--targets", nargs="+", default=["mixed", "bare"])
    args = parser.parse_args()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
        "OTP_REQUIRED_ROLES": "",
        "INSECURE_DEV": "true",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        "PYTHONPATH": str(ROOT),
    }
    log = Path(tempfile.mkdtemp(prefix="hih_load_"))
    sessions = log / "sessions.json"
    # Every simulated person starts signed in (a session made as the login view makes it):
    # the steps measure the pages, not a burst of password hashing at the start of each step.
    subprocess.run(  # noqa: S603 -- our own fixed arguments
        [sys.executable, "-c", SIGN_IN, str(sessions)], cwd=ROOT, env=env, check=True
    )
    env["LOAD_SESSIONS"] = str(sessions)
    server = subprocess.Popen(  # noqa: S603 -- our own fixed arguments
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            str(args.workers),
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=(log / "gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{args.port}/accounts/login/")
        database = env.get("DATABASE_URL", "sqlite").split("@")[-1]
        print(
            f"gunicorn {args.workers} workers, database {database}, "
            f"REDIS_URL {'set' if env.get('REDIS_URL') else 'unset'}, "
            f"CONN_MAX_AGE {env['CONN_MAX_AGE']}, {args.seconds} s per step\n"
        )
        print("| target | users | requests/s | p50 ms | p95 ms | p99 ms | requests | errors |")
        print("|---|--:|--:|--:|--:|--:|--:|--:|")
        for target in args.targets:
            for users in args.users:
                row = run_step(target, users, args.seconds, args.port, log, env)
                print(
                    f"| {target} | {users} | {float(row['Requests/s']):.1f} "
                    f"| {row['50%']} | {row['95%']} | {row['99%']} "
                    f"| {row['Request Count']} | {row['Failure Count']} |",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(30)
    print(f"\n(locust CSV and gunicorn log in {log})")


if __name__ == "__main__":
    main()
