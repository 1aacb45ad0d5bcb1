"""django-redis's client, not waiting on a Redis that has just failed to answer.

With IGNORE_EXCEPTIONS (settings CACHES) a cache call that cannot reach Redis
reads as a miss. A Redis that has hung (stopped, swapping, behind a network
partition) accepts connections and answers nothing, so each such call waits
for the socket timeout (REDIS_TIMEOUT, 0.5 s), and a page makes a dozen calls
when nothing is cached. So once a call fails for want of Redis (refused or
timed out), every cache call in this process fails at once, without asking
Redis, for RETRY_AFTER seconds (CACHE_RETRY_SECONDS); then Redis is asked
again. A hung Redis costs one request per process one timeout every few
seconds, not every request a dozen.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Also DJANGO_REDIS_LOGGER: django-redis logs each failure it ignores here.
logger = logging.getLogger(__name__)

# The client's operations that reach Redis for Django's cache API (`add` is `set`
# with nx, `incr` and `decr` are `_incr`); each is guarded the same way. (`touch`
# is left out: django-redis lets its errors through unignored, and nothing calls it.)
_OPERATIONS = ("get", "get_many", "set", "set_many", "delete", "delete_many", "has_key", "_incr", "clear")


class CacheSkipped(RedisConnectionError):
    """Raised without asking Redis, because it did not answer a moment ago."""


class SkippedCallsFilter(logging.Filter):
    """Drop django-redis's "Exception ignored" records for skipped calls (settings LOGGING).

    The failure that starts a skip is logged, with its traceback, and the skip
    once (`_failed`); the dozen calls a page skips after it are not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(getattr(error, "__cause__", None), CacheSkipped)


# When each set of servers last failed to answer, shared by every thread's client in the process.
_lock = threading.Lock()
_unanswered_until: dict[tuple[str, ...], float] = {}


def _failed(servers: tuple[str, ...], retry_after: float, error: BaseException | None) -> None:
    with _lock:
        first = time.monotonic() >= _unanswered_until.get(servers, 0.0)
        _unanswered_until[servers] = time.monotonic() + retry_after
    if first:
        logger.warning("Redis did not answer (%s); cache skipped for %g s", type(error).__name__, retry_after)


class SkippingClient(DefaultClient):
    def __init__(self, server, params, backend) -> None:
        super().__init__(server, params, backend)
        self._servers = tuple(self._server)
        self._retry_after = float(self._options.get("RETRY_AFTER", 5))


def _guarded(name: str):
    unguarded = getattr(DefaultClient, name)

    @functools.wraps(unguarded)
    def operation(self: SkippingClient, *args, **kwargs):
        if time.monotonic() < _unanswered_until.get(self._servers, 0.0):
            raise ConnectionInterrupted(connection=None) from CacheSkipped("Redis did not answer a moment ago")
        try:
            return unguarded(self, *args, **kwargs)
        except ConnectionInterrupted as interrupted:
            # Redis away, not a command it refused (a ResponseError, e.g. out of memory), nor
            # an inner call (`set` within `set_many`) skipped because the skip began meanwhile.
            cause = interrupted.__cause__
            away = isinstance(cause, (RedisConnectionError, RedisTimeoutError, TimeoutError))
            if away and not isinstance(cause, CacheSkipped):
                _failed(self._servers, self._retry_after, cause)
            raise

    return operation


for _name in _OPERATIONS:
    setattr(SkippingClient, _name, _guarded(_name))
