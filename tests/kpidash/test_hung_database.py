"""A database that hangs (accepts the connection, never answers) or a row held by another transaction.

The connection is bounded by DB_CONNECT_TIMEOUT, the wait for a row by DB_LOCK_TIMEOUT
(kpidash/settings.py); a save that gave up waiting answers "busy, try again"
(kpidash.middleware.DatabaseBusyMiddleware), not the 500 page, and saves nothing.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import OperationalError, connection, transaction
from django.db.utils import ConnectionHandler
from django.urls import reverse

from indicators.models import Indicator, Result
from kpidash.middleware import DatabaseBusyMiddleware
from returns.models import PeriodStatus, ReportingPeriod
from tests.hanging import hanging_listener
from tests.kpidash.test_settings_env import load_settings
from tests.returns.conftest import DEC


def test_a_database_that_accepts_and_never_answers_fails_within_the_connect_timeout(django_db_blocker):
    with hanging_listener() as listener, django_db_blocker.unblock():
        shipped = load_settings(
            DATABASE_URL=f"postgres://kpidash@{listener.host}:{listener.port}/kpidash", DB_CONNECT_TIMEOUT="2"
        )
        handler = ConnectionHandler({"default": shipped["DATABASES"]["default"]})
        start = time.monotonic()
        with pytest.raises(OperationalError, match="timeout"):
            handler["default"].ensure_connection()
        assert 1.5 < time.monotonic() - start < 6
        assert listener.accepted, "the connection was made: it was the answer that never came"


def test_the_shipped_database_options_bound_the_connection_and_lock_waits():
    shipped = load_settings(DATABASE_URL="postgres://kpidash@db.example:5432/kpidash")
    assert shipped["DATABASES"]["default"]["OPTIONS"] == {"connect_timeout": 5, "options": "-c lock_timeout=10000"}


@pytest.fixture
def short_lock_timeout():
    """The shipped `options` string with a 1 s lock_timeout, on a fresh connection (10 s is the default)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite locks the whole database for a write")
    options = connection.settings_dict["OPTIONS"]
    assert options["options"].startswith("-c lock_timeout=")
    saved = options["options"]
    options["options"] = "-c lock_timeout=1000"
    connection.close()
    yield
    options["options"] = saved
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_return_save_waiting_for_a_held_row_is_told_the_service_is_busy_and_saves_nothing(
    short_lock_timeout, client, ict02, owner_user
):
    ReportingPeriod.objects.create(period=DEC, deadline=date(2020, 1, 10), status=PeriodStatus.OPEN)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:  # another writer of ICT02 (an import, a grid) that takes its time
        try:
            with transaction.atomic():
                Indicator.objects.filter(pk=ict02.pk).lock_figures()
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        client.force_login(owner_user)
        start = time.monotonic()
        response = client.post(
            reverse("return_edit", args=[DEC, "ICT02"]), {"value": "92", "version": "0", "action": "save"}
        )
        elapsed = time.monotonic() - start
    finally:
        release.set()
        holder.join(timeout=30)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Sorry, the service is busy" in page and "Nothing you sent was saved." in page
    assert elapsed < 5  # the lock_timeout, not as long as the holder
    assert not Result.objects.filter(indicator=ict02, period=DEC).exists()


def test_any_other_database_error_is_left_to_the_500_page(rf):
    middleware = DatabaseBusyMiddleware(lambda request: None)
    assert middleware.process_exception(rf.post("/"), OperationalError("server closed the connection")) is None
