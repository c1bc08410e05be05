"""The shared cache when REDIS_URL is set: Redis, degrading to the database when Redis is down.

Several app servers share the cache: sessions (cached_db: the database holds every session,
Redis a copy), the login counters and IP throttles (accounts.services), the verification
throttle, the scheduler's lock. If Redis stops answering, a plain RedisCache raises on every
request and every page fails. This backend instead:

- answers from the fallback cache (settings.CACHES["fallback"], the database table that the
  accounts migrations create): pages still answer, sessions are read from the database (nobody
  is logged out), and login counters keep counting in the database, shared by every server —
  no failure is dropped silently;
- logs one error when Redis is lost (`handinhand.cache`, "Redis 不可用") and one when it is back,
  not one per request, and stops trying Redis for `RETRY_SECONDS` after a failure so that a
  hung server costs each request at most one short timeout;
- remembers each key it wrote or deleted in the fallback meanwhile, and when Redis is back
  copies those keys over (or deletes them) before anything else is read from Redis: a logout
  or a counter written during the outage is not undone by Redis's older copy.

What is not carried over: a value written to Redis before the outage is not visible in the
fallback during it (an IP throttle that began before the outage lapses until Redis is back;
account locks live on the user row and always hold).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("handinhand.cache")

T = TypeVar("T")
RETRY_SECONDS = 5.0
MAX_PENDING = 10_000  # keys remembered for the replay; past that, the oldest are dropped
_MISSING = object()


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self._fallback_alias = str(options.pop("FALLBACK", "fallback"))
        # Short timeouts: a Redis that hangs must not hold a request for the OS's default.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        # No retries with back-off inside redis-py (its default waits seconds per call): the
        # fallback is the retry.
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        # key → timeout of the write made to the fallback (None: a delete)
        self._pending: dict[str, Any] = {}

    # -- state --

    @property
    def fallback(self) -> Any:
        return caches[self._fallback_alias]

    @property
    def degraded(self) -> bool:
        return self._down_since is not None

    def _lost(self, exc: BaseException) -> None:
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
            self._retry_at = time.monotonic() + RETRY_SECONDS
        if first:
            log.error(
                "Redis 不可用（%s），缓存、会话副本和登录计数改用数据库，直到 Redis 恢复", exc
            )

    def _recovered(self) -> None:
        """Redis answers again: replay what was written to the fallback meanwhile, then use
        Redis. A failure half-way keeps the rest for the next attempt (the caller falls back)."""
        self.redis_client().ping()
        fallback = self.fallback
        with self._lock:
            pending = dict(self._pending)
        for key, timeout in pending.items():
            value = fallback.get(key, _MISSING)
            if value is _MISSING or timeout is None:
                super().delete(key)
            else:
                super().set(key, value, timeout)
            with self._lock:
                if self._pending.get(key, _MISSING) == timeout:
                    del self._pending[key]
        with self._lock:
            if self._pending:  # written by another thread meanwhile: next call replays them
                return
            since, self._down_since = self._down_since, None
        log.warning(
            "Redis 已恢复（中断 %.0f 秒），已同步 %d 个在中断期间写入的键",
            time.monotonic() - (since or time.monotonic()),
            len(pending),
        )

    def _remember(self, keys: Iterable[str], timeout: Any) -> None:
        with self._lock:
            for key in keys:
                self._pending.pop(key, None)
                self._pending[key] = timeout
            while len(self._pending) > MAX_PENDING:
                self._pending.pop(next(iter(self._pending)))

    def _call(
        self,
        redis_call: Callable[[], T],
        fallback_call: Callable[[Any], T],
        *,
        writes: Iterable[str] = (),
        timeout: Any = DEFAULT_TIMEOUT,
    ) -> T:
        if self._down_since is not None and time.monotonic() < self._retry_at:
            result = fallback_call(self.fallback)
            self._remember(writes, timeout)
            return result
        try:
            if self._down_since is not None:
                self._recovered()
            return redis_call()
        except _redis_errors() as exc:
            self._lost(exc)  # logs only when Redis was up until now
            result = fallback_call(self.fallback)
            self._remember(writes, timeout)
            return result

    # -- the cache API (sync; the app does not use the async one) --

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            lambda fb: fb.get(key, default, version),
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._call(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            lambda fb: fb.set(key, value, timeout, version),
            writes=[key],
            timeout=timeout,
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return bool(
            self._call(
                lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
                lambda fb: fb.add(key, value, timeout, version),
                writes=[key],
                timeout=timeout,
            )
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return bool(
            self._call(
                lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
                lambda fb: fb.touch(key, timeout, version),
                writes=[key],
                timeout=timeout,
            )
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return bool(
            self._call(
                lambda: super(ResilientRedisCache, self).delete(key, version),
                lambda fb: fb.delete(key, version),
                writes=[key],
                timeout=None,
            )
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return int(
            self._call(
                lambda: super(ResilientRedisCache, self).incr(key, delta, version),
                lambda fb: fb.incr(key, delta, version),
                writes=[key],
            )
        )

    def decr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self.incr(key, -delta, version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return bool(
            self._call(
                lambda: super(ResilientRedisCache, self).has_key(key, version),
                lambda fb: fb.has_key(key, version),
            )
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._call(
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            lambda fb: fb.get_many(keys, version),
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        return self._call(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda fb: fb.set_many(data, timeout, version),
            writes=list(data),
            timeout=timeout,
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        keys = list(keys)
        self._call(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda fb: fb.delete_many(keys, version),
            writes=keys,
            timeout=None,
        )

    def clear(self) -> None:
        self.fallback.clear()
        self._call(lambda: super(ResilientRedisCache, self).clear(), lambda fb: None)

    def redis_client(self) -> Any:
        """The raw client (redis-py) for what the cache API cannot say: the scheduler's lock."""
        return self._cache.get_client(write=True)
