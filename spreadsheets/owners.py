"""A service owner's upload: the return form's locks, applied to the rows of an owner template.

The checks (`OwnerLocks`: their own indicators, open months, the return's
version the template was made from) run while the file is planned; the rows
are then saved through `returns.services.return_save`, the same service as the
return form (`spreadsheets.apply.owner_apply`).
"""

from __future__ import annotations

from datetime import date

from indicators.models import Commentary, Indicator
from indicators.periods import period_label
from returns.models import ReportingPeriod
from returns.permissions import lock_reason
from returns.services import return_last_change
from spreadsheets.workbook import OWNER_VERSION


class OwnerLocks:
    """The return form's locks (`returns.permissions.lock_reason`), with their data loaded once."""

    def __init__(self, user, indicator_ids: list[int]) -> None:
        self.user = user
        self.owned = set(Indicator.objects.filter(pk__in=indicator_ids, owners=user).values_list("pk", flat=True))
        self.periods = {p.period: p for p in ReportingPeriod.objects.all()}
        self.commentaries = {
            (c.indicator_id, c.period): c for c in Commentary.objects.filter(indicator_id__in=self.owned)
        }

    def errors(self, indicator: Indicator, period: date) -> dict[str, str]:
        reason = lock_reason(
            self.user,
            indicator,
            period,
            reporting_period=self.periods.get(period),
            commentary=self.commentaries.get((indicator.pk, period)),
            owner=indicator.pk in self.owned,
        )
        if reason is None:
            return {}
        return {"code" if indicator.pk not in self.owned else "period": reason}

    def version(
        self, indicator: Indicator, period: date, result, version: int | None, column: str | None
    ) -> tuple[int, str | None]:
        """The return's version now, and why a row made from `version` must not overwrite it (or None).

        Only rows that would change the return get here: a row equal to what
        is stored is never a conflict, however old its version.
        """
        commentary = self.commentaries.get((indicator.pk, period))
        now = commentary.version if commentary else 0
        if version is None:
            if result is None and commentary is None:
                return now, None  # nothing entered yet, so nothing to overwrite
            why = "this row's version is blank" if column else f"this file has no “{OWNER_VERSION}” column"
            return now, version_unknown_message(indicator, period, why)
        if version > now:
            return now, (
                f"{indicator.code} {period_label(period)}: this row's version ({version}) is not one kpidash gave "
                f"this return (it is at version {now}). Leave the {OWNER_VERSION} column as it was: "
                "download a fresh template."
            )
        if version < now:
            return now, changed_since_message(indicator, period)
        return now, None


def changed_since_message(indicator: Indicator, period: date) -> str:
    """A row made before someone else's change: who, when and what, and what to do."""
    last = return_last_change(indicator=indicator, period=period)
    return (
        f"{indicator.code} {period_label(period)} was changed by {last.name} on {last.when} to {last.value} "
        "after this template was downloaded, so your row would overwrite it: nothing was imported. "
        "Download a fresh template and enter your figures in it."
    )


def version_unknown_message(indicator: Indicator, period: date, why: str) -> str:
    last = return_last_change(indicator=indicator, period=period)
    return (
        f"{indicator.code} {period_label(period)} already has a figure ({last.value}, last changed by {last.name} "
        f"on {last.when}) and {why}, so kpidash cannot tell whether it changed after the file was made: "
        "nothing was imported. Download a fresh template and enter your figures in it."
    )
