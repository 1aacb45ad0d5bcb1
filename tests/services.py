"""The real services some tests need (Redis), and what to do when one is missing."""

from __future__ import annotations

import copy
import os

import pytest

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"
REFUSED_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused


def require_redis(url: str = REDIS_URL) -> None:
    """Skip the test when Redis is not reachable, or fail it where every service must be there.

    A developer without Redis still runs the rest of the suite; CI (CI or
    KPIDASH_REQUIRE_BROWSER set, as .ci/run does) must not pass by skipping.
    """
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") or os.environ.get("KPIDASH_REQUIRE_BROWSER"):
            pytest.fail(f"Redis is not reachable at {url}: {exc}")
        pytest.skip(f"Redis is not reachable at {url}")
    finally:
        client.close()


def use_redis_at(settings, url: str) -> None:
    """The running Django's cache, sessions and user cache as settings.py makes them for REDIS_URL=`url`.

    `settings` is pytest-django's fixture, which puts them back after the test.
    """
    from tests.kpidash.test_settings_env import load_settings

    shipped = load_settings(REDIS_URL=url)
    settings.CACHES = copy.deepcopy(shipped["CACHES"])
    settings.SESSION_ENGINE = shipped["SESSION_ENGINE"]
    settings.KPIDASH_SHARED_CACHE = shipped["KPIDASH_SHARED_CACHE"]
