"""kpidash.redis_cache: Django's Redis cache keeping one client per pool, against a real Redis."""

from __future__ import annotations

import pytest
import redis

from kpidash.redis_cache import RedisCache
from tests.services import REDIS_URL, require_redis


@pytest.fixture
def backend():
    require_redis()
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "kpidash-test-client"})
    yield cache
    cache.delete_many(["part", "lock"])


def test_one_client_serves_every_call(backend):
    backend.set("part", {"body": "<p>Dashboard</p>"})
    assert backend.get("part") == {"body": "<p>Dashboard</p>"}
    assert backend.add("lock", 1, timeout=30) and not backend.add("lock", 1, timeout=30)
    assert backend.get_many(["part", "lock"]) == {"part": {"body": "<p>Dashboard</p>"}, "lock": 1}
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client


def test_a_cache_server_that_is_down_raises_for_the_callers_to_handle():
    cache = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    with pytest.raises(redis.ConnectionError):
        cache.get("part")
