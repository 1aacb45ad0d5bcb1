"""The tests' copy of the demo (tests/demo_copy.py) is what a real load gives."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from demo.data import load_demo
from indicators.cache import ALL, STRUCTURE, data_versions
from tests.demo_copy import _insert, _load_and_record


def _real_load_recorded():
    """A real load's record, with the load itself rolled back."""
    with transaction.atomic():
        record = _load_and_record(lambda: load_demo(open_december=False))
        transaction.set_rollback(True)
    return record


def _without_save_times(model, rows) -> list[dict]:
    """The rows without auto_now fields: the copy, like a load, stamps them with the time it is made."""
    stamped = {
        field.attname
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    return [{name: value for name, value in row.items() if name not in stamped} for row in rows]


def test_the_copy_holds_the_rows_a_real_load_adds_and_bumps_the_versions_once(db, committed):
    record = _real_load_recorded()
    assert record is not None and sum(len(rows) for rows in record.added.values()) > 1000
    versions = data_versions(ALL, STRUCTURE)

    with committed():
        assert _insert(record)

    for model, rows in record.added.items():
        assert _without_save_times(model, model._base_manager.order_by("pk").values()) == _without_save_times(
            model, sorted(rows, key=lambda row: row[model._meta.pk.attname])
        ), model
    assert data_versions(ALL, STRUCTURE) == tuple(version + 1 for version in versions)


def test_a_copy_whose_role_groups_were_made_again_is_refused_and_leaves_nothing(db):
    record = _real_load_recorded()
    for group in Group.objects.all():  # as after a transactional test empties the database
        group.name += " (again)"
        group.save()

    assert not _insert(record)
    assert not any(model._base_manager.exists() for model in record.added)


def test_a_copy_clashing_with_a_row_the_test_made_first_is_refused(db):
    record = _real_load_recorded()
    [first_user, *_] = record.added[get_user_model()]
    get_user_model().objects.create(pk=first_user["id"], username="someone-else")

    assert not _insert(record)
