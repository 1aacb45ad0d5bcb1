"""Applying an import: the audit history of results written in bulk (ORM on SQLite, COPY on PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from indicators.models import Directorate, Indicator, Result
from spreadsheets.services import workbook_import

OCT, NOV = date(2019, 10, 1), date(2019, 11, 1)
RECORD = (
    "id",
    "indicator_id",
    "period",
    "value",
    "numerator",
    "denominator",
    "entered_by_id",
    "entered_at",
    "updated_at",
    "history_type",
    "history_user_id",
    "history_change_reason",
    "history_date",
)


@pytest.fixture
def ict01(db):
    directorate = Directorate.objects.create(name="Strategic and Corporate Services", slug="scs")
    return Indicator.objects.create(code="ICT01", name="Calls resolved", directorate=directorate, polarity="H")


def import_csv(tmp_path: Path, rows: str, user, reason: str = ""):
    path = tmp_path / "results.csv"
    path.write_text("code,period,value,numerator,denominator\n" + rows, encoding="utf-8")
    plan = workbook_import(path=path, file_name="results.csv", user=user, reason=reason)
    assert plan.applied, plan.errors
    return plan


def imported(*periods: date) -> list[tuple]:
    records = Result.history.filter(history_change_reason__startswith="Imported", period__in=periods)
    return list(records.order_by("period").values_list(*RECORD))


def test_each_new_and_changed_result_gets_one_record_by_the_importer_naming_the_file(tmp_path, ict01, performance_user):
    before = Result.objects.create(indicator=ict01, period=OCT, value=Decimal(80))
    started = timezone.now()
    import_csv(tmp_path, "ICT01,2019-10,85.5,,\nICT01,2019-11,,17,20\n", performance_user)
    changed, new = Result.objects.get(period=OCT), Result.objects.get(period=NOV)
    reason, user = "Imported from results.csv", performance_user.pk
    records = imported(OCT, NOV)
    assert [record[:7] + record[9:12] for record in records] == [
        # A changed result's record names the importer as its enterer, as it always has.
        (changed.pk, ict01.pk, OCT, Decimal("85.5"), None, None, user, "~", user, reason),
        (new.pk, ict01.pk, NOV, Decimal(85), Decimal(17), Decimal(20), user, "+", user, reason),
    ]
    for record, row in zip(records, (changed, new), strict=True):
        entered_at, updated_at, history_date = record[7], record[8], record[12]
        # Each record is dated the import's moment, as is its entry; its update time is the row's.
        assert started < history_date == entered_at <= updated_at == row.updated_at < timezone.now()
    assert new.entered_at == records[1][7]
    assert (changed.entered_by_id, changed.entered_at) == (None, before.entered_at)  # the row itself keeps its entry
    assert Result.history.filter(period=OCT).count() == 2  # its creation, then the import


def test_an_import_without_a_user_records_no_user_and_a_given_reason_after_the_file(tmp_path, ict01):
    import_csv(tmp_path, "ICT01,2019-11,85.5,,\n", None, reason="Finance restated")
    [record] = imported(NOV)
    assert record[RECORD.index("history_user_id")] is None
    assert record[RECORD.index("history_change_reason")] == "Imported from results.csv: Finance restated"


def test_an_import_of_many_results_writes_one_record_each_in_batches(tmp_path, ict01, performance_user, monkeypatch):
    from spreadsheets import apply

    monkeypatch.setattr(apply, "BATCH", 7)
    months = [date(2000 + n // 12, n % 12 + 1, 1) for n in range(30)]
    import_csv(tmp_path, "".join(f"ICT01,{m:%Y-%m},{n},,\n" for n, m in enumerate(months)), performance_user)
    records = imported(*months)
    assert [(r[0], r[3], r[9]) for r in records] == [
        (pk, value, "+") for pk, value in Result.objects.order_by("period").values_list("pk", "value")
    ]
