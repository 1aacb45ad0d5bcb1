"""The cache as settings.py configures it for Redis (django-redis with kpidash.redis_cache's client)."""

from __future__ import annotations

import copy
import logging
import time

import pytest
import redis
from django.utils.module_loading import import_string

from kpidash import redis_cache
from tests.kpidash.test_settings_env import load_settings
from tests.services import REDIS_URL, REFUSED_REDIS_URL, require_redis


def shipped_cache(location: str, **options):
    """The cache settings.py configures for REDIS_URL=`location`, with these of its OPTIONS changed."""
    params = copy.deepcopy(load_settings(REDIS_URL=location)["CACHES"]["default"])
    params["OPTIONS"].update(options)
    return import_string(params["BACKEND"])(params["LOCATION"], params)


def test_the_cache_reads_and_writes_redis():
    require_redis()
    cache = shipped_cache(REDIS_URL, KEY_PREFIX="kpidash-test-client")
    try:
        cache.set("part", {"body": "<p>Dashboard</p>"})
        assert cache.get("part") == {"body": "<p>Dashboard</p>"}
        assert cache.add("lock", 1, timeout=30) and not cache.add("lock", 1, timeout=30)
        assert cache.get_many(["part", "lock", "absent"]) == {"part": {"body": "<p>Dashboard</p>"}, "lock": 1}
        assert "lock" in cache and cache.incr("lock") == 2
    finally:
        cache.delete_many(["part", "lock"])


def test_a_redis_that_refuses_reads_as_a_miss_and_is_logged_once(caplog, log_ignored):
    cache = shipped_cache(REFUSED_REDIS_URL)
    with caplog.at_level(logging.WARNING, logger="kpidash.redis_cache"):
        start = time.monotonic()
        for _ in range(12):  # a page's worth of calls, as the callers make them: no try, no except
            assert cache.get("part") is None
            assert cache.get_many(["part", "lock"]) == {}
            assert not cache.add("lock", 1, timeout=30)
            cache.set_many({"part": "<p>Dashboard</p>"})
            assert "part" not in cache
        assert time.monotonic() - start < 1
    records = [record for record in caplog.records if record.name == "kpidash.redis_cache"]
    # The refused connection, with its traceback, and that the cache is skipped; the 59 calls after it are not.
    assert [record.getMessage() for record in records] == [
        "Redis did not answer (ConnectionError); cache skipped for 5 s",
        "Exception ignored",
    ]
    assert isinstance(records[1].exc_info[1].__cause__, redis.ConnectionError)


def test_without_ignore_exceptions_the_callers_get_the_error():
    cache = shipped_cache(REFUSED_REDIS_URL, IGNORE_EXCEPTIONS=False)
    with pytest.raises(redis.ConnectionError):
        cache.get("part")
    with pytest.raises(redis_cache.CacheSkipped):  # skipped: Redis is not asked again at once
        cache.get_many(["part"])


def test_a_command_redis_refuses_is_not_a_reason_to_skip_it():
    require_redis()
    cache = shipped_cache(REDIS_URL, KEY_PREFIX="kpidash-test-client", IGNORE_EXCEPTIONS=False)
    raw = cache.client.get_client()
    try:
        cache.set("part", "<p>Dashboard</p>")
        raw.lpush(cache.client.make_key("list"), "not a cache value")
        with pytest.raises(redis.ResponseError):  # WRONGTYPE: Redis answered, with an error
            cache.get("list")
        assert cache.get("part") == "<p>Dashboard</p>"
    finally:
        cache.delete_many(["part", "list"])
