"""Data versions and the cache of reading-page parts keyed on them.

Every cache key carries data versions: numbers kept in the database and
bumped after any committed write a reading page could show. A write therefore
makes every cached copy it affects unreachable, in every gunicorn or Celery
process, whatever the cache backend: a per-process LocMemCache is as correct
as Redis, only less shared. Old entries are never read again and expire after
the cache's TIMEOUT.

The versions are scoped, so a month-end rush of returns does not empty the
whole cache with each save:

- ``all`` changes with every write (the home page, which shows everything);
- ``structure`` changes with everything but a figure: indicators, committees,
  directorates, owners and their names, bulk loads and imports;
- ``indicator:<code>``, ``directorate:<slug>`` and ``committee:<slug>`` change
  when a result, threshold or commentary of that indicator changes.

A dashboard is keyed on ``structure`` and its own committee or directorate; an
indicator page on ``structure`` and its indicator. A missing row reads as 0.

When the bump happens, and why that is enough:

- Readers read the versions *before* the data; a writer bumps *after* its
  transaction commits (`transaction.on_commit`). A reader that saw V+1 reads
  the committed write; one that saw V stores what it read under V, which the
  bump makes unreachable. Until the bump (milliseconds) readers get the copy
  under V, as if they had come a moment earlier. Bumping before the commit
  would be wrong: a reader could see V+1, then the old data, and keep it.
- A transaction bumps each scope once however many rows it writes: they
  gather their scopes in one pending bump (`_Bump`), queued on the first.
- A rolled-back transaction bumps nothing (Django drops its callbacks, and it
  changed nothing). A write undone by a savepoint's rollback may leave its
  scopes pending: an extra bump costs a cache miss, never a wrong page.
- Each bump is one autocommitted upsert per scope, holding one row lock for
  one statement: the versions serialise no writer and join no deadlock.
- A test's transaction never commits (pytest-django's ``django_db``), so its
  bumps never run: wrap the write in the ``committed`` fixture
  (tests/conftest.py) or use ``django_db(transaction=True)``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from indicators.models import Commentary, Committee, DataVersion, Directorate, Indicator, Phase, Result, Threshold

T = TypeVar("T")

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
    """Make cached page parts stale once the transaction commits: those of `scopes`, or with none given, every one.

    ``all`` is always bumped. Outside a transaction the bump happens at once.
    """
    _stale(scopes or [STRUCTURE])


class _Bump:
    """The scopes one transaction's writes made stale; run after it commits, it bumps each once."""

    def __init__(self) -> None:
        self.scopes: set[str] = {ALL}
        self.indicators: set[int] = set()  # their scopes are looked up once, after the commit

    def __call__(self) -> None:
        scopes = self.scopes | {scope for pk in self.indicators for scope in indicator_scopes(pk)}
        table = connection.ops.quote_name(DataVersion._meta.db_table)
        with connection.cursor() as cursor:
            for scope in sorted(scopes):  # each its own autocommitted statement: one row lock at a time
                cursor.execute(
                    f"INSERT INTO {table} (scope, version) VALUES (%s, 1) "  # noqa: S608
                    f"ON CONFLICT (scope) DO UPDATE SET version = {table}.version + 1",
                    [scope],
                )


def _stale(scopes: Iterable[str] = (), indicator_id: int | None = None) -> None:
    """Add to the transaction's pending bump, queuing one on its first write.

    A pending bump still queued on the connection is this transaction's: a new
    transaction starts with none, and one queued inside a savepoint that was
    rolled back has been dropped with it (its writes too), so a fresh one is queued.
    """
    queued = connection.run_on_commit if connection.in_atomic_block else []
    bump = next((func for _, func, _ in queued if isinstance(func, _Bump)), None)
    fresh = bump is None
    bump = bump or _Bump()
    bump.scopes.update(scopes)
    if indicator_id is not None:
        bump.indicators.add(indicator_id)
    if fresh:
        transaction.on_commit(bump)  # outside a transaction: runs now


def indicator_scopes(indicator_id: int) -> list[str]:
    """The scopes a figure of this indicator belongs to: itself, its directorate and its committees."""
    row = Indicator.objects.filter(pk=indicator_id).values_list("code", "directorate__slug").first()
    if row is None:  # deleted with its indicator: the indicator's deletion bumps `structure`
        return []
    code, directorate = row
    committees = Committee.objects.filter(directorates__slug=directorate).values_list("slug", flat=True)
    return [f"indicator:{code}", f"directorate:{directorate}", *(f"committee:{slug}" for slug in committees)]


def cache_key(*parts: object) -> str:
    """A short, backend-safe key for any mix of strings, numbers, dates and tuples."""
    return "kpidash:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached(key: str, compute: Callable[[], T]) -> T:
    """The cached value for `key`, computing and storing it on a miss.

    A write makes many readers miss at the same moment; one of them draws the
    part while the others wait for it (up to DRAWING_WAIT_SECONDS) rather than
    all drawing it at once. `compute` may raise (e.g. a 404): nothing is
    stored then, and the waiting readers compute it themselves. A cache server
    that is down or hung needs no handling here: the cache as configured reads
    it as a miss and stores nothing (settings CACHES: django-redis's
    IGNORE_EXCEPTIONS, and kpidash/redis_cache.py skips a Redis that just failed).
    """
    value = cache.get(key)
    if value is not None:
        return value
    lock = f"{key}:drawing"
    drawing = cache.add(lock, 1, timeout=30)
    if not drawing:
        value = _wait_for(key, lock)
        if value is not None:
            return value
    try:
        value = compute()
        cache.set(key, value)
    finally:
        if drawing:
            cache.delete(lock)
    return value


def _wait_for(key: str, lock: str):
    """The value another request is drawing, once stored; None if it gave up or took too long."""
    deadline = time.monotonic() + DRAWING_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.01)
        found = cache.get_many([key, lock])
        if key in found:
            return found[key]
        if lock not in found:
            return None
    return None


def _bump_structure(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        _stale([STRUCTURE])


def _bump_figure(sender, instance, **kwargs) -> None:
    _stale(indicator_id=instance.indicator_id)


def _bump_on_user_rename(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    # Signing in saves last_login alone: that must not empty the cache for everyone.
    if not created and (update_fields is None or USER_NAME_FIELDS & set(update_fields)):
        _stale([STRUCTURE])


def connect_signals() -> None:
    """Bump the versions on every ORM write to what the reading pages show.

    Signals, although STYLE.md keeps business logic out of them: cache
    invalidation is infrastructure, and a receiver is the one place that sees
    every save (admin, forms, services, shell) without each caller remembering.
    Bulk paths that bypass signals (bulk_create, COPY, QuerySet.update) call
    `data_version_bump()` themselves.
    """
    for model in FIGURES:
        post_save.connect(_bump_figure, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        post_delete.connect(_bump_figure, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}")
    for model in STRUCTURAL:
        post_save.connect(_bump_structure, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        post_delete.connect(_bump_structure, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}")
    post_save.connect(_bump_on_user_rename, sender=get_user_model(), dispatch_uid="data-version-user")
    for through in WATCHED_M2M:
        m2m_changed.connect(_bump_structure, sender=through, dispatch_uid=f"data-version-m2m-{through.__name__}")
