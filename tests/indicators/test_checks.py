"""Stored data that predates a rule is reported by `migrate` and `check --database`."""

from io import StringIO

import pytest
from django.core.management import call_command

from indicators.checks import check_indicator_codes
from indicators.models import Directorate, Indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def directorate():
    return Directorate.objects.create(name="Strategic and Corporate Services", slug="scs")


def test_an_indicator_code_stored_before_codes_were_checked_is_reported_with_how_to_fix_it(directorate):
    Indicator.objects.create(code="ICT01", name="Calls answered", directorate=directorate)
    Indicator.objects.create(code="ZZ/01", name="Stored before", directorate=directorate)  # create() skips validators

    warnings = check_indicator_codes(databases=["default"])

    assert [w.id for w in warnings] == ["indicators.W001"]
    assert "'ZZ/01'" in warnings[0].msg and "Rename it in the admin" in warnings[0].hint


def test_the_check_runs_with_the_database_checks_only(directorate):
    Indicator.objects.create(code="ZZ/01", name="Stored before", directorate=directorate)
    assert check_indicator_codes(databases=None) == []
    out = StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=out)
    assert "indicators.W001" in out.getvalue()
