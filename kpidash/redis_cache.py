"""Django's Redis cache, keeping one client per connection pool and not waiting on a Redis that is away.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every
call (its response-callback table, about 0.1 ms each); a page makes two or
three cache calls, so that was a measurable share of a cached page's time. A
`redis.Redis` is safe to share: it only borrows connections from its pool.

A Redis that has hung (stopped, swapping, behind a network partition) accepts
connections and answers nothing, so every call waits for the socket timeout
(REDIS_TIMEOUT, 0.5 s); a page makes a dozen calls when nothing is cached. So
once a call fails for want of Redis (refused or timed out), every cache call in
this process fails at once for `retry_after` seconds (CACHE_RETRY_SECONDS), and
the callers draw the page without the cache as they do when Redis is down; then
Redis is asked again. A hung Redis costs one request per process one timeout
every few seconds, not every request a dozen.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.core.cache.backends import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# The calls Django's cache makes of its client; each is guarded the same way.
_OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class CacheSkipped(RedisConnectionError):
    """Raised without asking Redis, because it did not answer a moment ago."""


class SkippedCallsFilter(logging.Filter):
    """Drop the callers' "cache unavailable" records for skipped calls (settings LOGGING).

    Each caller logs the failure it handles, with its traceback: for skipped calls,
    a dozen a page, that would be kilobytes of log a request while Redis hangs. The
    skip itself is logged once each time it starts (`_Unanswered.failed`).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], CacheSkipped))


class _Unanswered:
    """When each set of servers last failed to answer, shared by every thread's cache in the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[tuple[str, ...], float] = {}

    def check(self, servers: tuple[str, ...]) -> None:
        if time.monotonic() < self._until.get(servers, 0.0):
            raise CacheSkipped("Redis did not answer a moment ago; the cache is skipped until it is asked again")

    def failed(self, servers: tuple[str, ...], retry_after: float, error: Exception) -> None:
        with self._lock:
            first = time.monotonic() >= self._until.get(servers, 0.0)
            self._until[servers] = time.monotonic() + retry_after
        if first:
            logger.warning("Redis did not answer (%s); cache skipped for %s s", type(error).__name__, retry_after)


UNANSWERED = _Unanswered()


def _guarded(name: str):
    unguarded = getattr(redis.RedisCacheClient, name)

    @functools.wraps(unguarded)
    def operation(self: RedisCacheClient, *args, **kwargs):
        UNANSWERED.check(self._server_key)
        try:
            return unguarded(self, *args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as error:
            UNANSWERED.failed(self._server_key, self._retry_after, error)
            raise

    return operation


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, servers, *args, retry_after: float = 5.0, **kwargs) -> None:
        super().__init__(servers, *args, **kwargs)
        self._clients: dict[int, object] = {}
        self._server_key = tuple(servers)
        self._retry_after = retry_after

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


for _name in _OPERATIONS:
    setattr(RedisCacheClient, _name, _guarded(_name))


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
