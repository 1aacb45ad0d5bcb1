"""The bank holidays by rule, against the dates GOV.UK publishes (https://www.gov.uk/bank-holidays)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from returns.bank_holidays import configured_nation, rule_holidays

# GOV.UK's published dates, written out rather than worked out.
ENGLAND_AND_WALES = {
    2019: ["01-01", "04-19", "04-22", "05-06", "05-27", "08-26", "12-25", "12-26"],
    2020: ["01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"],
    2021: ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"],
    2022: ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26", "12-27"],
    2023: ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"],
    2024: ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"],
    2025: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2026: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2027: ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
}
SCOTLAND = {
    2019: ["01-01", "01-02", "04-19", "05-06", "05-27", "08-05", "12-02", "12-25", "12-26"],
    2020: ["01-01", "01-02", "04-10", "05-08", "05-25", "08-03", "11-30", "12-25", "12-28"],
    2021: ["01-01", "01-04", "04-02", "05-03", "05-31", "08-02", "11-30", "12-27", "12-28"],
    2022: ["01-03", "01-04", "04-15", "05-02", "06-02", "06-03", "08-01", "09-19", "11-30", "12-26", "12-27"],
    2023: ["01-02", "01-03", "04-07", "05-01", "05-08", "05-29", "08-07", "11-30", "12-25", "12-26"],
    2024: ["01-01", "01-02", "03-29", "05-06", "05-27", "08-05", "12-02", "12-25", "12-26"],
    2025: ["01-01", "01-02", "04-18", "05-05", "05-26", "08-04", "12-01", "12-25", "12-26"],
    2026: ["01-01", "01-02", "04-03", "05-04", "05-25", "08-03", "11-30", "12-25", "12-28"],
    2027: ["01-01", "01-04", "03-26", "05-03", "05-31", "08-02", "11-30", "12-27", "12-28"],
}
NORTHERN_IRELAND = {
    2019: ["01-01", "03-18", "04-19", "04-22", "05-06", "05-27", "07-12", "08-26", "12-25", "12-26"],
    2020: ["01-01", "03-17", "04-10", "04-13", "05-08", "05-25", "07-13", "08-31", "12-25", "12-28"],
    2021: ["01-01", "03-17", "04-02", "04-05", "05-03", "05-31", "07-12", "08-30", "12-27", "12-28"],
    2022: ["01-03", "03-17", "04-15", "04-18", "05-02", "06-02", "06-03", "07-12", "08-29", "09-19", "12-26", "12-27"],
    2023: ["01-02", "03-17", "04-07", "04-10", "05-01", "05-08", "05-29", "07-12", "08-28", "12-25", "12-26"],
    2024: ["01-01", "03-18", "03-29", "04-01", "05-06", "05-27", "07-12", "08-26", "12-25", "12-26"],
    2025: ["01-01", "03-17", "04-18", "04-21", "05-05", "05-26", "07-14", "08-25", "12-25", "12-26"],
    2026: ["01-01", "03-17", "04-03", "04-06", "05-04", "05-25", "07-13", "08-31", "12-25", "12-28"],
    2027: ["01-01", "03-17", "03-26", "03-29", "05-03", "05-31", "07-12", "08-30", "12-27", "12-28"],
}
PUBLISHED = {"england-and-wales": ENGLAND_AND_WALES, "scotland": SCOTLAND, "northern-ireland": NORTHERN_IRELAND}


@pytest.mark.parametrize(("nation", "year"), [(nation, year) for nation, years in PUBLISHED.items() for year in years])
def test_the_rules_give_govuks_published_dates(nation, year):
    expected = [date.fromisoformat(f"{year}-{day}") for day in PUBLISHED[nation][year]]
    assert list(rule_holidays(nation, year)) == expected


@pytest.mark.parametrize(
    ("year", "easter"),
    [(2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22))],
)
def test_good_friday_and_easter_monday_follow_gregorian_easter(year, easter):
    days = rule_holidays("england-and-wales", year)
    assert days[easter - timedelta(days=2)] == "Good Friday"
    assert days[easter + timedelta(days=1)] == "Easter Monday"


def test_christmas_and_boxing_day_both_at_a_weekend_move_to_monday_and_tuesday():
    days = rule_holidays("england-and-wales", 2021)  # Saturday 25, Sunday 26 December
    assert days[date(2021, 12, 27)] == "Christmas Day (substitute day)"
    assert days[date(2021, 12, 28)] == "Boxing Day (substitute day)"
    assert date(2021, 12, 25) not in days and date(2021, 12, 26) not in days


def test_christmas_on_a_sunday_moves_past_boxing_day():
    days = rule_holidays("england-and-wales", 2022)
    assert days[date(2022, 12, 26)] == "Boxing Day"
    assert days[date(2022, 12, 27)] == "Christmas Day (substitute day)"


def test_a_holiday_moved_by_proclamation_is_not_also_kept_on_its_usual_day():
    days = rule_holidays("scotland", 2020)
    assert days[date(2020, 5, 8)] == "Early May bank holiday (VE day)"
    assert date(2020, 5, 4) not in days


def test_the_setting_chooses_the_nation_and_refuses_others(settings):
    assert configured_nation() == "england-and-wales"  # the default
    settings.KPIDASH_BANK_HOLIDAYS = "scotland"
    assert configured_nation() == "scotland"
    settings.KPIDASH_BANK_HOLIDAYS = "wales"
    with pytest.raises(ImproperlyConfigured, match="KPIDASH_BANK_HOLIDAYS must be one of england-and-wales"):
        configured_nation()
