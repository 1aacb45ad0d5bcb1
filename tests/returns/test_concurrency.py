"""Returns saved at the same moment in real transactions: one conflict, and writers that queue, not deadlock."""

import importlib
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from indicators.cache import lock_versions
from indicators.models import Commentary, Result
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import ReturnConflict, ReturnLocked, period_close, return_save
from spreadsheets.services import workbook_import
from tests.returns.conftest import DEC
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
    """The grid holds the version lock after its first row; a single save of its second row must not
    take that row's lock and then wait for the version lock the grid holds (PostgreSQL detects the cycle)."""
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
    assert Result.objects.get(indicator=ict02, period=DEC).value == Decimal("93")  # the single save came second


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_and_a_return_save_of_the_same_return_queue_rather_than_deadlock(
    open_period, ict02, owner_user, performance_user
):
    """A return save holds the version lock (as a grid does after its first row) and then wants the
    return's commentary; the admin saves that commentary meanwhile, and its version bump comes after
    its own row lock. The admin's save must take the version lock first (pre_save), or they deadlock."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite locks the whole database for a write")
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("90"), commentary="Draft.")
    holding = threading.Event()

    def service():
        with transaction.atomic():
            lock_versions()
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
    assert Commentary.objects.get(indicator=ict02, period=DEC).text == "Edited in the admin."  # it came second


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
