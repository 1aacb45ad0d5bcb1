"""The data version and the cache of reading-page parts keyed on it.

Every cache key carries `data_version()`, a number kept in the database and
bumped in the same transaction as any write a reading page could show. A write
therefore makes every cached copy unreachable at once, in every gunicorn or
Celery process, whatever the cache backend: a per-process LocMemCache is as
correct as Redis, only less shared. Old entries are never read again and
expire after the cache's TIMEOUT.

Read the version *before* the data: a copy stored under version V then holds
data at least as new as V, never older.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from indicators.models import Commentary, Committee, DataVersion, Directorate, Indicator, Result, Threshold

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Everything a dashboard, the home page or an indicator chart shows.
WATCHED = (Directorate, Committee, Indicator, Threshold, Result, Commentary)
WATCHED_M2M = (Committee.directorates.through, Indicator.owners.through)
# Pages show users only by name (owners, commentary authors and approvers).
USER_NAME_FIELDS = {"username", "first_name", "last_name"}


def data_version() -> int:
    """The current data version: one primary-key lookup."""
    return DataVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def data_version_bump() -> None:
    """Make every cached page part stale. Call inside the writing transaction."""
    if DataVersion.objects.filter(pk=1).update(version=F("version") + 1):
        return
    # The row is made by migration 0004; a flushed database (transactional tests) has lost it.
    try:
        with transaction.atomic():
            DataVersion.objects.create(pk=1, version=1)
    except IntegrityError:  # made at the same moment by another writer
        DataVersion.objects.filter(pk=1).update(version=F("version") + 1)


def cache_key(*parts: object) -> str:
    """A short, backend-safe key for any mix of strings, numbers, dates and tuples."""
    return "kpidash:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached(key: str, compute: Callable[[], T]) -> T:
    """The cached value for `key`, computing and storing it on a miss.

    `compute` may raise (e.g. a 404): nothing is stored then.
    """
    try:
        value = cache.get(key)
    except Exception:  # the cache server is down: serve the page uncached, never a 500
        logger.warning("Cache unavailable; computing %s without it", key, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value)
        except Exception:
            logger.warning("Cache unavailable; %s not stored", key, exc_info=True)
    return value


def _bump(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        data_version_bump()


def _bump_on_user_rename(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    # Signing in saves last_login alone: that must not empty the cache for everyone.
    if not created and (update_fields is None or USER_NAME_FIELDS & set(update_fields)):
        data_version_bump()


def connect_signals() -> None:
    """Bump the version on every ORM write to the watched models.

    Signals, although STYLE.md keeps business logic out of them: cache
    invalidation is infrastructure, and a receiver is the one place that sees
    every save (admin, forms, services, shell) without each caller remembering.
    Bulk paths that bypass signals (bulk_create, COPY, QuerySet.update) call
    `data_version_bump()` themselves.
    """
    for model in WATCHED:
        post_save.connect(_bump, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}")
    post_save.connect(_bump_on_user_rename, sender=get_user_model(), dispatch_uid="data-version-user")
    for through in WATCHED_M2M:
        m2m_changed.connect(_bump, sender=through, dispatch_uid=f"data-version-m2m-{through.__name__}")
