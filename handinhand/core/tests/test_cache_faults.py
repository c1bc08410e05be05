"""Redis lost and back (issue 15 point 8): the shared cache answers from the database meanwhile,
sessions stay valid, login counters keep counting, one log line each way, and what was
written during the outage wins over Redis's older copy when it is back. A real redis-server is
started and stopped by the test."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches

from handinhand.core import cache as resilient
from handinhand.core.cache import ResilientRedisCache
from handinhand.core.tests.servers import RedisServer, redis_server


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
def shared(redis: RedisServer, db: Any, monkeypatch: pytest.MonkeyPatch) -> ResilientRedisCache:
    # Retry Redis at once after a failure, so that the test needs no sleeps.
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 0.0)
    # The test settings' default cache is the database table: the fallback.
    return ResilientRedisCache(
        redis.url, {"KEY_PREFIX": "t", "OPTIONS": {"FALLBACK": "default"}, "TIMEOUT": 300}
    )


def test_redis_down_degrades_to_the_database_and_catches_up(
    shared: ResilientRedisCache, redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    fallback = caches["default"]
    shared.set("kept", "before")
    shared.set("logged-out", "session data")
    assert shared.get("kept") == "before"
    assert fallback.get("kept") is None  # while Redis is up, Redis alone holds it
    assert not shared.degraded

    redis.stop()
    with caplog.at_level(logging.ERROR, logger="handinhand.cache"):
        assert shared.get("kept") is None  # not in the fallback: a miss, not an error
        shared.set("written", "during")
        shared.delete("logged-out")
        assert shared.add("counter", 1, 600)
        assert shared.incr("counter") == 2
        assert shared.get("written") == "during"
    assert shared.degraded
    errors = [r for r in caplog.records if r.name == "handinhand.cache"]
    assert len(errors) == 1 and "Redis 不可用" in errors[0].getMessage()
    assert fallback.get("counter") == 2  # counted in the database, shared by every server

    redis.start()  # same port: Redis is back, empty or with its old copies
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="handinhand.cache"):
        assert shared.get("written") == "during"  # replayed into Redis before this read
    assert not shared.degraded
    assert "Redis 已恢复" in caplog.text
    raw = shared.redis_client()
    assert raw.get(shared.make_and_validate_key("counter")) is not None
    assert shared.get("counter") == 2


def test_a_delete_during_the_outage_is_not_undone_by_redis(
    shared: ResilientRedisCache, redis: RedisServer
) -> None:
    shared.set("session", "alive")

    # An outage that Redis survives with its data (a network cut, not a restart): simulated by
    # refusing connections while the server keeps its keys.
    raw = shared.redis_client()
    real = shared._cache.get_client

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        import redis as redis_lib

        raise redis_lib.exceptions.ConnectionError("cut")

    shared._cache.get_client = unreachable  # type: ignore[method-assign]
    shared.delete("session")  # logout during the outage
    assert shared.get("session") is None
    shared._cache.get_client = real  # type: ignore[method-assign]
    assert raw.get(shared.make_and_validate_key("session")) is not None  # Redis's stale copy
    assert shared.get("session") is None  # replay deleted it first
    assert raw.get(shared.make_and_validate_key("session")) is None


def test_sessions_survive_redis_going_away(
    shared: ResilientRedisCache, redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.sessions.backends import cached_db

    from handinhand.accounts.session_store_cached import SessionStore

    class _Caches(dict[str, Any]):
        def __getitem__(self, alias: str) -> Any:
            return shared if alias == "default" else caches[alias]

    monkeypatch.setattr(cached_db, "caches", _Caches())
    store = SessionStore()
    store.reserve_key()
    store["_auth_user_id"] = "42"
    store.save()
    key = store.session_key
    assert shared.get(cached_db.KEY_PREFIX + str(key)) is not None  # read from Redis

    redis.stop()
    again = SessionStore(session_key=key)
    assert again.get("_auth_user_id") == "42"  # from the database: nobody is logged out
    again["seen"] = True
    again.save()
    redis.start()
    third = SessionStore(session_key=key)
    assert third.get("seen") is True  # Redis's copy was replaced by the one saved meanwhile
