"""Directorates, committees, indicators, their yearly thresholds, monthly
results and commentary.

Rating, direction of travel and period maths are not here: they live in the
plain-Python modules `rules.py` and `periods.py`, which these models feed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import OperationalError, models, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from indicators.periods import FinancialYear, Frequency, period_error, period_label
from indicators.rules import Polarity, RatingRule, Scheme, ToleranceUnit, YtdMethod
from indicators.units import Unit, format_value
from indicators.validators import (
    CODE_MAX_LENGTH,
    figure_errors,
    validate_code,
    validate_commentary,
    validate_no_control_characters,
)

VALUE_DIGITS = {"max_digits": 20, "decimal_places": 6}


class Directorate(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[validate_no_control_characters])
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directorate_dashboard", args=[self.slug])


class DirectionBasis(models.TextChoices):
    PREVIOUS_PERIOD = "previous", "Previous reporting period"
    SAME_PERIOD_LAST_YEAR = "last_year", "Same period last year"
    SPC = "spc", "Statistical (SPC): improving, concerning or no significant change"


class Committee(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[validate_no_control_characters])
    slug = models.SlugField(max_length=100, unique=True)
    directorates = models.ManyToManyField(Directorate, related_name="committees")
    direction_basis = models.CharField(
        "direction of travel compared with",
        max_length=20,
        choices=DirectionBasis.choices,
        default=DirectionBasis.PREVIOUS_PERIOD,
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("committee_dashboard", args=[self.slug])


class Kind(models.TextChoices):
    KPI = "kpi", "Key Performance Indicator"
    ACTIVITY = "activity", "Activity indicator"


def _choices(enum: type, labels: dict) -> list[tuple[str, str]]:
    return [(member.value, labels[member]) for member in enum]


POLARITY_CHOICES = _choices(
    Polarity,
    {
        Polarity.HIGH: "H – higher is better",
        Polarity.LOW: "L – lower is better",
        Polarity.TARGET: "T – close to target is better",
    },
)
FREQUENCY_CHOICES = _choices(
    Frequency, {Frequency.MONTHLY: "Monthly", Frequency.QUARTERLY: "Quarterly", Frequency.ANNUAL: "Annual"}
)
YTD_METHOD_CHOICES = _choices(
    YtdMethod,
    {
        YtdMethod.SUM: "Sum of the year's values",
        YtdMethod.RATIO: "Ratio of summed numerators and denominators",
        YtdMethod.MEAN: "Mean of the year's values",
        YtdMethod.LATEST: "Latest value (snapshot)",
        YtdMethod.ROLLING_12: "Rolling 12 months (entered already rolled)",
    },
)
UNIT_CHOICES = [(unit.value, unit.label) for unit in Unit]
SCHEME_CHOICES = _choices(
    Scheme,
    {
        Scheme.FLOOR: "Target and floor standard",
        Scheme.TOLERANCE: "Tolerance bands around the target",
        Scheme.TARGET_ONLY: "Target only (pass/fail)",
        Scheme.TOLERANCE_TREND: "Tolerance band, then trend against last year",
        Scheme.DATA_ONLY: "Data only (no rating)",
    },
)
TOLERANCE_UNIT_CHOICES = _choices(
    ToleranceUnit,
    {ToleranceUnit.PERCENT: "Percent of the target", ToleranceUnit.ABSOLUTE: "In the indicator's unit"},
)


class Headline(models.TextChoices):
    MONTH = "month", "The latest period's value"
    YTD = "ytd", "The year-to-date value"


class IndicatorQuerySet(models.QuerySet):
    def active(self) -> IndicatorQuerySet:
        return self.filter(active=True)

    def for_committee(self, committee: Committee) -> IndicatorQuerySet:
        """A committee's indicators: those of its directorates (each once: an indicator has one directorate)."""
        return self.filter(directorate__committees=committee)

    def owned_by(self, user) -> IndicatorQuerySet:
        return self.filter(owners=user)

    def lock_figures(self) -> None:
        """Hold these indicators' rows until the transaction ends, taken in code order.

        Writers of an indicator's figures hold its row first, so two of them rate
        it one after the other (`indicators.ratings`) and, taking rows in one
        order, cannot deadlock. FOR NO KEY UPDATE: rows referring to it can still
        be inserted. SQLite has no row locks (one transaction writes at a time).
        """
        list(self.select_for_update(no_key=True).order_by("code").values_list("pk", flat=True))

    def lock_figures_together(self) -> None:
        """`lock_figures` for a writer of several indicators (the grid, an owner's upload): all or none.

        An import takes its indicators as its rows come, not in code order, so a
        writer waiting for one while holding another could deadlock with it: when
        one is held, this waits for each holder in turn holding none, then retries.
        """
        pks = list(self.order_by("code").values_list("pk", flat=True))
        while True:
            try:
                with transaction.atomic():
                    list(self.select_for_update(no_key=True, nowait=True).order_by("code").values_list("pk"))
                return
            except OperationalError:  # one of them is held (PostgreSQL's lock_not_available)
                for pk in pks:
                    with transaction.atomic():  # a savepoint: rolling it back releases the lock at once
                        Indicator.objects.filter(pk=pk).lock_figures()
                        transaction.set_rollback(True)

    def with_last_reported(self, period: date) -> IndicatorQuerySet:
        """With their directorate, and `last_reported`: the newest period on or before `period` with a figure.

        Every recorded figure has a stored rating, so this is found on the rating's
        (indicator, period) index; a MAX over the indicator's results would read them all.
        """
        latest = Rating.objects.filter(indicator=OuterRef("pk"), period__lte=period).order_by("-period")
        return self.select_related("directorate").annotate(last_reported=Subquery(latest.values("period")[:1]))


class Indicator(models.Model):
    code = models.CharField(
        "reference",
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[validate_code],
        help_text="A short unique reference such as ICT01: letters and digits, with - _ or . between them.",
    )
    name = models.CharField(max_length=300, validators=[validate_no_control_characters])
    definition = models.TextField(blank=True, validators=[validate_no_control_characters])
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.KPI)
    polarity = models.CharField(max_length=1, choices=POLARITY_CHOICES, default=Polarity.HIGH)
    unit = models.CharField(max_length=20, choices=UNIT_CHOICES, default=Unit.PERCENTAGE)
    decimals = models.PositiveSmallIntegerField("decimal places", default=1, validators=[MaxValueValidator(4)])
    frequency = models.CharField(max_length=10, choices=FREQUENCY_CHOICES, default=Frequency.MONTHLY)
    ytd_method = models.CharField(
        "year-to-date method", max_length=12, choices=YTD_METHOD_CHOICES, default=YtdMethod.RATIO
    )
    directorate = models.ForeignKey(Directorate, on_delete=models.PROTECT, related_name="indicators")
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="owned_indicators",
        help_text="The people who enter this indicator's figures.",
    )
    headline = models.CharField(
        "rated and counted on",
        max_length=5,
        choices=Headline.choices,
        default=Headline.MONTH,
        help_text="Which rating the cover report counts: the latest period's or the year to date.",
    )
    data_source = models.CharField(max_length=300, blank=True, validators=[validate_no_control_characters])
    active = models.BooleanField(default=True)
    allow_out_of_range = models.BooleanField(
        "values may fall outside 0–100",
        default=False,
        help_text="Tick for a percentage that can exceed 100 or fall below 0 (e.g. growth on last year).",
    )
    numerator_le_denominator = models.BooleanField(
        "numerator cannot exceed denominator",
        default=True,
        help_text="Untick where the numerator may be larger than the denominator.",
    )

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[owners])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("indicator_detail", args=[self.code])

    @property
    def is_kpi(self) -> bool:
        return self.kind == Kind.KPI

    @property
    def data_period(self) -> str:
        """The code councillors see: Q, A, R12M, YTD or MS (monthly snapshot)."""
        if self.frequency == Frequency.QUARTERLY:
            return "Q"
        if self.frequency == Frequency.ANNUAL:
            return "A"
        if self.ytd_method == YtdMethod.ROLLING_12:
            return "R12M"
        return "YTD" if self.headline == Headline.YTD else "MS"

    def format(self, value: Decimal | None) -> str:
        return format_value(value, self.unit, self.decimals)


class SavedWithItsRatings:
    """A save of a row the ratings read (results, thresholds, phases) is one transaction.

    The ratings' receivers (`indicators.ratings`) lock the indicator's row before the
    save and re-rate it after; outside a transaction (a shell, a script, a data
    migration) the lock would be refused and the re-rating could be left undone, so
    the save opens one itself. Inside one already it adds nothing (no savepoint).
    A delete needs no help: Django deletes in a transaction, signals included.
    """

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)  # type: ignore[misc]


class Threshold(SavedWithItsRatings, models.Model):
    """One financial year's target, floor and bands for an indicator.

    KPIs use the rating fields; activity indicators use lower and upper, the
    range activity is expected to fall within. A blank scheme, tolerance or
    tolerance unit means the organisation's default from settings.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="thresholds")
    financial_year = models.PositiveSmallIntegerField(
        help_text="The year the financial year starts in: 2019 is 2019/20.",
        validators=[MinValueValidator(1990), MaxValueValidator(2100)],
    )
    scheme = models.CharField(max_length=20, choices=SCHEME_CHOICES, blank=True)
    target = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    floor = models.DecimalField("floor standard", **VALUE_DIGITS, null=True, blank=True)
    green_tolerance = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    amber_tolerance = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    tolerance_unit = models.CharField(max_length=10, choices=TOLERANCE_UNIT_CHOICES, blank=True)
    lower = models.DecimalField("lower threshold", **VALUE_DIGITS, null=True, blank=True)
    upper = models.DecimalField("upper threshold", **VALUE_DIGITS, null=True, blank=True)
    # What a year's rule is made of, in this order wherever a threshold is shown or edited.
    RULE_FIELDS = (
        "scheme",
        "target",
        "floor",
        "green_tolerance",
        "amber_tolerance",
        "tolerance_unit",
        "lower",
        "upper",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator__code", "-financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "financial_year"], name="one_threshold_per_indicator_year")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year_label}"

    @property
    def year_label(self) -> str:
        return FinancialYear(self.financial_year).label

    def rule(self, polarity: str) -> RatingRule:
        scheme = Scheme(self.scheme or settings.KPIDASH_DEFAULT_SCHEME)
        defaults_apply = scheme in (Scheme.TOLERANCE, Scheme.TOLERANCE_TREND) and not self.scheme
        green, amber = self.green_tolerance, self.amber_tolerance
        if defaults_apply:
            green = green if green is not None else settings.KPIDASH_DEFAULT_GREEN_TOLERANCE
            amber = amber if amber is not None else settings.KPIDASH_DEFAULT_AMBER_TOLERANCE
        unit = self.tolerance_unit or settings.KPIDASH_DEFAULT_TOLERANCE_UNIT
        return RatingRule(
            scheme=scheme,
            polarity=Polarity(polarity),
            target=self.target,
            floor=self.floor,
            green_tolerance=green,
            amber_tolerance=amber,
            tolerance_unit=ToleranceUnit(unit),
        )

    def clean(self) -> None:
        errors = threshold_errors(self, getattr(self, "indicator", None))
        if errors:
            raise ValidationError(errors)


class Result(SavedWithItsRatings, models.Model):
    """An indicator's figure for one reporting period (the first of a month)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="results")
    period = models.DateField(help_text="The first day of the month the result belongs to.")
    value = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    numerator = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    denominator = models.DecimalField(**VALUE_DIGITS, null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator__code", "period"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="one_result_per_indicator_period")]
        indexes = [models.Index(fields=["period"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {period_label(self.period)}"

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        indicator = getattr(self, "indicator", None)
        if self.period is not None:
            self.period = self.period.replace(day=1)
            errors.update(result_period_errors(self.period, indicator, timezone.localdate()))
        value, fraction_errors = figure_errors(indicator, self.value, self.numerator, self.denominator)
        errors.update(fraction_errors)
        if not fraction_errors:
            self.value = value
        if errors:
            raise ValidationError(errors)


class Rating(models.Model):
    """A recorded figure's dashboard figures, worked out when it was written (see ``indicators/ratings.py``).

    Derived data, so it has no history: ``manage.py rerate`` works every one out again.
    """

    # No index of its own: the unique (indicator, period) one serves every look-up by indicator.
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="ratings", db_index=False)
    period = models.DateField()
    value = models.DecimalField(**VALUE_DIGITS, null=True)  # as displayed (rounded to the indicator's decimals)
    month_rag = models.CharField(max_length=8, blank=True)
    ytd_value = models.DecimalField(**VALUE_DIGITS, null=True)
    ytd_rag = models.CharField(max_length=8, blank=True)
    direction = models.CharField(max_length=10, blank=True)  # against the previous period
    direction_last_year = models.CharField(max_length=10, blank=True)  # against the same period last year
    previous_year = models.DecimalField(**VALUE_DIGITS, null=True)
    range = models.CharField(max_length=8, blank=True)  # an activity's place against its expected range
    trend = models.JSONField(default=list)  # [[iso date, value], …] over the year up to `period`
    # The SPC icons of the XmR chart that ends at `period` (spc.Variation, spc.Assurance; "" for none).
    variation = models.CharField(max_length=20, blank=True)
    assurance = models.CharField(max_length=14, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="one_rating_per_indicator_period")]
        indexes = [
            # Home and the "no improvement action" flags ask each KPI's latest rating for these fields
            # alone: with them in the index, that is an index-only scan, not a visit to each row (on
            # PostgreSQL, about half home's query time at 2,000 indicators; SQLite ignores INCLUDE).
            models.Index(
                fields=["indicator", "period"], include=["month_rag", "ytd_rag", "variation"], name="rating_latest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period}"


# Row checks as plain functions of the row's values, so that `clean()` and the
# bulk spreadsheet import (which cannot afford a `full_clean()` per row) apply
# the same rules with the same messages.


def threshold_errors(threshold: Threshold, indicator: Indicator | None) -> dict[str, str]:
    """Field name → message for a year's thresholds; empty when they are valid."""
    errors: dict[str, str] = {}
    if indicator is not None and indicator.is_kpi:
        errors.update(threshold.rule(indicator.polarity).errors())
    if threshold.lower is not None and threshold.upper is not None and threshold.lower > threshold.upper:
        errors["upper"] = (
            f"The upper threshold ({threshold.upper.normalize()}) must not be below "
            f"the lower threshold ({threshold.lower.normalize()})."
        )
    return errors


def result_period_errors(period, indicator: Indicator | None, today) -> dict[str, str]:
    """Whether `indicator` may report for `period` (a month start) as of `today`."""
    errors: dict[str, str] = {}
    if indicator is not None:
        message = period_error(period, Frequency(indicator.frequency))
        if message:
            errors["period"] = message
    if period > today.replace(day=1):
        errors["period"] = f"{period_label(period)} is in the future."
    return errors


# What of an indicator's definition its stored figures are checked against (`figure_errors`,
# `result_period_errors`); decimal places are not among them, as a stored fraction's value is exact.
FIGURE_RULE_FIELDS = ("unit", "allow_out_of_range", "numerator_le_denominator", "frequency")


def stored_figure_errors(indicator: Indicator, *, skip: frozenset[date] | set[date] = frozenset()) -> list[str]:
    """Why the indicator's stored figures (but those of the months in `skip`) would break the figure
    rules under its definition as it stands on `indicator` (changed, not yet saved): one message each.

    Every path that changes an indicator's unit, its two flags or its frequency asks it (the admin,
    the Spreadsheets import), so no figure is left that the return form, the import or a site restore
    would refuse.
    """
    if indicator.pk is None:
        return []
    today = timezone.localdate()
    problems = []
    stored = Result.objects.filter(indicator_id=indicator.pk).order_by("period")
    for period, value, numerator, denominator in stored.values_list("period", "value", "numerator", "denominator"):
        if period in skip:
            continue
        errors = result_period_errors(period, indicator, today)
        errors.update(figure_errors(indicator, value, numerator, denominator)[1])
        problems += [
            f"{indicator.code}'s figure for {period_label(period)} would no longer be valid: {message}"
            for message in errors.values()
        ]
    return problems


class Phase(SavedWithItsRatings, models.Model):
    """A new phase of an indicator's SPC chart from ``start``: its limits are computed afresh.

    Rebasing is a person's decision with a reason (a new process, a changed
    definition), never automatic; see ``indicators/spc.py``.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="phases")
    start = models.DateField(help_text="The first reporting period of the new phase.")
    reason = models.TextField(help_text="Why the process changed, e.g. a new system or a changed definition.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator__code", "start"]
        constraints = [models.UniqueConstraint(fields=["indicator", "start"], name="one_phase_per_indicator_start")]

    def __str__(self) -> str:
        return f"{self.indicator.code} phase from {period_label(self.start)}"

    def clean(self) -> None:
        errors = {}
        indicator = getattr(self, "indicator", None)
        if indicator is not None and self.start is not None:
            message = period_error(self.start, Frequency(indicator.frequency))
            if message:
                errors["start"] = message
        if not (self.reason or "").strip():
            errors["reason"] = "Say why the process changed: a new phase needs a reason."
        if errors:
            raise ValidationError(errors)


class CommentaryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


class Commentary(models.Model):
    """What the service owner says about a period's result, and its approval."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="commentaries")
    period = models.DateField()
    text = models.TextField(blank=True, validators=[validate_commentary])
    status = models.CharField(max_length=10, choices=CommentaryStatus.choices, default=CommentaryStatus.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    # The return's version (result and commentary together): every save adds
    # one, and a save made from an older version is refused as a conflict.
    version = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "commentaries"
        ordering = ["indicator__code", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="one_commentary_per_indicator_period")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {period_label(self.period)} ({self.get_status_display()})"

    @property
    def is_approved(self) -> bool:
        return self.status == CommentaryStatus.APPROVED

    def set_status(self, status: str) -> None:
        """Move to `status`; an approval (who and when) stays recorded only while the return is approved."""
        self.status = status
        if status != CommentaryStatus.APPROVED:
            self.approver, self.approved_at = None, None


class DataVersion(models.Model):
    """A number that changes whenever anything in its scope that a reading page shows changes.

    Cached pages carry the versions of their scopes in their keys (see
    `indicators/cache.py` for the scopes), so a write makes every cached copy
    it affects unreachable at once, in every process, with no shared cache
    needed for correctness. Bumped after the write's transaction commits, with
    one upsert per scope (see `indicators/cache.py` for why that is enough).
    """

    scope = models.CharField(max_length=250, unique=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Data version {self.scope} {self.version}"
