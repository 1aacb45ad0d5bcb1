"""Two people saving the same new return at the same moment, in real concurrent transactions."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from indicators.models import Commentary, Result
from returns.services import ReturnConflict, return_save
from tests.returns.conftest import DEC


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
