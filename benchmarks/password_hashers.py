"""CPU time of one password check (what a login pays) for the hashers we could choose.

    .venv/bin/python benchmarks/password_hashers.py [--runs 5]

Django's PBKDF2-SHA256 at its 5.2 default (1,000,000 iterations) and at lower costs, and
Argon2id (argon2-cffi) at Django's parameters (time 2, memory 100 MiB, parallelism 8) and at
RFC 9106's second recommended setting (time 3, 64 MiB, 4 lanes). CPU time (process_time) and
wall time of `check_password`, median of `--runs`; this machine has 2 cores shared by every
request, so CPU time is what a login takes away from the other users.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

    class Pbkdf2(PBKDF2PasswordHasher):
        def __init__(self, iterations: int) -> None:
            self.iterations = iterations

    class Argon2(Argon2PasswordHasher):
        def __init__(self, t: int, m: int, p: int) -> None:
            self.time_cost, self.memory_cost, self.parallelism = t, m, p

    cases = [
        ("PBKDF2-SHA256 1,000,000 (Django 5.2 default)", Pbkdf2(1_000_000)),
        ("PBKDF2-SHA256 600,000 (OWASP 2023 minimum)", Pbkdf2(600_000)),
        ("Argon2id t=2 m=100 MiB p=8 (Django default)", Argon2(2, 102_400, 8)),
        ("Argon2id t=3 m=64 MiB p=4 (RFC 9106 §4 2nd)", Argon2(3, 65_536, 4)),
        ("Argon2id t=1 m=64 MiB p=2", Argon2(1, 65_536, 2)),
    ]
    print("| hasher | CPU ms per check | wall ms per check |")
    print("|---|---:|---:|")
    for label, hasher in cases:
        try:
            encoded = hasher.encode("correct horse 9!", hasher.salt())
        except ValueError as error:  # argon2-cffi missing
            print(f"| {label} | {error} | |")
            continue
        cpu, wall = [], []
        for _ in range(args.runs):
            c, w = time.process_time(), time.perf_counter()
            assert hasher.verify("correct horse 9!", encoded)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
        cpu_ms, wall_ms = statistics.median(cpu) * 1000, statistics.median(wall) * 1000
        print(f"| {label} | {cpu_ms:.0f} | {wall_ms:.0f} |")


if __name__ == "__main__":
    main()
