"""UK bank holidays by rule, for each of GOV.UK's three divisions (pure Python, bar one setting).

Computed rather than downloaded: kpidash often runs on an intranet without
internet access. The rules are those GOV.UK publishes (https://www.gov.uk/bank-holidays);
the admin's stored changes (`returns.models.BankHolidayChange`) sit on top of them.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from dateutil import easter as dateutil_easter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENGLAND_AND_WALES, SCOTLAND, NORTHERN_IRELAND = "england-and-wales", "scotland", "northern-ireland"
NATIONS = {ENGLAND_AND_WALES: "England and Wales", SCOTLAND: "Scotland", NORTHERN_IRELAND: "Northern Ireland"}

MONDAY, SATURDAY = 0, 5

# One-off changes by royal proclamation, as GOV.UK lists them (https://www.gov.uk/bank-holidays
# and its archived lists); each applied to all three divisions.
MOVED = {  # the rule's date: (the day it moved to, its title that year)
    date(2002, 5, 27): (date(2002, 6, 4), "Spring bank holiday"),
    date(2012, 5, 28): (date(2012, 6, 4), "Spring bank holiday"),
    date(2020, 5, 4): (date(2020, 5, 8), "Early May bank holiday (VE day)"),
    date(2022, 5, 30): (date(2022, 6, 2), "Spring bank holiday"),
}
EXTRA = {
    date(2002, 6, 3): "Golden Jubilee bank holiday",
    date(2011, 4, 29): "Bank holiday for the royal wedding",
    date(2012, 6, 5): "Queen’s Diamond Jubilee",
    date(2022, 6, 3): "Platinum Jubilee bank holiday",
    date(2022, 9, 19): "Bank Holiday for the State Funeral of Queen Elizabeth II",
    date(2023, 5, 8): "Bank holiday for the coronation of King Charles III",
}


def configured_nation() -> str:
    """The division whose bank holidays the council keeps: the KPIDASH_BANK_HOLIDAYS setting."""
    nation = settings.KPIDASH_BANK_HOLIDAYS
    if nation not in NATIONS:
        raise ImproperlyConfigured(f"KPIDASH_BANK_HOLIDAYS must be one of {', '.join(NATIONS)}, not {nation!r}.")
    return nation


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(MONDAY - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - MONDAY) % 7)


def _fixed_days(nation: str, year: int) -> list[tuple[date, str]]:
    """The holidays on a fixed date, which move to a substitute day at a weekend; in calendar order."""
    days = [(date(year, 1, 1), "New Year’s Day")]
    if nation == SCOTLAND:
        days.append((date(year, 1, 2), "2nd January"))
    if nation == NORTHERN_IRELAND:
        days += [(date(year, 3, 17), "St Patrick’s Day"), (date(year, 7, 12), "Battle of the Boyne (Orangemen’s Day)")]
    if nation == SCOTLAND:
        days.append((date(year, 11, 30), "St Andrew’s Day"))
    return [*days, (date(year, 12, 25), "Christmas Day"), (date(year, 12, 26), "Boxing Day")]


def _movable_days(nation: str, year: int) -> dict[date, str]:
    easter = dateutil_easter.easter(year)  # Gregorian (the western churches')
    days = {
        easter - timedelta(days=2): "Good Friday",
        _first_monday(year, 5): "Early May bank holiday",
        _last_monday(year, 5): "Spring bank holiday",
    }
    if nation == SCOTLAND:
        days[_first_monday(year, 8)] = "Summer bank holiday"
    else:
        days[easter + timedelta(days=1)] = "Easter Monday"
        days[_last_monday(year, 8)] = "Summer bank holiday"
    return days


def _with_substitutes(fixed: list[tuple[date, str]], taken: dict[date, str]) -> dict[date, str]:
    """A fixed-date holiday at a weekend is kept on the next weekday that is not already a holiday.

    So Christmas on a Saturday and Boxing Day on a Sunday give Monday 27 and Tuesday 28;
    Christmas on a Sunday gives Tuesday 27, Boxing Day keeping Monday 26.
    """
    days = dict(taken) | {day: name for day, name in fixed if day.weekday() < SATURDAY}
    for day, name in fixed:
        if day.weekday() >= SATURDAY:
            substitute = day + timedelta(days=1)
            while substitute.weekday() >= SATURDAY or substitute in days:
                substitute += timedelta(days=1)
            days[substitute] = f"{name} (substitute day)"
    return days


@lru_cache(maxsize=512)
def rule_holidays(nation: str, year: int) -> MappingProxyType[date, str]:
    """The bank holidays of `nation` in `year` by GOV.UK's rules and one-off changes: date → title.

    Cached (it never changes), so read-only.
    """
    if nation not in NATIONS:
        raise ValueError(f"Unknown bank holiday division {nation!r}; choose one of {', '.join(NATIONS)}.")
    days = _with_substitutes(_fixed_days(nation, year), _movable_days(nation, year))
    for old, (new, name) in MOVED.items():
        if old in days:
            del days[old]
            days[new] = name
    days |= {day: name for day, name in EXTRA.items() if day.year == year}
    return MappingProxyType(dict(sorted(days.items())))


def govuk_events(data: object, nation: str) -> dict[date, str]:
    """`nation`'s events in GOV.UK's bank-holidays.json (already parsed): date → title.

    Raises ValueError saying what is wrong, so a bad file is refused whole.
    """
    division = data.get(nation) if isinstance(data, dict) else None
    if not isinstance(division, dict) or not isinstance(division.get("events"), list):
        raise ValueError(f"The file has no {nation!r} division with a list of events, as GOV.UK's has.")
    events: dict[date, str] = {}
    for number, event in enumerate(division["events"], start=1):
        if not isinstance(event, dict) or not isinstance(event.get("title"), str) or not event["title"].strip():
            raise ValueError(f"Event {number} of {nation} has no title.")
        try:
            day = date.fromisoformat(event.get("date"))
        except (TypeError, ValueError):
            raise ValueError(f"Event {number} of {nation} ({event['title']}) has no date as YYYY-MM-DD.") from None
        events[day] = event["title"].strip()
    if not events:
        raise ValueError(f"The file lists no events for {nation}.")
    return events


def differences(nation: str, events: dict[date, str]) -> tuple[dict[date, str], dict[date, str]]:
    """The published days the rules lack, and the rules' days not published: (additions, cancellations).

    Cancellations only in years the list covers whole, i.e. from January to
    December (every year has a holiday in each): a list that ends in spring
    must not cancel the summer.
    """
    additions = {day: title for day, title in events.items() if day not in rule_holidays(nation, day.year)}
    months = {(day.year, day.month) for day in events}
    whole_years = sorted(year for year, month in months if month == 1 and (year, 12) in months)
    cancellations = {
        day: name for year in whole_years for day, name in rule_holidays(nation, year).items() if day not in events
    }
    return additions, cancellations
