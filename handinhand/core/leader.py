"""One active scheduler at a time across machines: a Redis lock with expiry (issue 15 point 7).

Every `manage.py scheduler` process asks for the lock on each tick; the holder renews it, the
others wait. If the holder dies, its lock expires after `ttl` seconds and another process takes
over at its next tick. The lock is only an economy (the ScheduleRun row unique per schedule and
day still makes each run start once), so when the shared cache is not Redis, or Redis is
unreachable, every scheduler ticks as before and says so in the log.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

log = logging.getLogger("handinhand.scheduler")

LOCK_NAME = "handinhand:scheduler:leader"


class Leadership:
    def __init__(self, *, ttl: float = 90.0, client: Any = None) -> None:
        self.ttl = ttl
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._client = client
        self._lock: Any = None
        self._leading = False
        self._warned = False

    def _redis(self) -> Any:
        if self._client is not None:
            return self._client
        from django.core.cache import caches

        default = caches["default"]
        getter = getattr(default, "redis_client", None)
        return getter() if getter is not None else None

    def acquire(self) -> bool:
        """True if this process may tick now (it holds or just took the lock, or there is no
        Redis to hold one in)."""
        import redis

        client = self._redis()
        if client is None:
            return True
        try:
            if self._lock is None:
                self._lock = client.lock(
                    LOCK_NAME, timeout=self.ttl, blocking=False, thread_local=False
                )
            if self._leading and self._lock.owned():
                self._lock.reacquire()  # renew: another ttl from now
            else:
                self._leading = bool(self._lock.acquire(token=self.identity))
                if self._leading:
                    log.warning("调度器 %s 成为当前执行者", self.identity)
            self._warned = False
            return self._leading
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
            if not self._warned:
                log.error("Redis 不可用（%s）：调度器不加锁运行，每日任务仍只启动一次", exc)
                self._warned = True
            self._leading = False
            return True
        except redis.exceptions.LockError:
            self._leading = False  # expired and taken by another: try again next tick
            return False

    def holder(self) -> str | None:
        client = self._redis()
        if client is None:
            return None
        value = client.get(LOCK_NAME)
        return value.decode() if isinstance(value, bytes) else value

    def release(self) -> None:
        if self._lock is not None and self._leading:
            try:
                self._lock.release()
            except Exception:
                log.info("scheduler lock not released; it expires in %s s", self.ttl)
        self._leading = False
