"""Demonstration data: Strategic and Corporate Services for the Policy and
Resources Cabinet Committee (Kent's floor-standard scheme), and Growth,
Environment and Transport (tolerance bands), April 2018 to November 2019.

The November 2019 position of Strategic and Corporate Services is the seed
report's: 21 Green, 3 Amber and 1 Red, the Red being the positive feedback
rating with the ICT help desk. Everything else is generated from a fixed
random seed per indicator, so loading twice gives the same figures.

A few indicators have a history drawn to show each statistical process control
(SPC) case on November 2019 (see `SPC_CASES`): earlier years at another level
(`Level`), or named months given outright (`values`), leaving the months and
figures the seed report shows as they were.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.roles import COMMITTEE_CLERK, PERFORMANCE_TEAM, SERVICE_OWNER, VIEWER
from demo.plans import load_plans
from demo.questions import load_questions
from indicators import ratings
from indicators.models import (
    Commentary,
    CommentaryStatus,
    Committee,
    Directorate,
    Headline,
    Indicator,
    Kind,
    Result,
    Threshold,
)
from indicators.periods import FinancialYear, Frequency, is_reporting_period
from indicators.units import Unit
from returns.models import ReportingPeriod

DEMO_PASSWORD = "kpidash-demo"  # noqa: S105 - printed by `make run`; demo only
DEMO_USERS = {
    # username: (full name, role, is_staff, is_superuser)
    "owner": ("Sam Owner", SERVICE_OWNER, False, False),
    "owner2": ("Alex Second", SERVICE_OWNER, False, False),
    "performance": ("Rachel Analyst", PERFORMANCE_TEAM, True, False),
    "clerk": ("Chris Clerk", COMMITTEE_CLERK, False, False),
    "viewer": ("Vic Viewer", VIEWER, False, False),
    "admin": ("Ada Admin", None, True, True),
}
FIRST_PERIOD = date(2018, 4, 1)
LAST_PERIOD = date(2019, 11, 1)
SPC_HISTORY_START = date(2016, 4, 1)  # the indicators with earlier history start here
BEFORE_FIRST = date(2018, 3, 1)
HR02_RISING = ("7.02", "7.14", "7.29", "7.41", "7.56", "7.70")  # May to October 2019
D = Decimal
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Level:
    """Months from `start` to `end` drawn from `value` ± `spread` rather than around the target."""

    start: date
    end: date
    value: str
    spread: str


@dataclass(frozen=True)
class Demo:
    """One indicator: its definition, thresholds and the November 2019 value."""

    code: str
    name: str
    polarity: str = "H"
    unit: str = Unit.PERCENTAGE
    decimals: int = 1
    frequency: str = Frequency.MONTHLY
    ytd_method: str = "ratio"
    target: str | None = None
    floor: str | None = None
    latest: str | None = None  # the value for the newest reporting period
    kind: str = Kind.KPI
    scheme: str = ""
    green: str | None = None
    amber: str | None = None
    tolerance_unit: str = ""
    lower: str | None = None
    upper: str | None = None
    owner: str = "owner2"
    denominator: tuple[int, int] | None = (300, 900)
    extra: dict = field(default_factory=dict)
    levels: tuple[Level, ...] = ()  # history at another level, before April 2018 or instead of the random one
    values: dict[date, str] = field(default_factory=dict)  # named months given outright


SCS = [
    Demo(
        "ICT01",
        "Calls to ICT Help Desk resolved at the first point of contact",
        target="70",
        floor="65",
        latest="72.5",
        owner="owner",
        denominator=(4000, 6000),
        levels=(Level(SPC_HISTORY_START, BEFORE_FIRST, "63", "1.2"),),  # before the new knowledge base
    ),
    Demo(
        "ICT02",
        "Positive feedback rating with the ICT help desk",
        target="95",
        floor="90",
        latest="88.6",
        owner="owner",
        denominator=(400, 800),
        levels=(Level(SPC_HISTORY_START, BEFORE_FIRST, "98.2", "0.6"),),  # steadier before the new contract
    ),
    Demo(
        "ICT03",
        "Working hours where the Public Sector Network is available to staff",
        decimals=1,
        target="99.8",
        floor="99",
        latest="100",
        owner="owner",
        ytd_method="mean",
        denominator=None,
    ),
    Demo(
        "ICT04",
        "Working hours where ICT services are available to staff",
        target="99",
        floor="98",
        latest="99.6",
        owner="owner",
        ytd_method="mean",
        denominator=None,
    ),
    Demo(
        "ICT05",
        "Working hours where email is available to staff",
        target="99",
        floor="98",
        latest="100",
        owner="owner",
        ytd_method="mean",
        denominator=None,
    ),
    Demo(
        "FN01",
        "Pension correspondence processed within 15 working days",
        target="98",
        floor="95",
        latest="99.2",
        denominator=(1000, 2000),
    ),
    Demo(
        "FN02",
        "Retirement benefits paid within 20 working days of all paperwork received",
        target="90",
        floor="85",
        latest="87.2",
        denominator=(100, 400),
        levels=(Level(FIRST_PERIOD, date(2019, 10, 1), "87.0", "1.0"),),  # always just short of 90
    ),
    Demo(
        "FN03",
        "Invoices paid within 30 days of receipt",
        target="90",
        floor="85",
        latest="91.4",
        denominator=(8000, 12000),
    ),
    Demo(
        "FN04",
        "Average number of days to pay supplier invoices",
        polarity="L",
        unit=Unit.DAYS,
        ytd_method="mean",
        target="20",
        floor="25",
        latest="17.3",
        denominator=None,
        levels=(Level(SPC_HISTORY_START, BEFORE_FIRST, "27", "1.5"),),  # before e-invoicing
    ),
    Demo(
        "FN05",
        "Sundry debt due to the council that is under 60 days old",
        target="75",
        floor="57",
        latest="79",
        ytd_method="latest",
        denominator=None,
    ),
    Demo(
        "FN06",
        "Sundry debt due to the council that is over 6 months old",
        polarity="L",
        unit=Unit.CURRENCY_THOUSANDS,
        decimals=0,
        ytd_method="latest",
        target="3000",
        floor="4000",
        latest="2817",
        denominator=None,
    ),
    Demo(
        "FN07",
        "Payroll payments made correctly first time",
        decimals=2,
        target="99.5",
        floor="99",
        latest="99.87",
        denominator=(38000, 42000),
    ),
    Demo(
        "HR01",
        "Training evaluated by participants as having delivered stated learning outcomes",
        target="97",
        floor="95",
        latest="98.8",
        denominator=(300, 700),
    ),
    Demo(
        "HR02",
        "Staff sickness absence: average days lost per full-time equivalent",
        polarity="L",
        unit=Unit.DAYS,
        decimals=2,
        ytd_method="rolling_12",
        target="7.5",
        floor="8.5",
        latest="7.92",
        denominator=None,
        # Rising every month from April: a trend (the November figure is the seed's).
        values={date(2019, month, 1): value for month, value in zip(range(5, 11), HR02_RISING, strict=True)},
    ),
    Demo(
        "HR03",
        "Staff who have completed all mandatory learning",
        frequency=Frequency.QUARTERLY,
        target="90",
        floor="80",
        latest="91.5",
        denominator=(6000, 7000),
    ),
    Demo(
        "HR04",
        "Staff turnover (rolling 12 months)",
        polarity="T",
        ytd_method="rolling_12",
        target="10",
        floor="13",
        green="1.5",
        tolerance_unit="absolute",
        latest="10.8",
        denominator=None,
        levels=(Level(SPC_HISTORY_START, BEFORE_FIRST, "15.5", "0.8"),),  # before the pay review
    ),
    Demo(
        "HR05",
        "Agency staff spend as a share of the pay bill",
        polarity="L",
        frequency=Frequency.QUARTERLY,
        target="5",
        floor="7",
        latest="4.3",
        ytd_method="mean",
        denominator=None,
    ),
    Demo(
        "GL01",
        "Council and committee papers published at least five clear days before meetings",
        decimals=0,
        target="100",
        floor="96",
        latest="100",
        denominator=(20, 60),
    ),
    Demo(
        "GL02",
        "Freedom of Information requests completed within 20 working days",
        target="92",
        floor="90",
        latest="91",
        denominator=(100, 300),
    ),
    Demo(
        "GL03",
        "Subject Access Requests completed within statutory timescales",
        target="90",
        floor="85",
        latest="90",
        denominator=(40, 160),
    ),
    Demo(
        "LS01",
        "Legal Services clients satisfied with the service",
        frequency=Frequency.QUARTERLY,
        target="95",
        floor="90",
        latest="97.3",
        denominator=None,
        ytd_method="mean",
    ),
    Demo(
        "PI01",
        "Rent due to the council collected within 60 days",
        target="97",
        floor="90",
        latest="98.3",
        denominator=None,
        ytd_method="latest",
    ),
    Demo(
        "CS01",
        "Callers to Contact Point who rated the advisor who dealt with their call as good",
        target="97",
        floor="90",
        latest="97.8",
        denominator=(900, 1400),
    ),
    Demo("CS02", "Calls to Contact Point answered", target="95", floor="85", latest="95.9", denominator=(30000, 40000)),
    Demo(
        "CS03",
        "Complaints responded to within timescale",
        target="85",
        floor="80",
        latest="86.1",
        denominator=(150, 350),
    ),
    # Activity indicators: context, not performance.
    Demo(
        "ICT06",
        "Calls to the ICT help desk",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="5500",
        upper="7000",
        latest="6480",
        owner="owner",
        denominator=None,
    ),
    Demo(
        "ICT07",
        "Laptop and mobile phone repairs requested",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="300",
        upper="450",
        latest="512",
        owner="owner",
        denominator=None,
    ),
    Demo(
        "FN08",
        "Supplier invoices paid",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="8000",
        upper="12000",
        latest="10410",
        denominator=None,
    ),
    Demo(
        "FN09",
        "Pension scheme members",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="latest",
        lower="140000",
        upper="150000",
        latest="146210",
        denominator=None,
    ),
    Demo(
        "HR06",
        "Headcount (excluding schools)",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="latest",
        lower="6500",
        upper="7500",
        latest="6874",
        denominator=None,
    ),
    Demo(
        "HR07",
        "Change activities supported by HR",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="latest",
        lower="40",
        upper="60",
        latest="38",
        denominator=None,
    ),
    Demo(
        "GL04",
        "Freedom of Information requests received",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="150",
        upper="250",
        latest="214",
        denominator=None,
    ),
    Demo(
        "GL05",
        "Subject Access Requests received",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="60",
        upper="110",
        latest="97",
        denominator=None,
    ),
    Demo(
        "CS04",
        "Calls answered by Contact Point",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="30000",
        upper="40000",
        latest="33920",
        denominator=None,
    ),
    Demo(
        "CS05",
        "Visits to the council website (thousands)",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="1400",
        upper="1900",
        latest="1652",
        denominator=None,
    ),
]

# A second directorate on Bracknell Forest-style tolerance bands (5% / 10%),
# with one indicator under each of the other schemes.
GET = [
    Demo(
        "GT01",
        "Potholes repaired within 28 days",
        target="90",
        latest="86.5",
        scheme="tolerance",
        green="5",
        amber="10",
        tolerance_unit="percent",
        denominator=(800, 1500),
    ),
    Demo(
        "GT02",
        "Streetlights repaired within 7 days",
        target="90",
        latest="84.0",
        scheme="tolerance",
        green="5",
        amber="10",
        tolerance_unit="percent",
        denominator=(300, 600),
    ),
    Demo(
        "GT03",
        "Household waste recycled, reused or composted",
        target="50",
        latest="43.2",
        scheme="tolerance",
        green="5",
        amber="10",
        tolerance_unit="percent",
        denominator=None,
        ytd_method="mean",
    ),
    Demo(
        "GT04",
        "Average days to process a planning application",
        polarity="L",
        unit=Unit.DAYS,
        target="56",
        latest="58.1",
        scheme="tolerance",
        green="5",
        amber="10",
        tolerance_unit="percent",
        ytd_method="mean",
        denominator=None,
    ),
    Demo(
        "GT05",
        "Residual household waste per household (kg)",
        polarity="L",
        unit=Unit.NUMBER,
        decimals=0,
        target="45",
        latest="52",
        scheme="tolerance_trend",
        green="10",
        tolerance_unit="percent",
        ytd_method="mean",
        denominator=None,
    ),
    Demo(
        "GT06",
        "Public rights of way faults fixed within 28 days",
        target="80",
        latest="82.4",
        scheme="target_only",
        denominator=(100, 250),
        levels=(Level(FIRST_PERIOD, date(2019, 10, 1), "85", "1.5"),),  # comfortably above 80
    ),
    Demo(
        "GT07",
        "Bus passenger journeys (millions, quarterly)",
        unit=Unit.NUMBER,
        decimals=2,
        frequency=Frequency.QUARTERLY,
        ytd_method="sum",
        latest="11.24",
        scheme="data_only",
        denominator=None,
    ),
    Demo(
        "GT08",
        "Fly-tipping incidents reported",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="450",
        upper="650",
        latest="598",
        denominator=None,
    ),
    Demo(
        "GT09",
        "Highway enquiries received",
        kind=Kind.ACTIVITY,
        unit=Unit.NUMBER,
        decimals=0,
        ytd_method="sum",
        lower="9000",
        upper="13000",
        latest="8720",
        denominator=None,
    ),
]

# What each SPC case looks like on November 2019 (variation, assurance), and why:
# tests/demo/test_data.py holds the demo to it, so every icon can be seen.
SPC_CASES = {
    "ICT02": ("concern_low", "hit_and_miss"),  # an outlier: 88.6% is below the lower process limit
    "HR02": ("concern_high", "hit_and_miss"),  # a trend: sickness rising seven months running (lower is better)
    "FN04": ("improvement_low", "hit_and_miss"),  # a shift: days to pay below the mean since e-invoicing
    "ICT01": ("improvement_high", "hit_and_miss"),  # two of three near the upper limit, after a lower history
    "HR04": ("neutral_low", ""),  # a shift in a close-to-target (T) indicator: neither better nor worse
    "FN02": ("common_cause", "fail"),  # the target sits above the upper process limit
    "GT06": ("common_cause", "pass"),  # the target sits below the lower process limit
    "CS02": ("common_cause", "hit_and_miss"),  # noise around the target
}

COMMENTARY = {
    "ICT02": (
        "The positive feedback rating has been affected by negative responses concerning call closure "
        "contacts and resolution times surrounding hardware repairs, especially for laptops and mobile "
        "phones, and calls requesting an engineer's visit, particularly for libraries. To address this "
        "Cantium Business Solutions now have a stock of spare laptops to provide to customers whilst "
        "laptops are being repaired, with a similar scheme being worked on for mobile phones. There is "
        "also now dedicated support specifically for Libraries, and the forthcoming PC refresh should "
        "lessen future demand."
    ),
    "FN02": (
        "Two complex cases needed information from previous employers. Both have now been paid and the "
        "team expects to return to target in December."
    ),
    "GL02": "A spike in requests about the budget consultation delayed a small number of responses.",
    "HR02": "Seasonal illness rose earlier than last year; managers are supported with return-to-work reviews.",
}


def _periods(frequency: str, first: date = FIRST_PERIOD) -> list[date]:
    periods, period = [], first
    while period <= LAST_PERIOD:
        if is_reporting_period(period, Frequency(frequency)):
            periods.append(period)
        period = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    return periods


def _typical_value(spec: Demo, rnd: random.Random) -> Decimal:
    """A plausible month's figure: mostly around target, sometimes short of it."""
    if spec.kind == Kind.ACTIVITY:
        low, high = float(spec.lower), float(spec.upper)
        value = rnd.uniform(low - (high - low) * 0.15, high + (high - low) * 0.1)
    elif spec.target is None:
        value = float(spec.latest) * rnd.uniform(0.9, 1.1)
    else:
        target = float(spec.target)
        spread = abs(target - float(spec.floor)) if spec.floor else target * 0.08
        better = -1 if spec.polarity == "L" else 1
        value = target + better * spread * rnd.uniform(-0.9, 1.0)
    if spec.unit == Unit.PERCENTAGE:
        value = min(value, 100.0)
    return D(str(round(value, spec.decimals)))


def _fraction(value: Decimal, spec: Demo, rnd: random.Random, exact: bool) -> tuple[Decimal, Decimal] | None:
    """A numerator and denominator giving `value` (exactly, for the headline month)."""
    low, high = spec.denominator
    candidates = range(low, high + 1)
    if exact:
        exact_denominators = [d for d in candidates if (value * d / 100) == (value * d / 100).to_integral()]
        if not exact_denominators:
            return None
        denominator = rnd.choice(exact_denominators)
    else:
        denominator = rnd.randint(low, high)
    return (value * denominator / 100).to_integral(), D(denominator)


def _value(spec: Demo, period: date, rnd: random.Random, earlier: random.Random) -> Decimal:
    """A month's figure. Months from April 2018 draw on `rnd` whatever they end up
    being, so a month given another level or value leaves every other month as it was."""
    typical = _typical_value(spec, rnd) if period >= FIRST_PERIOD else None
    if period in spec.values:
        return D(spec.values[period])
    level = next((level for level in spec.levels if level.start <= period <= level.end), None)
    if level is None:
        assert typical is not None, f"{spec.code} has no level for {period}"
        return typical
    value = float(level.value) + float(level.spread) * earlier.uniform(-1, 1)
    if spec.unit == Unit.PERCENTAGE:
        value = min(value, 100.0)
    return D(str(round(value, spec.decimals)))


def _results(indicator: Indicator, spec: Demo, entered_by) -> list[Result]:
    rnd, earlier = random.Random(spec.code), random.Random(f"{spec.code}:levels")
    periods = _periods(spec.frequency, min([FIRST_PERIOD, *(level.start for level in spec.levels)]))
    results = []
    for period in periods:
        headline = period == periods[-1]
        value = D(spec.latest) if headline else _value(spec, period, rnd, earlier)
        numerator = denominator = None
        if spec.denominator and spec.unit == Unit.PERCENTAGE:
            fraction = _fraction(value, spec, rnd if period >= FIRST_PERIOD else earlier, exact=headline)
            if fraction:
                numerator, denominator = fraction
                value = (numerator / denominator * 100).quantize(D("0.000001"))
        entered = datetime(period.year, period.month, 1, 9, 0, tzinfo=LONDON) + timedelta(days=40)
        results.append(
            Result(
                indicator=indicator,
                period=period,
                value=value,
                numerator=numerator,
                denominator=denominator,
                entered_by=entered_by,
                entered_at=entered,
            )
        )
    return results


def _thresholds(indicator: Indicator, spec: Demo) -> None:
    first = min([FIRST_PERIOD, *(level.start for level in spec.levels)])
    for year in range(FinancialYear.containing(first).start_year, 2020):
        Threshold.objects.update_or_create(
            indicator=indicator,
            financial_year=year,
            defaults={
                "scheme": spec.scheme,
                "target": D(spec.target) if spec.target else None,
                "floor": D(spec.floor) if spec.floor else None,
                "green_tolerance": D(spec.green) if spec.green else None,
                "amber_tolerance": D(spec.amber) if spec.amber else None,
                "tolerance_unit": spec.tolerance_unit,
                "lower": D(spec.lower) if spec.lower else None,
                "upper": D(spec.upper) if spec.upper else None,
            },
        )


def _users() -> dict[str, object]:
    User = get_user_model()
    users = {}
    password = make_password(DEMO_PASSWORD)  # one salted hash for all: hashing is most of this function's time
    for username, (full_name, role, is_staff, is_superuser) in DEMO_USERS.items():
        first, last = full_name.split(" ", 1)
        user, created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.email = first, last, f"{username}@example.gov.uk"
        user.is_staff, user.is_superuser = is_staff, is_superuser
        if created:
            user.password = password
        user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def _indicator(spec: Demo, directorate: Directorate, owner) -> Indicator:
    indicator, _ = Indicator.objects.update_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "definition": f"{spec.name}, as recorded by the service for each reporting period.",
            "kind": spec.kind,
            "polarity": spec.polarity,
            "unit": spec.unit,
            "decimals": spec.decimals,
            "frequency": spec.frequency,
            "ytd_method": spec.ytd_method,
            "headline": Headline.MONTH,
            "directorate": directorate,
            "data_source": f"{directorate.name} service records",
            "active": True,
        },
    )
    indicator.owners.set([owner])
    return indicator


def _directorate(name: str, slug: str, committee_name: str, committee_slug: str) -> Directorate:
    directorate, _ = Directorate.objects.update_or_create(slug=slug, defaults={"name": name})
    committee, _ = Committee.objects.update_or_create(slug=committee_slug, defaults={"name": committee_name})
    committee.directorates.add(directorate)
    return directorate


def _commentary(indicator: Indicator, spec: Demo, users: dict) -> None:
    text = COMMENTARY.get(spec.code)
    if not text:
        return
    period = _periods(spec.frequency)[-1]
    approved = datetime(2019, 12, 12, 10, 0, tzinfo=LONDON)
    Commentary.objects.update_or_create(
        indicator=indicator,
        period=period,
        defaults={
            "text": text,
            "status": CommentaryStatus.APPROVED,
            "author": users[spec.owner],
            "submitted_at": approved - timedelta(days=3),
            "approver": users["performance"],
            "approved_at": approved,
        },
    )


def _open_december(opened_by) -> None:
    """December 2019 is open for returns, so owners have something to enter."""
    ReportingPeriod.objects.get_or_create(
        period=date(2019, 12, 1),
        defaults={"deadline": date(2020, 1, 10), "opened_by": opened_by, "opened_at": timezone.now()},
    )


@transaction.atomic
def load_demo(*, open_december: bool = True) -> dict[str, int]:
    """Create or refresh the demo organisation; running it again changes nothing.

    With `open_december`, December 2019 is open for returns (deadline 10 January
    2020); tests pass False and open the periods they need themselves.
    """
    # All or nothing, with one re-rating for the whole load rather than one per row (and, after the
    # commit, one version bump: indicators/cache.py).
    with transaction.atomic(), ratings.deferred():
        return _load_demo(open_december)


def _load_demo(open_december: bool) -> dict[str, int]:
    users = _users()
    sets = [
        (
            _directorate(
                "Strategic and Corporate Services",
                "strategic-and-corporate-services",
                "Policy and Resources Cabinet Committee",
                "policy-and-resources",
            ),
            SCS,
        ),
        (
            _directorate(
                "Growth, Environment and Transport",
                "growth-environment-and-transport",
                "Environment and Transport Cabinet Committee",
                "environment-and-transport",
            ),
            GET,
        ),
    ]
    results: list[Result] = []
    for directorate, specs in sets:
        for spec in specs:
            indicator = _indicator(spec, directorate, users[spec.owner])
            _thresholds(indicator, spec)
            _commentary(indicator, spec, users)
            results.extend(_results(indicator, spec, users[spec.owner]))
    if open_december:
        _open_december(users["performance"])
    Result.objects.bulk_create(
        results,
        update_conflicts=True,
        unique_fields=["indicator", "period"],
        update_fields=["value", "numerator", "denominator", "entered_by", "entered_at"],
    )
    ratings.refresh(dict.fromkeys({result.indicator_id for result in results}))  # bulk_create sends no signals
    load_plans(users)
    load_questions(users)
    return {"indicators": len(SCS) + len(GET), "results": len(results), "users": len(users)}
