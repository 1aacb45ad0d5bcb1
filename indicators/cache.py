"""Data versions and the cache of reading-page parts keyed on them.

Every cache key carries data versions: numbers kept in the database and
bumped in the same transaction as any write a reading page could show. A write
therefore makes every cached copy it affects unreachable at once, in every
gunicorn or Celery process, whatever the cache backend: a per-process
LocMemCache is as correct as Redis, only less shared. Old entries are never
read again and expire after the cache's TIMEOUT.

The versions are scoped, so a month-end rush of returns does not empty the
whole cache with each save:

- ``all`` changes with every write (the home page, which shows everything);
- ``structure`` changes with everything but a figure: indicators, committees,
  directorates, owners and their names, bulk loads and imports;
- ``indicator:<code>``, ``directorate:<slug>`` and ``committee:<slug>`` change
  when a result, threshold or commentary of that indicator changes.

A dashboard is keyed on ``structure`` and its own committee or directorate; an
indicator page on ``structure`` and its indicator. A missing row reads as 0.

Read the versions *before* the data: a copy stored under version V then holds
data at least as new as V, never older.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from indicators.models import Commentary, Committee, DataVersion, Directorate, Indicator, Phase, Result, Threshold

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")

ALL, STRUCTURE = "all", "structure"
# A figure: what one indicator's pages, its directorate's and its committees' dashboards show.
FIGURES = (Result, Threshold, Commentary, Phase)
# Everything else a dashboard, the home page or an indicator page shows.
STRUCTURAL = (Directorate, Committee, Indicator)
WATCHED_M2M = (Committee.directorates.through, Indicator.owners.through)
# Pages show users only by name (owners, commentary authors and approvers).
USER_NAME_FIELDS = {"username", "first_name", "last_name"}
# How long a request waits for another that is drawing the same page before drawing it too.
DRAWING_WAIT_SECONDS = 2.0


def data_versions(*scopes: str) -> tuple[int, ...]:
    """The versions of these scopes, in order, in one query (0 for a scope never bumped).

    Every reading page asks this once, so it is plain SQL: building the ORM
    query cost more than running it.
    """
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    marks = ", ".join(["%s"] * len(scopes))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT scope, version FROM {table} WHERE scope IN ({marks})", scopes)  # noqa: S608
        found = dict(cursor.fetchall())
    return tuple(found.get(scope, 0) for scope in scopes)


def data_version() -> int:
    """The version that changes with every write."""
    return data_versions(ALL)[0]


def data_version_bump(*scopes: str) -> None:
    """Make cached page parts stale: those of `scopes`, or with none given, every one.

    Call inside the writing transaction. ``all`` is always bumped, and first:
    every writer locks that row before any other, so writers never deadlock.
    """
    _bump_rows([ALL])
    _bump_rows(sorted(set(scopes) - {ALL}) if scopes else [STRUCTURE])


class _Pending:
    """What the writes inside `bumps_deferred` or `bumps_combined` would have bumped."""

    def __init__(self) -> None:
        self.indicators: set[int] = set()
        self.everything = False

    def bump(self) -> None:
        if self.everything:
            data_version_bump()
        elif self.indicators:
            data_version_bump(*sorted({scope for pk in self.indicators for scope in indicator_scopes(pk)}))


_deferred: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("kpidash_bumps_deferred", default=None)


@contextmanager
def _collecting() -> Iterator[_Pending | None]:
    """Collect the bumps of the writes inside; None when an enclosing block already collects them."""
    if _deferred.get() is not None:
        yield None
        return
    lock_versions()  # the writes inside skip theirs
    pending = _Pending()
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)


@contextmanager
def bumps_deferred() -> Iterator[None]:
    """Writes inside skip their own version bumps; every version is bumped once at the end.

    For bulk loads (the demo) that save hundreds of rows one by one: a bump
    per row costs more queries than the row itself.
    """
    with _collecting() as pending:
        yield
    if pending is not None:
        data_version_bump()


@contextmanager
def bumps_combined() -> Iterator[None]:
    """Writes inside bump once at the end, together: the scopes they would each have bumped.

    For a service that saves a few related rows (a return's result and its
    commentary); used inside its transaction, so the bump commits with them.
    It takes the version lock as it starts, so any row the service then locks
    comes after it, the order every writer keeps (`lock_versions`).
    """
    with _collecting() as pending:
        yield
    if pending is not None:
        pending.bump()


def indicator_scopes(indicator_id: int) -> list[str]:
    """The scopes a figure of this indicator belongs to: itself, its directorate and its committees."""
    row = Indicator.objects.filter(pk=indicator_id).values_list("code", "directorate__slug").first()
    if row is None:  # deleted with its indicator: the indicator's deletion bumps `structure`
        return []
    code, directorate = row
    committees = Committee.objects.filter(directorates__slug=directorate).values_list("slug", flat=True)
    return [f"indicator:{code}", f"directorate:{directorate}", *(f"committee:{slug}" for slug in committees)]


def lock_versions() -> None:
    """Take the `all` version row's lock now, before the transaction locks rows of its own.

    Every write bumps `all`, so writers queue on it. A transaction that locks
    another row first (a return's commentary, a result it updates) and bumps
    afterwards could hold that row while waiting for `all`, as another
    transaction holding `all` waits for that row: a deadlock. So every writer
    takes `all` first: the return services before they lock the return, the
    imports as they start, and any other ORM write in its pre_save, pre_delete
    or m2m pre_* signal (`connect_signals`). Outside a transaction each
    statement commits at once and holds nothing, so there is nothing to order.
    (SQLite locks the whole database for a write, so this does nothing there.)
    """
    if connection.in_atomic_block:
        list(DataVersion.objects.select_for_update().filter(scope=ALL).values_list("pk", flat=True))


def _lock_first(sender, **kwargs) -> None:
    # Inside bumps_deferred/bumps_combined the block took the lock as it started.
    if kwargs.get("action", "pre_").startswith("pre_") and _deferred.get() is None:
        lock_versions()


def _lock_first_on_user_rename(sender, instance, update_fields=None, **kwargs) -> None:
    if not instance._state.adding and (update_fields is None or USER_NAME_FIELDS & set(update_fields)):
        _lock_first(sender)


def _bump_rows(scopes: list[str]) -> None:
    if not scopes or DataVersion.objects.filter(scope__in=scopes).update(version=F("version") + 1) == len(scopes):
        return
    existing = set(DataVersion.objects.filter(scope__in=scopes).values_list("scope", flat=True))
    for scope in (scope for scope in scopes if scope not in existing):  # bumped for the first time
        try:
            with transaction.atomic():
                DataVersion.objects.create(scope=scope, version=1)
        except IntegrityError:  # made at the same moment by another writer
            DataVersion.objects.filter(scope=scope).update(version=F("version") + 1)


def cache_key(*parts: object) -> str:
    """A short, backend-safe key for any mix of strings, numbers, dates and tuples."""
    return "kpidash:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached(key: str, compute: Callable[[], T]) -> T:
    """The cached value for `key`, computing and storing it on a miss.

    A write makes many readers miss at the same moment; one of them draws the
    part while the others wait for it (up to DRAWING_WAIT_SECONDS) rather than
    all drawing it at once. `compute` may raise (e.g. a 404): nothing is
    stored then, and the waiting readers compute it themselves.
    """
    try:
        value = cache.get(key)
    except Exception:  # the cache server is down: serve the page uncached, never a 500
        logger.warning("Cache unavailable; computing %s without it", key, exc_info=True)
        return compute()
    if value is not None:
        return value
    lock = f"{key}:drawing"
    try:
        drawing = cache.add(lock, 1, timeout=30)
    except Exception:
        drawing = False
    if not drawing:
        value = _wait_for(key, lock)
        if value is not None:
            return value
    try:
        value = compute()
        _store(key, value)
    finally:
        if drawing:
            _forget(lock)
    return value


def cached_many(keys: dict[K, str], compute: Callable[[list[K]], dict[K, T]]) -> dict[K, T]:
    """Many small cached parts in one round trip: `keys` maps each item to its cache key.

    `compute` gets the items the cache lacks and returns their values, which
    are stored in one more round trip. With the cache down, everything is computed.
    """
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:
        logger.warning("Cache unavailable; computing %d parts without it", len(keys), exc_info=True)
        found = {}
    values = {item: found[key] for item, key in keys.items() if key in found}
    missing = [item for item in keys if item not in values]
    if missing:
        computed = compute(missing)
        values.update(computed)
        try:
            cache.set_many({keys[item]: value for item, value in computed.items()})
        except Exception:
            logger.warning("Cache unavailable; %d parts not stored", len(computed), exc_info=True)
    return values


def _store(key: str, value: object) -> None:
    try:
        cache.set(key, value)
    except Exception:
        logger.warning("Cache unavailable; %s not stored", key, exc_info=True)


def _wait_for(key: str, lock: str):
    """The value another request is drawing, once stored; None if it gave up or took too long."""
    deadline = time.monotonic() + DRAWING_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.01)
        try:
            found = cache.get_many([key, lock])
        except Exception:
            return None
        if key in found:
            return found[key]
        if lock not in found:
            return None
    return None


def _forget(lock: str) -> None:
    try:
        cache.delete(lock)
    except Exception:
        logger.warning("Cache unavailable; %s not released", lock, exc_info=True)


def _bump_everything() -> None:
    pending = _deferred.get()
    if pending is None:
        data_version_bump()
    else:
        pending.everything = True


def _bump_structure(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        _bump_everything()


def _bump_figure(sender, instance, **kwargs) -> None:
    pending = _deferred.get()
    if pending is None:
        data_version_bump(*indicator_scopes(instance.indicator_id))
    else:
        pending.indicators.add(instance.indicator_id)


def _bump_on_user_rename(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    # Signing in saves last_login alone: that must not empty the cache for everyone.
    if not created and (update_fields is None or USER_NAME_FIELDS & set(update_fields)):
        _bump_everything()


def connect_signals() -> None:
    """Bump the versions on every ORM write to what the reading pages show.

    Signals, although STYLE.md keeps business logic out of them: cache
    invalidation is infrastructure, and a receiver is the one place that sees
    every save (admin, forms, services, shell) without each caller remembering.
    Bulk paths that bypass signals (bulk_create, COPY, QuerySet.update) call
    `data_version_bump()` themselves.
    """
    for model in (*FIGURES, *STRUCTURAL):  # the version lock before the row's own (see lock_versions)
        pre_save.connect(_lock_first, sender=model, dispatch_uid=f"data-version-lock-save-{model.__name__}")
        pre_delete.connect(_lock_first, sender=model, dispatch_uid=f"data-version-lock-delete-{model.__name__}")
    for through in WATCHED_M2M:
        m2m_changed.connect(_lock_first, sender=through, dispatch_uid=f"data-version-lock-m2m-{through.__name__}")
    pre_save.connect(_lock_first_on_user_rename, sender=get_user_model(), dispatch_uid="data-version-lock-user")
    for model in FIGURES:
        post_save.connect(_bump_figure, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        post_delete.connect(_bump_figure, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}")
    for model in STRUCTURAL:
        post_save.connect(_bump_structure, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        post_delete.connect(_bump_structure, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}")
    post_save.connect(_bump_on_user_rename, sender=get_user_model(), dispatch_uid="data-version-user")
    for through in WATCHED_M2M:
        m2m_changed.connect(_bump_structure, sender=through, dispatch_uid=f"data-version-m2m-{through.__name__}")
