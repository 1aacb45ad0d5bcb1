"""Every change to a monthly return or a reporting period.

Forms, spreadsheet uploads, commands and tasks all call these functions (with
the acting user), so each rule is enforced once. Bad input raises
`ReturnError` carrying field errors and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from indicators.models import Commentary, CommentaryStatus, Indicator, Result
from indicators.periods import period_label
from indicators.rules import Rag
from indicators.spc import Variation
from indicators.validators import (
    SEND_BACK_REASON_MAX_LENGTH,
    commentary_error,
    figure_errors,
    reason_error,
    tidy_text,
)
from indicators.wording import person_name
from plans.flags import with_open_actions
from plans.rules import missing_action_message, needs_action
from returns.models import DEADLINE_BEFORE_MONTH, PeriodStatus, ReportingPeriod
from returns.permissions import correction_needs_reason, is_performance_team, lock_reason
from returns.rows import CONCERNS, ReturnRow, return_row, returns_queryset, with_variation

NON_FIELD = "__all__"
# KPIDASH_COMMENTARY_REQUIRED_FOR's word for a figure that is a special cause of concern on its SPC chart.
CONCERN = "concern"


class ReturnError(Exception):
    """A change that was refused; `errors` maps form field names (or "__all__") to messages."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        self.errors = {NON_FIELD: [errors]} if isinstance(errors, str) else errors
        super().__init__(" ".join(m for messages in self.errors.values() for m in messages))


class ReturnLocked(ReturnError):
    """The user may not change this return now; the message says why."""


class ReturnConflict(ReturnError):
    """Someone else saved the return after the user loaded it."""


# --- figures ------------------------------------------------------------------


def _figure_errors(
    indicator: Indicator, value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None, text: str
) -> tuple[Decimal | None, dict[str, list[str]]]:
    """The value to store and what is wrong with the figure and commentary (`indicators.validators`)."""
    stored, errors = figure_errors(indicator, value, numerator, denominator)
    problems = {name: [message] for name, message in errors.items()}
    message = commentary_error(text)
    if message:
        problems["commentary"] = [message]
    return stored, problems


def needs_commentary_check(status: str, text: str) -> bool:
    """Whether a return left with this status and commentary must be checked for required commentary."""
    return status in (CommentaryStatus.SUBMITTED, CommentaryStatus.APPROVED) and not text


def commentary_requirement(*, indicator: Indicator, period: date, rag: Rag, variation: Variation) -> str:
    """Why a submitted or approved return without commentary is refused; "" if it may stand.

    The one rule (`KPIDASH_COMMENTARY_REQUIRED_FOR`: the RAG ratings, and ``concern`` for a
    figure that is a special cause of concern on the indicator's SPC chart) for every path a
    figure comes by: the return form, the grid and owner uploads (through `return_save`) and
    the performance team's import (`spreadsheets.plan`), each asking it only where
    `needs_commentary_check` says the return is left submitted or approved without commentary.
    """
    why = _commentary_needed_because(indicator=indicator, period=period, rag=rag, variation=variation)
    return f"Enter commentary: {why}, so explain the figure and what is being done about it." if why else ""


def _commentary_needed_because(*, indicator: Indicator, period: date, rag: Rag, variation: Variation) -> str:
    """What about the figure makes `KPIDASH_COMMENTARY_REQUIRED_FOR` ask for commentary; "" if nothing."""
    required = settings.KPIDASH_COMMENTARY_REQUIRED_FOR
    rated = rag is not Rag.NONE and rag.value in required
    concern = variation in CONCERNS and CONCERN in required
    when = period_label(period)
    spc = f"shows {variation.label[0].lower()}{variation.label[1:]} on its SPC chart"
    if rated and concern:
        why = f"{indicator.code} is rated {rag.label} for {when} and {spc}"
    elif rated:
        why = f"{indicator.code} is rated {rag.label} for {when}"
    elif concern:
        why = f"{indicator.code}'s figure for {when} {spc}"
    else:
        return ""
    return why


def action_required(rag: str, concern: bool) -> bool:
    """Whether a return with this figure may be left submitted or approved only once its indicator has
    an open improvement action: `KPIDASH_ACTION_REQUIRED_TO_SUBMIT` is on and the figure is Red or a
    special cause of concern. Asked by `return_save` and the performance team's import alike."""
    return bool(settings.KPIDASH_ACTION_REQUIRED_TO_SUBMIT) and needs_action(rag, concern)


def action_requirement(row: ReturnRow) -> str:
    """Why a return may not be left submitted or approved: "" unless `action_required` and the
    indicator has no open improvement action."""
    if not action_required(row.rag.value, row.concern):
        return ""
    if with_open_actions([row.indicator.pk]):
        return ""
    missing = missing_action_message(row.indicator.code, row.rag.value, row.concern)
    return f"{missing}: add one (Actions → Add an improvement action) before submitting {row.period_label}'s return."


@dataclass(frozen=True)
class LastChange:
    """Who last changed a return, when, and what it holds now (for conflict messages)."""

    name: str
    when: str
    value: str
    text: str
    status: str


def return_last_change(*, indicator: Indicator, period: date) -> LastChange:
    """The latest change to the return's figure or commentary, from their audit history."""
    result = Result.objects.filter(indicator=indicator, period=period).select_related("entered_by").first()
    current = Commentary.objects.filter(indicator=indicator, period=period).first()
    records = [row.history.select_related("history_user").first() for row in (result, current) if row is not None]
    records = [record for record in records if record is not None]
    latest = max(records, key=lambda record: record.history_date) if records else None
    who = latest.history_user if latest and latest.history_user else (result.entered_by if result else None)
    return LastChange(
        name=person_name(who) or "Someone else",
        when=timezone.localtime(latest.history_date).strftime("%d %B %Y at %H:%M") if latest else "just now",
        value=indicator.format(result.value if result else None),
        text=current.text if current and current.text else "(none)",
        status=current.get_status_display().lower() if current else "entered",
    )


def _conflict(indicator: Indicator, period: date) -> ReturnConflict:
    last = return_last_change(indicator=indicator, period=period)
    return ReturnConflict(
        f"{last.name} changed this return on {last.when} while you were editing it: the value is now {last.value}, "
        f"the commentary is now “{last.text}” and the return is {last.status}. Your changes have not been "
        "saved: check theirs, then make your changes again."
    )


def _check_version(current: Commentary | None, expected: int | None, indicator: Indicator, period: date) -> None:
    if expected is None:
        return
    if (current.version if current else 0) != expected:
        raise _conflict(indicator, period)


def _locked_return(indicator: Indicator, period: date) -> tuple[ReportingPeriod | None, Commentary | None]:
    """The month's row and the return's commentary, locked until the transaction ends.

    In the order every writer takes rows, so writers queue rather than deadlock:
    the month (FOR SHARE: saves go in parallel, and a close waits for them, see
    `ReportingPeriod.objects.for_share`), then the indicator (`lock_figures`: its
    writers one at a time), then the return's own rows.
    """
    reporting_period = next(iter(ReportingPeriod.objects.filter(period=period).for_share()), None)
    Indicator.objects.filter(pk=indicator.pk).lock_figures()
    commentary = Commentary.objects.select_for_update().filter(indicator=indicator, period=period).first()
    _ensure_baseline(commentary)
    return reporting_period, commentary


def _check_lock(
    user, indicator: Indicator, period: date, commentary: Commentary | None, reporting_period: ReportingPeriod | None
) -> None:
    reason = lock_reason(user, indicator, period, reporting_period=reporting_period, commentary=commentary)
    if reason:
        raise ReturnLocked(reason)


@dataclass(frozen=True)
class _Status:
    status: str
    submitted: bool = False
    approved: bool = False


def _next_status(
    current: Commentary | None, *, submit: bool, approve: bool, performance: bool, changed: bool
) -> _Status:
    old = current.status if current else CommentaryStatus.DRAFT
    if approve:
        return _Status(CommentaryStatus.APPROVED, submitted=old != CommentaryStatus.SUBMITTED, approved=True)
    if submit:
        return _Status(CommentaryStatus.SUBMITTED, submitted=True)
    if not changed:
        return _Status(old)
    return _Status(status_after_edit(old, performance=performance))


def status_after_edit(old: str, *, performance: bool) -> str:
    """A return's status once its figure or commentary is changed (not submitted or approved by the change).

    The one rule for every path a change comes by (the return form, the grid, owner uploads,
    the performance team's import): an approved return goes back to "submitted" for approving
    again, as does a submitted one the performance team edits; a returned one waits for its
    owner to resubmit; anything else is a draft.
    """
    if old == CommentaryStatus.APPROVED or (performance and old == CommentaryStatus.SUBMITTED):
        return CommentaryStatus.SUBMITTED
    if old == CommentaryStatus.RETURNED:
        return old
    return CommentaryStatus.DRAFT


def _ensure_baseline(instance) -> None:
    # Rows loaded in bulk (the demo, imports) may have no history yet; record
    # their current state first so the history can show "old → new".
    if instance is not None and not instance.history.exists():
        type(instance).history.bulk_history_create(
            [instance],
            default_change_reason="Recorded before this change",
            default_date=getattr(instance, "updated_at", None),
        )


def _name_in_history(instance, user, change_reason: str) -> None:
    instance._history_user = user
    instance._change_reason = change_reason[:100] or None  # simple_history's field holds 100


def save_with_history(instance, user, change_reason: str) -> None:
    """Save with the history record naming who and why (also outside a request): every path's one way."""
    _name_in_history(instance, user, change_reason)
    instance.save()


def delete_with_history(instance, user, change_reason: str) -> None:
    """Delete with the history's deletion record naming who and why, as `save_with_history` saves."""
    _name_in_history(instance, user, change_reason)
    instance.delete()


def _write_result(indicator: Indicator, period: date, user, figures: tuple, change_reason: str) -> bool:
    value, numerator, denominator = figures
    result = Result.objects.filter(indicator=indicator, period=period).first()
    _ensure_baseline(result)
    if result is None:
        result = Result(indicator=indicator, period=period)
    elif (result.value, result.numerator, result.denominator) == figures:
        return False
    result.value, result.numerator, result.denominator = value, numerator, denominator
    result.entered_by, result.entered_at = user, timezone.now()
    save_with_history(result, user, change_reason)
    return True


def _write_commentary(
    current: Commentary | None,
    indicator: Indicator,
    period: date,
    user,
    text: str,
    status: _Status,
    changed: bool,
    change_reason: str,
) -> None:
    commentary = current or Commentary(indicator=indicator, period=period)
    if not (changed or status.submitted or status.approved or commentary.status != status.status):
        return
    if commentary.pk is None or commentary.text != text:
        commentary.author = user
    now = timezone.now()
    commentary.text = text
    commentary.set_status(status.status)
    if status.submitted:
        commentary.submitted_at, commentary.return_reason = now, ""
    if status.approved:
        commentary.approver, commentary.approved_at = user, now
    commentary.version += 1
    save_with_history(commentary, user, change_reason)


def _fetch_row(indicator: Indicator, period: date) -> ReturnRow:
    """The return as saved, with its RAG and SPC variation."""
    row = return_row(returns_queryset(Indicator.objects.filter(pk=indicator.pk), period).get(), period)
    return with_variation([row])[0]


def _change_reason(reason: str, *, submit: bool, approve: bool) -> str:
    action = "Edited and approved" if approve else ("Submitted" if submit else "Saved")
    return f"{action}: {reason}" if reason else action


def return_save(
    *,
    indicator: Indicator,
    period: date,
    user,
    value: Decimal | None = None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    commentary: str = "",
    submit: bool = False,
    expected_version: int | None = None,
    reason: str = "",
    approve: bool = False,
) -> ReturnRow:
    """Enter or change a return's figure and commentary; return it with the RAG it earns.

    Saved as a draft unless `submit`; the performance team may `approve` in
    the same step (edit-and-approve, recorded in the history with `reason`).
    `expected_version` is the `Commentary.version` the user's form was loaded
    with: if someone saved since, `ReturnConflict` says what they saved.
    None skips the check (only for callers that show no form).
    """
    text = tidy_text(commentary)
    reason = (reason or "").strip()
    performance = is_performance_team(user)
    if approve and not performance:
        raise ReturnLocked("Only the performance team can approve returns.")
    try:
        with transaction.atomic():
            reporting_period, current = _locked_return(indicator, period)
            _check_lock(user, indicator, period, current, reporting_period)
            _check_version(current, expected_version, indicator, period)
            stored, errors = _figure_errors(indicator, value, numerator, denominator, text)
            if performance and correction_needs_reason(reporting_period) and not reason:
                errors["reason"] = [f"Give a reason for changing a return after {period_label(period)} closed."]
            if message := reason_error(reason):
                errors["reason"] = [message]
            if errors:
                raise ReturnError(errors)
            change_reason = _change_reason(reason, submit=submit, approve=approve)
            changed = _write_result(indicator, period, user, (stored, numerator, denominator), change_reason)
            changed = changed or current is None or tidy_text(current.text) != text
            status = _next_status(current, submit=submit, approve=approve, performance=performance, changed=changed)
            _write_commentary(current, indicator, period, user, text, status, changed, change_reason)
            row = _fetch_row(indicator, period)
            if needs_commentary_check(status.status, text):
                required = commentary_requirement(
                    indicator=indicator, period=period, rag=row.rag, variation=row.variation
                )
                if required:
                    raise ReturnError({"commentary": [required]})
            leaves_submitted = status.status in (CommentaryStatus.SUBMITTED, CommentaryStatus.APPROVED)
            if leaves_submitted and (changed or status.submitted or status.approved):
                if required := action_requirement(row):
                    raise ReturnError(required)
            return row
    except IntegrityError:
        # Someone else created this return at the same moment.
        raise _conflict(indicator, period) from None


def return_withdraw(
    *, indicator: Indicator, period: date, user, reason: str, expected_version: int | None = None
) -> ReturnRow:
    """Take back a figure entered by mistake (the wrong month, the wrong indicator), saying why.

    Whoever may change the return may withdraw its figure, under the same locks; the
    reason is kept in the figure's history (its deletion record) and the commentary's.
    The return becomes a draft again, its commentary kept, and the month is rated
    again as having no figure. Nothing is withdrawn if any of that is refused.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        reporting_period, current = _locked_return(indicator, period)
        _check_lock(user, indicator, period, current, reporting_period)
        _check_version(current, expected_version, indicator, period)
        result = Result.objects.filter(indicator=indicator, period=period).first()
        if result is None:
            raise ReturnError(f"{indicator.code} has no figure for {period_label(period)} to withdraw.")
        if not reason:
            raise ReturnError({"reason": ["Say why the figure is being withdrawn: the history keeps it."]})
        if message := reason_error(reason):
            raise ReturnError({"reason": [message]})
        _ensure_baseline(result)
        delete_with_history(result, user, f"Withdrawn: {reason}")
        if current is not None:
            current.set_status(CommentaryStatus.DRAFT)
            current.version += 1
            save_with_history(current, user, f"Figure withdrawn: {reason}")
        return _fetch_row(indicator, period)


def _submitted_for_decision(user, indicator: Indicator, period: date, expected_version: int | None) -> Commentary:
    if not is_performance_team(user):
        raise ReturnLocked("Only the performance team can approve or return a return.")
    reporting_period, current = _locked_return(indicator, period)
    _check_lock(user, indicator, period, current, reporting_period)
    _check_version(current, expected_version, indicator, period)
    if current is None or current.status != CommentaryStatus.SUBMITTED:
        status = current.get_status_display().lower() if current else "missing"
        raise ReturnError(f"Only a submitted return can be approved or returned; {indicator.code} is {status}.")
    return current


def return_approve(*, indicator: Indicator, period: date, user, expected_version: int | None = None) -> Commentary:
    """The performance team approves a submitted return as it stands.

    The commentary rule is checked again (`_check_approvable`): the return may have been
    submitted under an older rule, or its figure rated since by a new threshold or an
    earlier month's change.
    """
    with transaction.atomic():
        current = _submitted_for_decision(user, indicator, period, expected_version)
        _check_approvable(current, indicator, period)
        current.status = CommentaryStatus.APPROVED
        current.approver, current.approved_at = user, timezone.now()
        current.version += 1
        save_with_history(current, user, "Approved")
        return current


def _check_approvable(current: Commentary, indicator: Indicator, period: date) -> None:
    """Refuse to approve a return without the commentary `KPIDASH_COMMENTARY_REQUIRED_FOR` asks of it now."""
    if not needs_commentary_check(CommentaryStatus.APPROVED, current.text):
        return
    row = _fetch_row(indicator, period)
    why = _commentary_needed_because(indicator=indicator, period=period, rag=row.rag, variation=row.variation)
    if why:
        raise ReturnError(
            f"{why}, and the return has no commentary, so it cannot be approved: add commentary and use "
            "Save and approve, or send it back to its owner to explain the figure."
        )


def return_send_back(
    *, indicator: Indicator, period: date, user, reason: str, expected_version: int | None = None
) -> Commentary:
    """The performance team returns a submitted return to its owner, saying why."""
    reason = (reason or "").strip()
    with transaction.atomic():
        current = _submitted_for_decision(user, indicator, period, expected_version)
        if not reason:
            raise ReturnError({"reason": ["Say why the return is being sent back, so its owner can put it right."]})
        if message := reason_error(reason, SEND_BACK_REASON_MAX_LENGTH):
            raise ReturnError({"reason": [message]})
        current.set_status(CommentaryStatus.RETURNED)
        current.return_reason = reason
        current.version += 1
        save_with_history(current, user, f"Returned: {reason}")
        return current


def returns_bulk_approve(*, user, versions: dict[int, int]) -> tuple[list[Commentary], list[str]]:
    """Approve several submitted returns: commentary id → the version the user saw.

    Each is approved on its own; the ones that cannot be (changed since, no
    longer submitted, without commentary the rule now needs) are left alone and
    explained in the second list.
    """
    if not is_performance_team(user):
        raise ReturnLocked("Only the performance team can approve returns.")
    approved, skipped = [], []
    chosen = Commentary.objects.filter(pk__in=versions).select_related("indicator")
    for commentary in chosen.order_by("period", "indicator__code"):
        try:
            approved.append(
                return_approve(
                    indicator=commentary.indicator,
                    period=commentary.period,
                    user=user,
                    expected_version=versions[commentary.pk],
                )
            )
        except ReturnError as exc:
            skipped.append(f"{commentary.indicator.code} {period_label(commentary.period)} was not approved. {exc}")
    return approved, skipped


# --- periods ------------------------------------------------------------------


def _require_performance_team(user) -> None:
    if not is_performance_team(user):
        raise ReturnLocked("Only the performance team can open and close reporting periods.")


@transaction.atomic
def period_open(*, period: date, deadline: date, user) -> ReportingPeriod:
    """Open a month for returns (or reopen a closed one) with a deadline."""
    _require_performance_team(user)
    errors: dict[str, list[str]] = {}
    if period.day != 1:
        errors["period"] = ["A reporting period is a whole month: give its first day."]
    elif period > timezone.localdate().replace(day=1):
        errors["period"] = [f"{period_label(period)} has not started yet."]
    if deadline < period:
        errors["deadline"] = [DEADLINE_BEFORE_MONTH]
    existing = ReportingPeriod.objects.select_for_update().filter(period=period).first()
    if existing is not None and existing.is_open and not errors:
        errors["period"] = [f"{period_label(period)} is already open."]
    if errors:
        raise ReturnError(errors)
    reporting_period = existing or ReportingPeriod(period=period)
    reporting_period.status, reporting_period.deadline = PeriodStatus.OPEN, deadline
    reporting_period.opened_by, reporting_period.opened_at = user, timezone.now()
    reporting_period.closed_by, reporting_period.closed_at = None, None
    save_with_history(reporting_period, user, "Reopened" if existing else "Opened")
    return reporting_period


@transaction.atomic
def period_close(*, period: date, user) -> ReportingPeriod:
    """Close a month: owners can no longer change its returns.

    It waits for the month's saves and imports in flight (each holds the month's
    row FOR SHARE, see `_locked_return`), and saves that start meanwhile wait for it.
    """
    _require_performance_team(user)
    reporting_period = ReportingPeriod.objects.select_for_update().filter(period=period).first()
    if reporting_period is None or not reporting_period.is_open:
        raise ReturnError(f"{period_label(period)} is not open, so it cannot be closed.")
    reporting_period.status = PeriodStatus.CLOSED
    reporting_period.closed_by, reporting_period.closed_at = user, timezone.now()
    save_with_history(reporting_period, user, "Closed")
    return reporting_period
