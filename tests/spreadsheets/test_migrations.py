"""ImportRecord moved from indicators to spreadsheets in state only: a database's records stay."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.roles import PERFORMANCE_TEAM
from spreadsheets.models import ImportRecord

BEFORE = [("indicators", "0006_validated_codes_and_text"), ("spreadsheets", None)]


def _migrate(targets) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)  # its loader reads what is applied now


@pytest.mark.django_db(transaction=True)
def test_an_import_recorded_before_the_move_is_still_there_after_it_with_its_permissions():
    loader = _migrate(BEFORE).loader
    old = loader.project_state(list(loader.applied_migrations)).apps
    Permission = old.get_model("auth", "Permission")
    # The database as it was: the model's content type (with the roles' permissions) under indicators.
    assert Permission.objects.get(codename="view_importrecord").content_type.app_label == "indicators"
    old.get_model("indicators", "ImportRecord").objects.create(file_name="before.xlsx", source="command", counts={})

    executor = _migrate(loader.graph.leaf_nodes())

    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
    record = ImportRecord.objects.get()
    assert (record.file_name, record.source) == ("before.xlsx", ImportRecord.Source.COMMAND)
    permission = Permission.objects.get(codename="view_importrecord")
    assert permission.content_type.app_label == "spreadsheets"
    assert permission.group_set.filter(name=PERFORMANCE_TEAM).exists()
    assert ImportRecord._meta.db_table == "indicators_importrecord"
