"""Returns saved at the same moment in real transactions: one conflict, and writers that queue, not deadlock."""

import importlib
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from indicators.models import Commentary, Indicator, Rating, Result
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import ReturnConflict, ReturnLocked, period_close, return_save
from spreadsheets import apply
from spreadsheets.services import workbook_import
from tests.returns.conftest import DEC, NOV
from tests.threads import run_together


@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_first_saves_one_wins_and_the_other_gets_a_conflict(
    open_period, ict02, owner_user, performance_user
):
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(user, value):
        try:
            barrier.wait(timeout=10)
            return_save(indicator=ict02, period=DEC, user=user, value=Decimal(value), expected_version=0)
            outcomes[user.username] = "saved"
        except ReturnConflict as exc:
            outcomes[user.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=args) for args in ((owner_user, "96"), (performance_user, "85"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(type(o).__name__ for o in outcomes.values()) == ["ReturnConflict", "str"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    value = Result.objects.get(indicator=ict02, period=DEC).value
    assert value == (Decimal("96") if winner == owner_user.username else Decimal("85"))
    conflict = next(o for o in outcomes.values() if isinstance(o, ReturnConflict))
    assert f"the value is now {ict02.format(value)}" in str(conflict)
    assert Commentary.objects.get(indicator=ict02, period=DEC).version == 1


@pytest.mark.django_db(transaction=True)
def test_a_grid_saving_several_returns_and_a_single_save_queue_rather_than_deadlock(
    open_period, ict01, ict02, owner_user, performance_user
):
    """The grid holds its first row's indicator and return; a single save of its second row must take
    the rows in the same order, or each would wait for the other (PostgreSQL detects the cycle)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite locks the whole database for a write")
    for indicator in (ict01, ict02):  # existing returns, so their commentary rows can be locked
        return_save(indicator=indicator, period=DEC, user=owner_user, value=Decimal("90"), commentary="Draft.")
    first_saved = threading.Event()

    def grid():
        with transaction.atomic():
            return_save(indicator=ict01, period=DEC, user=owner_user, value=Decimal("91"), commentary="Grid.")
            first_saved.set()
            time.sleep(0.5)  # the single save starts meanwhile
            return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("92"), commentary="Grid.")

    def single():
        first_saved.wait(timeout=10)
        return_save(indicator=ict02, period=DEC, user=performance_user, value=Decimal("93"), commentary="One.")

    assert run_together(grid, single) == []
    assert Result.objects.get(indicator=ict01, period=DEC).value == Decimal("91")
    # The single save did not wait for the grid, which held only ICT01 then: the grid's ICT02 came second.
    assert Result.objects.get(indicator=ict02, period=DEC).value == Decimal("92")


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_and_a_return_save_of_the_same_return_queue_rather_than_deadlock(
    open_period, ict02, owner_user, performance_user
):
    """A return save holds the indicator (as a grid does after its first row) and then wants the
    return's commentary; the admin saves that commentary meanwhile and must then want nothing the
    save holds (its data-version bump comes after its commit), or they deadlock."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite locks the whole database for a write")
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("90"), commentary="Draft.")
    holding = threading.Event()

    def service():
        with transaction.atomic():
            Indicator.objects.filter(pk=ict02.pk).lock_figures()
            holding.set()
            time.sleep(0.5)  # the admin's save starts meanwhile
            return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("93"), commentary="Owner.")

    def admin():
        holding.wait(timeout=10)
        with transaction.atomic():
            commentary = Commentary.objects.get(indicator=ict02, period=DEC)
            commentary.text = "Edited in the admin."
            commentary.save()

    assert run_together(service, admin) == []
    assert Result.objects.get(indicator=ict02, period=DEC).value == Decimal("93")
    assert Commentary.objects.get(indicator=ict02, period=DEC).text == "Owner."  # the admin's edit did not wait


# --- a month closing while a save is in flight --------------------------------------------


class _Paused:
    """Holds a save for a moment just after it checked the month is open, as a slow request would."""

    def __init__(self, monkeypatch, target: str, *, call: int = 1) -> None:
        module, name = target.rsplit(".", 1)
        self.original = getattr(importlib.import_module(module), name)
        self.checked = threading.Event()
        self.calls, self.call = 0, call
        monkeypatch.setattr(target, self)

    def __call__(self, *args, **kwargs):
        found = self.original(*args, **kwargs)
        self.calls += 1
        if self.calls == self.call:
            self.checked.set()
            time.sleep(0.5)  # the close starts meanwhile
        return found


def _close_when(paused: _Paused, performance_user, period=DEC):
    def close():
        assert paused.checked.wait(timeout=10)
        period_close(period=period, user=performance_user)

    return close


def _landed_before_the_close(indicator, period=DEC) -> bool:
    closed_at = ReportingPeriod.objects.get(period=period).closed_at
    return Result.objects.get(indicator=indicator, period=period).history.first().history_date < closed_at


needs_row_locks = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: SQLite locks the whole database for a write"
)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_an_owners_save_that_started_before_the_close_lands_before_it(
    monkeypatch, open_period, ict02, owner_user, performance_user
):
    paused = _Paused(monkeypatch, "returns.services.lock_reason")

    def save():
        return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("96"), commentary="On track.")

    assert run_together(save, _close_when(paused, performance_user)) == []
    assert ReportingPeriod.objects.get(period=DEC).status == PeriodStatus.CLOSED
    assert _landed_before_the_close(ict02)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_a_save_that_starts_while_the_month_is_closing_is_refused_as_closed(
    monkeypatch, open_period, ict02, owner_user, performance_user
):
    paused = _Paused(monkeypatch, "returns.services.save_with_history")  # the close's own save of the month
    refused = []

    def save():
        assert paused.checked.wait(timeout=10)
        try:
            return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("96"), commentary="Late.")
        except ReturnLocked as exc:
            refused.append(str(exc))

    def close():
        period_close(period=DEC, user=performance_user)

    assert run_together(save, close) == []
    assert refused and "December 2019 is closed" in refused[0]
    assert not Result.objects.filter(indicator=ict02, period=DEC).exists()


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_a_grid_save_that_started_before_the_close_lands_before_it(
    client, monkeypatch, open_period, ict01, ict02, owner_user, performance_user
):
    from tests.returns.test_grid_entry import URL, page_data

    client.force_login(owner_user)
    data = page_data(client)
    paused = _Paused(monkeypatch, "returns.services.lock_reason")
    responses = []

    def grid():
        changes = {"ICT01-value": "91", "ICT02-value": "92"}
        responses.append(client.post(URL, {**data, **changes, "action": "save"}))

    assert run_together(grid, _close_when(paused, performance_user)) == []
    assert responses[0].status_code == 302
    assert _landed_before_the_close(ict01) and _landed_before_the_close(ict02)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_an_owner_upload_applied_as_the_month_closes_lands_before_the_close(
    monkeypatch, tmp_path, settings, open_period, ict02, owner_user, performance_user
):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"
    path = tmp_path / "returns.csv"
    path.write_text("code,period,value,commentary\nICT02,2019-12,96,On track.\n", encoding="utf-8")
    paused = _Paused(monkeypatch, "returns.services.lock_reason", call=2)  # 1: the check; 2: the import
    plans = []

    def upload():
        plans.append(workbook_import(path=path, file_name="returns.csv", user=owner_user, owner=True))

    assert run_together(upload, _close_when(paused, performance_user)) == []
    assert plans[0].applied, plans[0].errors
    assert _landed_before_the_close(ict02)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_a_performance_team_import_checked_while_the_month_was_open_lands_before_the_close(
    monkeypatch, tmp_path, settings, open_period, ict02, performance_user
):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"
    path = tmp_path / "results.csv"
    path.write_text("code,period,value\nICT02,2019-12,96\n", encoding="utf-8")
    paused = _Paused(monkeypatch, "spreadsheets.plan.closed_periods")
    plans = []

    def upload():
        plans.append(workbook_import(path=path, file_name="results.csv", user=performance_user))

    assert run_together(upload, _close_when(paused, performance_user)) == []
    assert plans[0].applied, plans[0].errors
    assert _landed_before_the_close(ict02)


# --- an import and saves at the same moment ------------------------------------------------


def _results_file(tmp_path, settings, rows: str):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"
    path = tmp_path / "results.csv"
    path.write_text(f"code,period,value,commentary\n{rows}", encoding="utf-8")
    return path


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_an_owners_save_of_a_return_being_imported_waits_for_the_import_and_is_refused_as_a_conflict(
    monkeypatch, tmp_path, settings, open_period, ict02, owner_user, performance_user
):
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("90"), commentary="Draft.")
    loaded = Commentary.objects.get(indicator=ict02, period=DEC).version  # the owner's form
    path = _results_file(tmp_path, settings, "ICT02,2019-12,80,Imported.\n")
    paused = _Paused(monkeypatch, "spreadsheets.apply._write_commentary")  # the import has written the result
    plans, refused = [], []

    def upload():
        plans.append(workbook_import(path=path, file_name="results.csv", user=performance_user))

    def save():
        assert paused.checked.wait(timeout=10)
        try:
            return_save(
                indicator=ict02,
                period=DEC,
                user=owner_user,
                value=Decimal("96"),
                commentary="Owner.",
                expected_version=loaded,
            )
        except ReturnConflict as exc:
            refused.append(str(exc))

    assert run_together(upload, save) == []
    assert plans[0].applied, plans[0].errors
    assert refused and f"the value is now {ict02.format(Decimal('80'))}" in refused[0]
    assert Result.objects.get(indicator=ict02, period=DEC).value == Decimal("80")
    assert Commentary.objects.get(indicator=ict02, period=DEC).text == "Imported."
    assert Rating.objects.get(indicator=ict02, period=DEC).value == Decimal("80")  # rated with the import


def _save_then_import(monkeypatch, path, indicator, owner_user, performance_user):
    paused = _Paused(monkeypatch, "returns.services.lock_reason")  # the save holds its indicator and return
    plans = []

    def save():
        return_save(indicator=indicator, period=DEC, user=owner_user, value=Decimal("96"), commentary="Owner.")

    def upload():
        assert paused.checked.wait(timeout=10)
        plans.append(workbook_import(path=path, file_name="results.csv", user=performance_user))

    assert run_together(save, upload) == []
    return plans[0]


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_an_import_of_a_return_being_saved_waits_for_the_save_and_both_land(
    monkeypatch, tmp_path, settings, open_period, ict02, owner_user, performance_user
):
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("90"), commentary="Draft.")
    path = _results_file(tmp_path, settings, "ICT02,2019-12,80,Imported.\n")

    plan = _save_then_import(monkeypatch, path, ict02, owner_user, performance_user)

    assert plan.applied, plan.errors
    history = Result.objects.get(indicator=ict02, period=DEC).history.order_by("history_date")
    assert [record.value for record in history] == [Decimal("90"), Decimal("96"), Decimal("80")]  # save, then import
    assert Commentary.objects.get(indicator=ict02, period=DEC).text == "Imported."
    assert Rating.objects.get(indicator=ict02, period=DEC).value == Decimal("80")


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_an_import_of_a_new_return_first_saved_meanwhile_is_refused_whole_with_a_reason(
    monkeypatch, tmp_path, settings, open_period, ict01, ict02, owner_user, performance_user
):
    path = _results_file(tmp_path, settings, "ICT01,2019-12,70,\nICT02,2019-12,80,Imported.\n")

    plan = _save_then_import(monkeypatch, path, ict02, owner_user, performance_user)

    assert not plan.applied
    assert "Someone saved a return in this file for the first time while it was being imported" in str(plan.errors)
    assert not Result.objects.filter(indicator=ict01, period=DEC).exists()  # nothing of the file, nothing half-written
    assert Result.objects.get(indicator=ict02, period=DEC).value == Decimal("96")
    assert Commentary.objects.get(indicator=ict02, period=DEC).text == "Owner."
    assert Rating.objects.get(indicator=ict02, period=DEC).value == Decimal("96")


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_a_long_import_of_one_month_does_not_make_a_save_of_another_indicator_and_month_wait(
    monkeypatch, tmp_path, settings, open_period, ict01, ict02, owner_user, performance_user
):
    path = _results_file(tmp_path, settings, "ICT01,2019-11,55,Recounted.\n")
    importing, saved = threading.Event(), threading.Event()
    waited_for = []
    write_commentary = apply._write_commentary

    def slow_write_commentary(*args, **kwargs):
        write_commentary(*args, **kwargs)
        importing.set()
        waited_for.append(saved.wait(timeout=10))  # the import's transaction stays open until the save is done

    monkeypatch.setattr(apply, "_write_commentary", slow_write_commentary)
    plans = []

    def upload():
        plans.append(workbook_import(path=path, file_name="results.csv", user=performance_user, reason="Recount"))

    def save():
        assert importing.wait(timeout=10)
        return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("96"), commentary="Owner.")
        saved.set()

    assert run_together(upload, save) == []
    assert waited_for == [True]  # saved while the import was still open, not after it
    assert plans[0].applied, plans[0].errors
    assert Result.objects.get(indicator=ict01, period=NOV).value == Decimal("55")
    assert Result.objects.get(indicator=ict02, period=DEC).value == Decimal("96")


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_a_grid_and_an_import_taking_its_indicators_in_the_other_order_queue_rather_than_deadlock(
    client, monkeypatch, tmp_path, settings, open_period, ict01, ict02, owner_user, performance_user
):
    """The import holds ICT02 (a new result, streamed) and will want ICT01 (a changed one) once the file
    is checked; the grid wants both. Were it to hold ICT01 while waiting for ICT02, they would deadlock."""
    from tests.returns.test_grid_entry import URL, page_data

    return_save(indicator=ict01, period=DEC, user=owner_user, value=Decimal("90"), commentary="Draft.")
    client.force_login(owner_user)
    data = page_data(client)
    path = _results_file(tmp_path, settings, "ICT02,2019-12,80,\nICT01,2019-12,70,\n")
    paused = _Paused(monkeypatch, "spreadsheets.apply.check_reason")  # the new results are written
    plans, responses = [], []

    def upload():
        plans.append(workbook_import(path=path, file_name="results.csv", user=performance_user))

    def grid():
        assert paused.checked.wait(timeout=10)
        responses.append(client.post(URL, {**data, "ICT01-value": "91", "ICT02-value": "92", "action": "save"}))

    assert run_together(upload, grid) == []
    assert plans[0].applied, plans[0].errors
    # The grid waited for the import, then found ICT01 changed since its page was loaded: nothing of it saved.
    assert responses[0].status_code == 400
    assert "changed this return" in responses[0].content.decode()
    assert Result.objects.get(indicator=ict01, period=DEC).value == Decimal("70")
    assert Result.objects.get(indicator=ict02, period=DEC).value == Decimal("80")


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_of_a_result_and_a_save_of_its_return_queue_rather_than_deadlock(
    monkeypatch, open_period, ict02, owner_user
):
    """The save holds the indicator and wants the result's row; the admin's edit must not hold that
    row while it waits for the indicator (to re-rate it), or they deadlock."""
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("90"), commentary="Draft.")
    paused = _Paused(monkeypatch, "returns.services.lock_reason")

    def save():
        return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("96"), commentary="Owner.")

    def admin():
        assert paused.checked.wait(timeout=10)
        with transaction.atomic():
            result = Result.objects.get(indicator=ict02, period=DEC)
            result.value = Decimal("50")
            result.save()

    assert run_together(save, admin) == []
    assert Result.objects.get(indicator=ict02, period=DEC).value == Decimal("50")  # the admin's edit came second
    assert Rating.objects.get(indicator=ict02, period=DEC).value == Decimal("50")
