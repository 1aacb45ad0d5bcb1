"""Returns saved at the same moment in real transactions: one conflict, and writers that queue, not deadlock."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from indicators.cache import lock_versions
from indicators.models import Commentary, Result
from returns.services import ReturnConflict, return_save
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
