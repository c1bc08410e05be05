"""An optional PostgreSQL read replica for analytics and the cockpit (issue 15 point 7).

With `DATABASE_REPLICA_URL` set, the views wrapped in `@reads_from_replica` (the evaluation
analytics, the cockpit) read from the replica: the heavy grouped reads leave the primary to the
pages that write. Everything else, and every read inside a transaction (read-your-writes, the
audit chain's head, SELECT … FOR UPDATE), stays on the primary.

The replica is used only while it is healthy: it answers, is in recovery (a standby), and has
replayed what it received or is at most `DATABASE_REPLICA_MAX_LAG` seconds behind. Otherwise
the reads go to the primary and one line is logged (`handinhand.db`); the check is repeated
every `CHECK_SECONDS` per process, so a replica that comes back is used again.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections

log = logging.getLogger("handinhand.db")

REPLICA = "replica"
CHECK_SECONDS = 5.0
# Apps whose rows are never read from the replica: accounts and sessions (a login must see
# itself at once), core's audit log and jobs (written and re-read within moments).
PRIMARY_ONLY_APPS = frozenset({"accounts", "sessions", "auth", "core", "otp_totp", "otp_static"})

_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_wanted", default=False)
F = TypeVar("F", bound=Callable[..., Any])


class _Health:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = -1e9
        self.ok = False
        self.reason = "not checked"


_health = _Health()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag() -> float:
    """Seconds the replica is behind (0 when it has replayed all it received); raises if it
    cannot be asked or is not a standby."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(),"
            " pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(),"
            " COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
        )
        in_recovery, caught_up, behind = cursor.fetchone()
    if not in_recovery:
        raise RuntimeError("replica is not in recovery (promoted, or the primary itself)")
    return 0.0 if caught_up else float(behind)


def replica_healthy(*, force: bool = False) -> bool:
    if not replica_configured():
        return False
    now = time.monotonic()
    with _health.lock:
        if not force and now - _health.checked_at < CHECK_SECONDS:
            return _health.ok
        _health.checked_at = now
    limit = float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 30))
    try:
        lag = replica_lag()
        ok, reason = lag <= limit, f"lag {lag:.1f} s > {limit:.0f} s"
    except Exception as exc:  # any failure of the replica means: read from the primary
        ok, reason = False, f"unreachable: {exc}"
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            connections[REPLICA].close()
    with _health.lock:
        if ok != _health.ok:
            if ok:
                log.warning("只读副本已恢复，分析和驾驶舱改回从副本读取")
            else:
                log.error("只读副本不可用（%s），分析和驾驶舱改从主库读取", reason)
        _health.ok, _health.reason = ok, "" if ok else reason
    return ok


def reset_health() -> None:
    with _health.lock:
        _health.checked_at, _health.ok, _health.reason = -1e9, False, "not checked"


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def reads_from_replica(view: F) -> F:
    """Run the view with its reads on the replica (while healthy)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not _wanted.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return None
        if connections["default"].in_atomic_block:
            return None
        return REPLICA if replica_healthy() else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA
