"""One scheduler active at a time (issue 15 point 7): a Redis lock with expiry, on a real
redis-server; the lock's holder dying hands over after the expiry; no Redis, no lock."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import redis as redis_lib

from handinhand.core.leader import Leadership
from handinhand.core.tests.servers import RedisServer, redis_server


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


def test_one_scheduler_leads_and_another_takes_over_when_it_dies(redis: RedisServer) -> None:
    client = redis_lib.Redis.from_url(redis.url)
    first = Leadership(ttl=1.0, client=client)
    second = Leadership(ttl=1.0, client=client)
    assert first.acquire()
    assert not second.acquire()
    assert first.acquire()  # renewed by its holder
    assert first.holder() == first.identity
    # The holder dies without releasing: its lock expires and the other takes over.
    time.sleep(1.3)
    assert second.acquire()
    assert not first.acquire()
    second.release()
    assert first.acquire()


def test_without_redis_every_scheduler_ticks_and_says_why(
    redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert Leadership(client=None).acquire() is True  # database cache: no lock to hold
    client = redis_lib.Redis.from_url(redis.url, socket_connect_timeout=0.5)
    leader = Leadership(ttl=5.0, client=client)
    redis.stop()
    with caplog.at_level(logging.ERROR, logger="handinhand.scheduler"):
        assert leader.acquire() is True
        assert leader.acquire() is True
    assert caplog.text.count("Redis 不可用") == 1
