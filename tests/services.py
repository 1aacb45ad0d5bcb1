"""The real services some tests need (Redis), and what to do when one is missing."""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"


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
