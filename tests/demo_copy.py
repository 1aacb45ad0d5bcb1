"""The demo organisation for tests: loaded for real once, then copied in.

load_demo saves a few hundred rows one at a time, each with its history row,
which takes about 0.7 s on PostgreSQL; some 400 tests ask for the demo. So the
first test to ask runs load_demo and records the rows it added; later tests
insert those same rows (same ids, same values) with one INSERT a table and
bump the data versions, as load_demo's single bump does. Each test still gets
its own fresh copy inside its own transaction.

When the record cannot go in as it was taken, the test runs load_demo itself
and the record is taken again. That happens after a transactional test has
emptied the database (the role groups are made again, with new ids), or when
the test made rows first that clash with the copy (the same id or username).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from indicators.cache import data_version_bump
from indicators.models import DataVersion


@dataclass(frozen=True)
class Record:
    """The rows a load added, by model, and the rows they point to but did not add."""

    added: dict[type[Model], list[dict]]
    referenced: dict[type[Model], list[dict]]


class _StaleRecord(Exception):
    """A row the record points to (a role group) is not as it was recorded."""


_record: Record | None = None


def load_demo_copy(load: Callable[[], object]) -> None:
    """Put the demo in this test's database: copied from the record if it fits, else by `load`."""
    global _record
    if _record is not None and _insert(_record):
        return
    _record = _load_and_record(load)


def _models() -> list[type[Model]]:
    # DataVersion is bumped after the copy rather than copied: its rows exist before the load.
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model is not DataVersion
    ]


def _rows(model: type[Model]) -> dict[object, dict]:
    return {row[model._meta.pk.attname]: row for row in model._base_manager.values()}


def _load_and_record(load: Callable[[], object]) -> Record | None:
    """Run `load`, and return what it added; None if it also changed rows that were there before."""
    before = {model: _rows(model) for model in _models()}
    load()
    added = {}
    for model, old in before.items():
        new = _rows(model)
        if any(new.get(pk) != row for pk, row in old.items()):
            return None  # it updated this test's own rows: not a copy of a fresh load
        if rows := [row for pk, row in new.items() if pk not in old]:
            added[model] = rows
    return Record(added=added, referenced=_referenced(added, before))


def _referenced(added: dict[type[Model], list[dict]], before: dict[type[Model], dict]) -> dict:
    """The rows from before the load that the added rows point to, as they were."""
    wanted: dict[type[Model], set] = {}
    for model, rows in added.items():
        for field in model._meta.concrete_fields:
            if not field.many_to_one and not field.one_to_one:
                continue
            target = field.related_model._meta.concrete_model
            for row in rows:
                value = row[field.attname]
                if value is not None and value in before.get(target, {}):
                    wanted.setdefault(target, set()).add(value)
    return {target: [before[target][pk] for pk in sorted(pks)] for target, pks in wanted.items()}


def _insert(record: Record) -> bool:
    """Insert the recorded rows in a savepoint; False (and nothing inserted) if they do not fit."""
    try:
        with transaction.atomic():
            for model, rows in record.referenced.items():
                pks = [row[model._meta.pk.attname] for row in rows]
                if list(model._base_manager.filter(pk__in=pks).order_by("pk").values()) != rows:
                    raise _StaleRecord(model)
            for model, rows in record.added.items():
                model._base_manager.bulk_create([model(**row) for row in rows])
            connection.check_constraints(table_names=[model._meta.db_table for model in record.added])
            data_version_bump()
    except (IntegrityError, _StaleRecord):
        return False
    return True
