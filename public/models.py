"""Which indicators are published to the public, year by year.

A `Publication` says the performance team has made one indicator's figures for
one financial year public. What the public then sees (approved figures and
approved commentary only) is `public.selectors`, the one place that rule lives.
Unpublishing deletes the row; its history keeps who published and who
withdrew it, and when.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from indicators.models import Indicator
from indicators.periods import FinancialYear


class Publication(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="publications")
    financial_year = models.PositiveSmallIntegerField(
        help_text="The year the financial year starts in: 2019 is 2019/20.",
        validators=[MinValueValidator(1990), MaxValueValidator(2100)],
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator__code", "-financial_year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "financial_year"], name="one_publication_per_indicator_year")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year_label}"

    @property
    def year_label(self) -> str:
        return FinancialYear(self.financial_year).label
