"""`import_bank_holidays`: GOV.UK's bank-holidays.json, for a council without internet access."""

import json
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from returns.models import BankHolidayChange, CalendarChange
from returns.workdays import clear_cache, is_working_day

pytestmark = pytest.mark.django_db

# England and Wales 2026 as GOV.UK would list it if the spring bank holiday moved
# to Friday 29 May and Monday 8 June were an extra one; then January to March 2027 only.
ENGLAND_AND_WALES = [
    ("2026-01-01", "New Year’s Day"),
    ("2026-04-03", "Good Friday"),
    ("2026-04-06", "Easter Monday"),
    ("2026-05-04", "Early May bank holiday"),
    ("2026-05-29", "Spring bank holiday"),
    ("2026-06-08", "Bank holiday for a royal occasion"),
    ("2026-08-31", "Summer bank holiday"),
    ("2026-12-25", "Christmas Day"),
    ("2026-12-28", "Boxing Day (substitute day)"),
    ("2027-01-01", "New Year’s Day"),
    ("2027-03-26", "Good Friday"),
]
SCOTLAND = [("2026-01-01", "New Year’s Day"), ("2026-01-02", "2nd January"), ("2026-06-09", "Scottish extra")]


def _division(name, events):
    return {
        "division": name,
        "events": [{"title": title, "date": day, "notes": "", "bunting": True} for day, title in events],
    }


def _write(tmp_path, data, name="bank-holidays.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def govuk_file(tmp_path):
    return _write(
        tmp_path,
        {
            "england-and-wales": _division("england-and-wales", ENGLAND_AND_WALES),
            "scotland": _division("scotland", SCOTLAND),
            "northern-ireland": _division("northern-ireland", []),
        },
    )


def _changes():
    return sorted(BankHolidayChange.objects.values_list("day", "change", "name"))


def test_the_days_that_differ_from_the_rules_are_stored(govuk_file, capsys):
    call_command("import_bank_holidays", govuk_file)
    assert _changes() == [
        (date(2026, 5, 25), CalendarChange.CANCEL, "Not in GOV.UK's list: Spring bank holiday"),
        (date(2026, 5, 29), CalendarChange.ADD, "Spring bank holiday"),
        (date(2026, 6, 8), CalendarChange.ADD, "Bank holiday for a royal occasion"),
    ]  # 2027 is listed only to March: its later holidays are not cancelled
    assert is_working_day(date(2026, 5, 25)) and not is_working_day(date(2026, 5, 29))
    assert BankHolidayChange.history.filter(history_change_reason="Imported from bank-holidays.json").count() == 3
    assert "england-and-wales: 11 published holidays; 3 change(s) stored, 0 already stored." in capsys.readouterr().out


def test_importing_the_same_file_again_changes_nothing(govuk_file, capsys):
    call_command("import_bank_holidays", govuk_file)
    call_command("import_bank_holidays", govuk_file)
    assert len(_changes()) == 3
    assert "0 change(s) stored, 3 already stored." in capsys.readouterr().out


def test_the_configured_nations_division_is_read(govuk_file, settings):
    settings.KPIDASH_BANK_HOLIDAYS = "scotland"
    call_command("import_bank_holidays", govuk_file)
    assert _changes() == [(date(2026, 6, 9), CalendarChange.ADD, "Scottish extra")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<html>Sign in to the proxy</html>", "bank-holidays.json: The file is not JSON"),
        ({"scotland": _division("scotland", SCOTLAND)}, "no 'england-and-wales' division with a list of events"),
        (
            {"england-and-wales": _division("england-and-wales", [("2026-05-29", "Extra"), ("29/05/2026", "Bad")])},
            "Event 2 of england-and-wales (Bad) has no date as YYYY-MM-DD.",
        ),
        (
            {"england-and-wales": _division("england-and-wales", [("2026-06-08", "Fine"), ("2026-06-06", "Sat")])},
            "1 error(s). Nothing was imported.",  # Saturday 6 June: a weekend day cannot be added
        ),
    ],
)
def test_a_bad_file_is_refused_whole_and_changes_nothing(tmp_path, content, message):
    BankHolidayChange.objects.create(day=date(2026, 12, 24), change=CalendarChange.ADD, name="Council closure day")
    before = _changes()
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_bank_holidays", _write(tmp_path, content))
    assert _changes() == before


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"missing.json: The file cannot be read \(No such file or directory\)"):
        call_command("import_bank_holidays", str(tmp_path / "missing.json"))
