from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Commentary, CommentaryStatus, Indicator, Result
from indicators.rules import Rag
from indicators.spc import Variation
from returns.models import PeriodStatus, ReportingPeriod
from returns.services import (
    ReturnConflict,
    ReturnError,
    ReturnLocked,
    period_close,
    period_open,
    return_approve,
    return_save,
    return_send_back,
    returns_bulk_approve,
)
from tests.returns.conftest import DEC, NOV, steady_history

D = Decimal


def _save(indicator, user, **kwargs):
    return return_save(indicator=indicator, period=DEC, user=user, **kwargs)


def _commentary(indicator, period=DEC):
    return Commentary.objects.get(indicator=indicator, period=period)


# --- entering figures -------------------------------------------------------------


def test_owner_saves_a_draft_and_sees_the_rag_it_earns(open_period, ict02, owner_user):
    row = _save(ict02, owner_user, value=D("85"))
    assert row.rag is Rag.RED
    assert row.status == "entered"
    result = Result.objects.get(indicator=ict02, period=DEC)
    assert result.value == D("85") and result.entered_by == owner_user
    assert _commentary(ict02).status == CommentaryStatus.DRAFT
    assert _commentary(ict02).version == 1


@pytest.mark.parametrize(("value", "rag"), [("96", Rag.GREEN), ("95", Rag.GREEN), ("92", Rag.AMBER), ("89.9", Rag.RED)])
def test_the_rag_shown_on_save_follows_the_indicators_target_and_floor(open_period, ict02, owner_user, value, rag):
    assert _save(ict02, owner_user, value=D(value), commentary="Explained.").rag is rag


def test_numerator_and_denominator_give_the_value(open_period, ict02, owner_user):
    row = _save(ict02, owner_user, numerator=D("450"), denominator=D("500"))
    assert row.value == D("90")
    assert Result.objects.get(indicator=ict02, period=DEC).numerator == D("450")


@pytest.mark.parametrize(
    ("figures", "field", "message"),
    [
        ({}, "value", "Enter a value, or a numerator and a denominator."),
        ({"value": D("101")}, "value", "A percentage must be between 0 and 100; 101 is not."),
        ({"value": D("-1")}, "value", "A percentage must be between 0 and 100; -1 is not."),
        ({"numerator": D("5")}, "denominator", "Enter the denominator too, or neither."),
        ({"numerator": D("5"), "denominator": D("0")}, "denominator", "The denominator cannot be zero."),
        (
            {"numerator": D("501"), "denominator": D("500")},
            "numerator",
            "The numerator (501) must not be more than the denominator (500) for ICT02.",
        ),
        (
            {"value": D("90"), "numerator": D("1"), "denominator": D("2")},
            "value",
            "The value (90) does not match the numerator and denominator (1 / 2 gives 50): "
            "give the value or the fraction, or make them agree.",
        ),
        (
            {"numerator": D("-900"), "denominator": D("-2")},
            "denominator",
            "The denominator must be more than zero; -2 is not (a negative figure's minus sign goes on the numerator).",
        ),
        ({"numerator": D("1"), "denominator": D("-2")}, "denominator", None),
        ({"value": D("90"), "commentary": "Line one\x0bline two"}, "commentary", None),
        ({"value": D("90"), "commentary": "x" * 5001}, "commentary", None),
    ],
)
def test_bad_figures_are_refused_with_a_field_error_and_nothing_is_written(
    open_period, ict02, owner_user, figures, field, message
):
    with pytest.raises(ReturnError) as caught:
        _save(ict02, owner_user, **figures)
    assert list(caught.value.errors) == [field]
    if message is not None:
        assert caught.value.errors == {field: [message]}
    assert not Result.objects.filter(indicator=ict02, period=DEC).exists()
    assert not Commentary.objects.filter(indicator=ict02, period=DEC).exists()


def test_a_value_given_with_a_fraction_that_agrees_to_the_shown_places_stores_the_fractions_value(
    open_period, ict02, owner_user
):
    row = _save(ict02, owner_user, value=D("33.3"), numerator=D("1"), denominator=D("3"))
    assert row.value == D("33.333333")


def test_commentary_over_the_limit_or_with_a_control_character_says_why(open_period, ict02, owner_user):
    with pytest.raises(ReturnError) as caught:
        _save(ict02, owner_user, value=D("90"), commentary="x" * 5001)
    assert caught.value.errors["commentary"] == ["Keep the commentary to 5,000 characters or fewer; it has 5,001."]
    with pytest.raises(ReturnError) as caught:
        _save(ict02, owner_user, value=D("90"), commentary="Escape \x1b[31m red")
    assert "control character (U+001B, escape) at character 8" in caught.value.errors["commentary"][0]
    assert _save(ict02, owner_user, value=D("90"), commentary="Tab\tand\nnew line").value == D("90")


def test_an_indicator_may_allow_percentages_outside_0_to_100(open_period, ict02, owner_user):
    Indicator.objects.filter(pk=ict02.pk).update(allow_out_of_range=True)
    ict02.refresh_from_db()
    assert _save(ict02, owner_user, value=D("120")).value == D("120")


def test_an_indicator_may_allow_a_numerator_above_the_denominator(open_period, ict02, owner_user):
    Indicator.objects.filter(pk=ict02.pk).update(numerator_le_denominator=False, allow_out_of_range=True)
    ict02.refresh_from_db()
    assert _save(ict02, owner_user, numerator=D("6"), denominator=D("5")).value == D("120")


def test_submitting_a_red_figure_without_commentary_is_refused_and_writes_nothing(open_period, ict02, owner_user):
    with pytest.raises(ReturnError) as caught:
        _save(ict02, owner_user, value=D("85"), submit=True)
    assert caught.value.errors["commentary"][0].startswith("Enter commentary: ICT02 is rated Red for December 2019")
    assert not Result.objects.filter(indicator=ict02, period=DEC).exists()


def test_submitting_an_amber_figure_needs_commentary_but_a_green_one_does_not(open_period, ict01, ict02, owner_user):
    with pytest.raises(ReturnError):
        _save(ict02, owner_user, value=D("92"), submit=True)
    assert _save(ict01, owner_user, value=D("75"), submit=True).status == "submitted"


def test_which_ratings_need_commentary_is_configurable(open_period, ict02, owner_user, settings):
    settings.KPIDASH_COMMENTARY_REQUIRED_FOR = ["red"]
    assert _save(ict02, owner_user, value=D("92"), submit=True).status == "submitted"
    settings.KPIDASH_COMMENTARY_REQUIRED_FOR = []
    assert _save(ict02, owner_user, value=D("80"), submit=True).status == "submitted"


# --- locks ------------------------------------------------------------------------


def test_another_owner_cannot_enter_figures_for_an_indicator_they_do_not_own(open_period, ict02, other_owner_user):
    with pytest.raises(ReturnLocked, match="ICT02 is not your indicator"):
        _save(ict02, other_owner_user, value=D("96"))
    assert not Result.objects.filter(indicator=ict02, period=DEC).exists()


@pytest.mark.parametrize("persona", ["clerk_user", "viewer_user"])
def test_clerks_and_viewers_cannot_enter_figures(open_period, ict02, persona, request):
    with pytest.raises(ReturnLocked, match="not your indicator"):
        _save(ict02, request.getfixturevalue(persona), value=D("96"))


def test_a_month_that_is_not_open_is_locked(demo, ict02, owner_user, performance_user):
    for user in (owner_user, performance_user):
        with pytest.raises(ReturnLocked, match="December 2019 is not open for returns"):
            _save(ict02, user, value=D("96"))


def test_a_quarterly_indicator_is_locked_outside_its_quarter_ends(demo, owner_user):
    ReportingPeriod.objects.create(period=date(2020, 1, 1), deadline=date(2020, 2, 10))
    hr03 = Indicator.objects.get(code="HR03")
    hr03.owners.set([owner_user])
    with pytest.raises(ReturnLocked, match="Quarterly indicators report only on quarter ends"):
        return_save(indicator=hr03, period=date(2020, 1, 1), user=owner_user, value=D("90"))


def test_after_close_owners_cannot_change_figures(closed_period, ict02, owner_user):
    before = Result.objects.get(indicator=ict02, period=NOV).value
    with pytest.raises(ReturnLocked, match="November 2019 is closed"):
        return_save(indicator=ict02, period=NOV, user=owner_user, value=D("96"))
    assert Result.objects.get(indicator=ict02, period=NOV).value == before


def test_the_performance_team_corrects_a_closed_month_only_with_a_reason(closed_period, ict02, performance_user):
    with pytest.raises(ReturnError) as caught:
        return_save(indicator=ict02, period=NOV, user=performance_user, value=D("89"), commentary="x")
    assert caught.value.errors == {"reason": ["Give a reason for changing a return after November 2019 closed."]}
    return_save(
        indicator=ict02,
        period=NOV,
        user=performance_user,
        value=D("89"),
        commentary="Corrected.",
        reason="Help desk survey recount",
    )
    result = Result.objects.get(indicator=ict02, period=NOV)
    assert result.value == D("89")
    latest = result.history.first()
    assert latest.history_user == performance_user
    assert latest.history_change_reason == "Saved: Help desk survey recount"
    assert latest.prev_record.value == D("88.6")


def test_an_approved_return_is_locked_for_its_owner(open_period, ict01, owner_user, performance_user):
    _save(ict01, owner_user, value=D("75"), submit=True)
    return_approve(indicator=ict01, period=DEC, user=performance_user)
    with pytest.raises(ReturnLocked, match="the performance team has approved it"):
        _save(ict01, owner_user, value=D("76"))


# --- concurrency ------------------------------------------------------------------


def test_the_second_of_two_saves_from_the_same_version_gets_a_conflict_naming_the_first(
    open_period, ict02, owner_user, performance_user
):
    performance_user.first_name, performance_user.last_name = "Rachel", "Analyst"
    performance_user.save()
    _save(ict02, performance_user, value=D("96"), expected_version=0)
    with pytest.raises(ReturnConflict) as caught:
        _save(ict02, owner_user, value=D("85"), commentary="Mine", expected_version=0)
    message = str(caught.value)
    assert "Rachel Analyst changed this return" in message
    assert "the value is now 96.0%" in message
    assert "Your changes have not been saved" in message
    assert Result.objects.get(indicator=ict02, period=DEC).value == D("96")
    assert _commentary(ict02).text == ""


def test_a_save_from_the_current_version_succeeds(open_period, ict02, owner_user):
    _save(ict02, owner_user, value=D("96"), expected_version=0)
    _save(ict02, owner_user, value=D("97"), expected_version=1)
    assert _commentary(ict02).version == 2


def test_approving_a_return_changed_since_it_was_loaded_is_a_conflict(open_period, ict01, owner_user, performance_user):
    _save(ict01, owner_user, value=D("75"), submit=True)
    _save(ict01, owner_user, value=D("76"), submit=True)
    with pytest.raises(ReturnConflict):
        return_approve(indicator=ict01, period=DEC, user=performance_user, expected_version=1)
    assert _commentary(ict01).status == CommentaryStatus.SUBMITTED


# --- approval ---------------------------------------------------------------------


def test_edit_and_approve_records_the_edit_and_who_approved(open_period, ict02, owner_user, performance_user):
    _save(ict02, owner_user, value=D("85"), commentary="Survey down.", submit=True)
    _save(ict02, performance_user, value=D("86"), commentary="Survey down.", approve=True, reason="Typo")
    commentary = _commentary(ict02)
    assert commentary.status == CommentaryStatus.APPROVED and commentary.approver == performance_user
    record = Result.objects.get(indicator=ict02, period=DEC).history.first()
    assert (record.history_user, record.history_change_reason) == (performance_user, "Edited and approved: Typo")
    assert record.prev_record.value == D("85")


def test_an_edit_to_an_approved_return_puts_it_back_to_submitted(open_period, ict01, owner_user, performance_user):
    _save(ict01, owner_user, value=D("75"), commentary="Fine.", submit=True)
    return_approve(indicator=ict01, period=DEC, user=performance_user)
    _save(ict01, performance_user, value=D("74"), commentary="Fine.")
    commentary = _commentary(ict01)
    assert commentary.status == CommentaryStatus.SUBMITTED and commentary.approver is None
    statuses = [h.status for h in commentary.history.order_by("history_date", "history_id")]
    assert statuses == ["draft", "submitted", "approved", "submitted"][-len(statuses) :]
    assert "approved" in statuses


def test_sending_back_needs_a_reason_that_the_owner_then_sees(open_period, ict01, owner_user, performance_user):
    _save(ict01, owner_user, value=D("75"), submit=True)
    with pytest.raises(ReturnError, match="Say why"):
        return_send_back(indicator=ict01, period=DEC, user=performance_user, reason="  ")
    return_send_back(indicator=ict01, period=DEC, user=performance_user, reason="Check the call logs")
    assert (_commentary(ict01).status, _commentary(ict01).return_reason) == ("returned", "Check the call logs")


def test_a_reason_over_its_limit_is_refused_by_the_service_as_by_the_form(
    closed_period, ict02, performance_user, owner_user
):
    with pytest.raises(ReturnError) as caught:
        return_save(indicator=ict02, period=NOV, user=performance_user, value=D("89"), reason="r" * 501)
    assert caught.value.errors == {"reason": ["Keep the reason to 500 characters or fewer; it has 501."]}
    assert Result.objects.get(indicator=ict02, period=NOV).value == D("88.6")


def test_a_send_back_reason_over_its_limit_is_refused_and_changes_nothing(
    open_period, ict01, owner_user, performance_user
):
    _save(ict01, owner_user, value=D("75"), submit=True)
    with pytest.raises(ReturnError, match="Keep the reason to 2,000 characters or fewer; it has 2,001."):
        return_send_back(indicator=ict01, period=DEC, user=performance_user, reason="r" * 2001)
    assert _commentary(ict01).status == "submitted"


def test_only_the_performance_team_approves(open_period, ict01, owner_user):
    _save(ict01, owner_user, value=D("75"), submit=True)
    with pytest.raises(ReturnLocked):
        return_approve(indicator=ict01, period=DEC, user=owner_user)
    with pytest.raises(ReturnLocked):
        _save(ict01, owner_user, value=D("75"), approve=True)


def test_bulk_approve_approves_unchanged_returns_and_explains_the_rest(
    open_period, ict01, ict02, owner_user, performance_user
):
    _save(ict01, owner_user, value=D("75"), submit=True)
    _save(ict02, owner_user, value=D("96"), submit=True)
    versions = {_commentary(ict01).pk: 1, _commentary(ict02).pk: 1}
    _save(ict02, owner_user, value=D("97"), submit=True)  # changed after the queue was loaded
    approved, skipped = returns_bulk_approve(user=performance_user, versions=versions)
    assert [c.indicator.code for c in approved] == ["ICT01"]
    assert len(skipped) == 1 and skipped[0].startswith("ICT02 December 2019 was not approved.")
    assert _commentary(ict02).status == CommentaryStatus.SUBMITTED


# --- periods ----------------------------------------------------------------------


def test_the_performance_team_opens_and_closes_a_month(demo, performance_user):
    opened = period_open(period=DEC, deadline=date(2020, 1, 10), user=performance_user)
    assert (opened.status, opened.opened_by) == (PeriodStatus.OPEN, performance_user)
    closed = period_close(period=DEC, user=performance_user)
    assert (closed.status, closed.closed_by) == (PeriodStatus.CLOSED, performance_user)
    reopened = period_open(period=DEC, deadline=date(2020, 1, 17), user=performance_user)
    assert (reopened.status, reopened.deadline, reopened.closed_by) == (PeriodStatus.OPEN, date(2020, 1, 17), None)
    assert reopened.history.first().history_change_reason == "Reopened"


@pytest.mark.parametrize(
    ("period", "deadline", "errors"),
    [
        (
            date(2019, 12, 2),
            date(2020, 1, 10),
            {"period": ["A reporting period is a whole month: give its first day."]},
        ),
        (DEC, date(2019, 11, 30), {"deadline": ["The deadline cannot be before the month it is for."]}),
        (date(2999, 1, 1), date(2999, 2, 1), {"period": ["January 2999 has not started yet."]}),
    ],
)
def test_opening_a_period_checks_the_month_and_deadline(demo, performance_user, period, deadline, errors):
    with pytest.raises(ReturnError) as caught:
        period_open(period=period, deadline=deadline, user=performance_user)
    assert caught.value.errors == errors
    assert not ReportingPeriod.objects.exists()


def test_a_month_cannot_be_opened_twice_or_closed_when_not_open(open_period, performance_user):
    with pytest.raises(ReturnError, match="December 2019 is already open"):
        period_open(period=DEC, deadline=date(2020, 1, 10), user=performance_user)
    with pytest.raises(ReturnError, match="January 2020 is not open"):
        period_close(period=date(2020, 1, 1), user=performance_user)


def test_only_the_performance_team_opens_periods(demo, owner_user):
    with pytest.raises(ReturnLocked):
        period_open(period=DEC, deadline=date(2020, 1, 10), user=owner_user)


# --- a special cause of concern (SPC, issue 16 item 6) ---------------------------------------

CONCERN_MESSAGE = (
    "Enter commentary: ICT01's figure for December 2019 shows special cause concern (lower) on its SPC chart, "
    "so explain the figure and what is being done about it."
)


def test_submitting_a_figure_that_is_a_special_cause_of_concern_needs_commentary(open_period, ict01, owner_user):
    steady_history(ict01)  # limits 85.68 to 96.32; ICT01's target is 70, so 80 is Green
    with pytest.raises(ReturnError) as caught:
        _save(ict01, owner_user, value=D("80"), submit=True)
    assert caught.value.errors["commentary"] == [CONCERN_MESSAGE]
    assert not Result.objects.filter(indicator=ict01, period=DEC).exists()

    row = _save(ict01, owner_user, value=D("80"), commentary="The phone system was down for a week.", submit=True)
    assert (row.status, row.rag, row.variation, row.concern) == ("submitted", Rag.GREEN, Variation.CONCERN_LOW, True)


@pytest.mark.parametrize(("value", "variation"), [("91", Variation.COMMON_CAUSE), ("99", Variation.IMPROVEMENT_HIGH)])
def test_common_cause_or_an_improvement_submits_without_commentary(open_period, ict01, owner_user, value, variation):
    steady_history(ict01)
    row = _save(ict01, owner_user, value=D(value), submit=True)
    assert (row.status, row.variation, row.concern) == ("submitted", variation, False)


def test_a_concerning_draft_saves_without_commentary_and_knows_it_is_a_concern(open_period, ict01, owner_user):
    steady_history(ict01)
    row = _save(ict01, owner_user, value=D("80"))
    assert (row.status, row.concern) == ("entered", True)


def test_whether_a_concern_needs_commentary_is_configurable(open_period, ict01, owner_user, settings):
    steady_history(ict01)
    settings.KPIDASH_COMMENTARY_REQUIRED_FOR = ["amber", "red"]
    assert _save(ict01, owner_user, value=D("80"), submit=True).status == "submitted"


def test_a_red_figure_that_is_also_a_concern_gives_both_reasons(open_period, ict02, owner_user, settings):
    steady_history(ict02, 96, 98)  # limits 91.68 to 102.32; target 95, floor 90
    with pytest.raises(ReturnError) as caught:
        _save(ict02, owner_user, value=D("85"), submit=True)
    assert caught.value.errors["commentary"] == [
        "Enter commentary: ICT02 is rated Red for December 2019 and shows special cause concern (lower) on its SPC "
        "chart, so explain the figure and what is being done about it."
    ]
    settings.KPIDASH_COMMENTARY_REQUIRED_FOR = ["concern"]  # Red alone would not need it now
    with pytest.raises(ReturnError, match="ICT02's figure for December 2019 shows special cause concern"):
        _save(ict02, owner_user, value=D("85"), submit=True)


def test_with_too_short_a_history_there_is_no_concern_and_no_commentary_needed(open_period, ict01, owner_user):
    steady_history(ict01, months=8)  # 9 values with December's: SPC needs 13
    row = _save(ict01, owner_user, value=D("80"), submit=True)
    assert (row.status, row.variation) == ("submitted", Variation.NONE)


def test_the_performance_teams_edit_and_approve_keeps_the_same_rule(open_period, ict01, owner_user, performance_user):
    steady_history(ict01)
    _save(ict01, owner_user, value=D("91"), submit=True)
    version = _commentary(ict01).version
    with pytest.raises(ReturnError) as caught:
        _save(ict01, performance_user, value=D("80"), approve=True, expected_version=version)
    assert caught.value.errors["commentary"] == [CONCERN_MESSAGE]
    with pytest.raises(ReturnError):  # a plain save leaves a submitted return submitted: the same rule
        _save(ict01, performance_user, value=D("80"), expected_version=version)
    assert Result.objects.get(indicator=ict01, period=DEC).value == D("91")


# --- approval checks the commentary rule again ------------------------------------------


def _approve_refused(indicator, user, message):
    """Approving is refused with `message` and changes nothing: status, version and history as they were."""
    current = _commentary(indicator)
    history = current.history.count()
    with pytest.raises(ReturnError) as caught:
        return_approve(indicator=indicator, period=DEC, user=user, expected_version=current.version)
    assert str(caught.value) == message
    after = _commentary(indicator)
    assert (after.status, after.version, after.approver) == (CommentaryStatus.SUBMITTED, current.version, None)
    assert after.history.count() == history


APPROVE_CONCERN_MESSAGE = (
    "ICT01's figure for December 2019 shows special cause concern (lower) on its SPC chart, and the return has no "
    "commentary, so it cannot be approved: add commentary and use Save and approve, or send it back to its owner to "
    "explain the figure."
)


def test_approving_a_return_submitted_before_concern_needed_commentary_is_refused(
    open_period, ict01, owner_user, performance_user, settings
):
    steady_history(ict01)
    settings.KPIDASH_COMMENTARY_REQUIRED_FOR = ["amber", "red"]
    assert _save(ict01, owner_user, value=D("80"), submit=True).concern
    settings.KPIDASH_COMMENTARY_REQUIRED_FOR = ["amber", "red", "concern"]
    _approve_refused(ict01, performance_user, APPROVE_CONCERN_MESSAGE)


def test_approving_a_return_whose_figure_turned_red_after_the_target_changed_is_refused(
    open_period, ict02, owner_user, performance_user
):
    _save(ict02, owner_user, value=D("96"), submit=True)  # Green against a target of 95: no commentary needed
    threshold = ict02.thresholds.get(financial_year=2019)
    threshold.target, threshold.floor = D("99"), D("97")
    threshold.save()
    _approve_refused(
        ict02,
        performance_user,
        "ICT02 is rated Red for December 2019, and the return has no commentary, so it cannot be approved: add "
        "commentary and use Save and approve, or send it back to its owner to explain the figure.",
    )


def test_approving_a_return_that_became_a_concern_after_an_earlier_month_changed_is_refused(
    open_period, ict01, owner_user, performance_user
):
    steady_history(ict01, months=20)
    assert not _save(ict01, owner_user, value=D("87"), submit=True).concern  # inside limits of about 85.2 to 96.4
    # The earlier months are corrected to a steady 91: the limits close in around it and 87 falls below them.
    Result.objects.filter(indicator=ict01, period__lt=DEC).update(value=D("91"))
    Result.objects.get(indicator=ict01, period=NOV).save()  # the save re-rates November onwards
    _approve_refused(ict01, performance_user, APPROVE_CONCERN_MESSAGE)


def test_approving_a_return_with_the_commentary_the_rule_needs_goes_ahead(
    open_period, ict02, owner_user, performance_user
):
    _save(ict02, owner_user, value=D("85"), commentary="Staff shortages in November.", submit=True)
    approved = return_approve(indicator=ict02, period=DEC, user=performance_user, expected_version=1)
    assert (approved.status, approved.approver) == (CommentaryStatus.APPROVED, performance_user)


def test_bulk_approve_leaves_a_return_missing_required_commentary_and_says_why(
    open_period, ict01, ict02, owner_user, performance_user
):
    _save(ict01, owner_user, value=D("75"), submit=True)
    _save(ict02, owner_user, value=D("96"), submit=True)
    threshold = ict02.thresholds.get(financial_year=2019)
    threshold.target, threshold.floor = D("99"), D("97")
    threshold.save()  # Red now: a threshold saved by any path re-rates the year
    versions = {_commentary(ict01).pk: 1, _commentary(ict02).pk: 1}
    approved, skipped = returns_bulk_approve(user=performance_user, versions=versions)
    assert [c.indicator.code for c in approved] == ["ICT01"]
    assert skipped == [
        "ICT02 December 2019 was not approved. ICT02 is rated Red for December 2019, and the return has no "
        "commentary, so it cannot be approved: add commentary and use Save and approve, or send it back to its "
        "owner to explain the figure."
    ]
    assert (_commentary(ict02).status, _commentary(ict02).version) == (CommentaryStatus.SUBMITTED, 1)
