"""Every returns page for every persona, hand-crafted POSTs included, plus what the pages show."""

from collections import Counter
from datetime import date
from decimal import Decimal

import lxml.html
import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from indicators.models import Commentary, CommentaryStatus, Indicator, Result, Threshold
from returns.models import PeriodStatus, ReportingPeriod
from returns.rows import ReturnStatus, return_rows
from returns.services import return_save
from tests.personas import ANON, CLERK, OTHER, OWNER, PERSONAS, TEAM, VIEWER, expect, sign_in
from tests.returns.conftest import DEC, NOV, steady_history


@pytest.fixture
def setup(open_period, closed_period, ict02, fn01, personas):
    return personas


def _submitted(ict02, owner_user):
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("85"), commentary="Down.", submit=True)
    return Commentary.objects.get(indicator=ict02, period=DEC)


GETS = {
    "my_returns": (reverse("my_returns"), {OWNER: 200, OTHER: 200, TEAM: 200, CLERK: 403, VIEWER: 403, ANON: "login"}),
    "return": (
        reverse("return_edit", args=[DEC, "ICT02"]),
        {OWNER: 200, OTHER: 200, TEAM: 200, CLERK: 403, VIEWER: 403, ANON: "login"},
    ),
    "review": (reverse("review"), {OWNER: 403, OTHER: 403, TEAM: 200, CLERK: 403, VIEWER: 403, ANON: "login"}),
    "missing": (
        reverse("missing_returns"),
        {OWNER: 403, OTHER: 403, TEAM: 200, CLERK: 403, VIEWER: 403, ANON: "login"},
    ),
    "periods": (reverse("periods"), {OWNER: 403, OTHER: 403, TEAM: 200, CLERK: 403, VIEWER: 403, ANON: "login"}),
    "close": (
        reverse("period_close", args=[DEC]),
        {OWNER: 403, OTHER: 403, TEAM: 200, CLERK: 403, VIEWER: 403, ANON: "login"},
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", GETS)
def test_each_persona_gets_exactly_the_pages_its_role_allows(client, setup, persona, page):
    url, expected = GETS[page]
    expect(sign_in(client, setup, persona).get(url), expected[persona])


ENTER_OPEN = {OWNER: 302, OTHER: 403, TEAM: 302, CLERK: 403, VIEWER: 403, ANON: "login"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_posting_a_figure_for_the_open_month_is_allowed_only_for_the_owner_and_the_team(client, setup, persona):
    url = reverse("return_edit", args=[DEC, "ICT02"])
    response = sign_in(client, setup, persona).post(url, {"value": "96", "version": "0", "action": "save"})
    expect(response, ENTER_OPEN[persona])
    written = Result.objects.filter(indicator__code="ICT02", period=DEC).exists()
    assert written is (ENTER_OPEN[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_posting_to_a_closed_month_is_refused_except_a_team_correction_with_a_reason(client, setup, persona):
    url = reverse("return_edit", args=[NOV, "ICT02"])
    before = Result.objects.get(indicator__code="ICT02", period=NOV).value
    c = sign_in(client, setup, persona)
    response = c.post(url, {"value": "50", "commentary": "x", "version": "0", "action": "save"})
    expect(response, {OWNER: 403, OTHER: 403, TEAM: 400, CLERK: 403, VIEWER: 403, ANON: "login"}[persona])
    assert Result.objects.get(indicator__code="ICT02", period=NOV).value == before
    if persona == TEAM:
        assert "Give a reason for changing a return after November 2019 closed." in response.content.decode()
        data = {"value": "50", "commentary": "x", "version": "0", "action": "save", "reason": "Recount"}
        assert c.post(url, data).status_code == 302
        assert Result.objects.get(indicator__code="ICT02", period=NOV).value == Decimal("50")


@pytest.mark.parametrize("persona", PERSONAS)
def test_posting_another_owners_indicator_is_forbidden(client, setup, persona):
    url = reverse("return_edit", args=[DEC, "FN01"])
    response = sign_in(client, setup, persona).post(url, {"value": "99", "version": "0", "action": "submit"})
    expect(response, {OWNER: 403, OTHER: 302, TEAM: 302, CLERK: 403, VIEWER: 403, ANON: "login"}[persona])


DECISIONS = {OWNER: 403, OTHER: 403, TEAM: 302, CLERK: 403, VIEWER: 403, ANON: "login"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_team_approves_a_return(client, setup, persona):
    commentary = _submitted(Indicator.objects.get(code="ICT02"), setup[OWNER])
    url = reverse("return_decide", args=[DEC, "ICT02"])
    response = sign_in(client, setup, persona).post(url, {"action": "approve", "version": commentary.version})
    expect(response, DECISIONS[persona])
    commentary.refresh_from_db()
    assert (commentary.status == CommentaryStatus.APPROVED) is (persona == TEAM)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_team_sends_a_return_back(client, setup, persona):
    commentary = _submitted(Indicator.objects.get(code="ICT02"), setup[OWNER])
    url = reverse("return_decide", args=[DEC, "ICT02"])
    data = {"action": "send_back", "back-version": commentary.version, "back-reason": "Why?"}
    expect(sign_in(client, setup, persona).post(url, data), DECISIONS[persona])
    commentary.refresh_from_db()
    assert (commentary.status == CommentaryStatus.RETURNED) is (persona == TEAM)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_team_bulk_approves(client, setup, persona):
    commentary = _submitted(Indicator.objects.get(code="ICT02"), setup[OWNER])
    data = {"returns": [f"{commentary.pk}:{commentary.version}"]}
    expect(sign_in(client, setup, persona).post(reverse("review_approve"), data), DECISIONS[persona])
    commentary.refresh_from_db()
    assert (commentary.status == CommentaryStatus.APPROVED) is (persona == TEAM)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_team_opens_and_closes_periods(client, setup, persona):
    c = sign_in(client, setup, persona)
    expect(c.post(reverse("periods"), {"period": "2020-01", "deadline": "2020-02-10"}), DECISIONS[persona])
    assert ReportingPeriod.objects.filter(period="2020-01-01").exists() is (persona == TEAM)
    expect(c.post(reverse("period_close", args=[DEC])), DECISIONS[persona])
    assert ReportingPeriod.objects.get(period=DEC).status == (PeriodStatus.CLOSED if persona == TEAM else "open")


# --- what the pages say -------------------------------------------------------------


def test_my_returns_lists_each_owned_indicator_with_its_status(client, setup, owner_user):
    ict01 = Indicator.objects.get(code="ICT01")
    ict01.owners.set([owner_user])
    return_save(indicator=ict01, period=DEC, user=owner_user, value=Decimal("75"))
    client.force_login(owner_user)
    page = client.get(reverse("my_returns")).content.decode()
    assert "Returns for <strong>December 2019</strong> are due by <strong>10 January 2020</strong>" in page
    assert "ICT01" in page and "Entered, not submitted" in page
    assert "ICT02" in page and "Missing" in page
    assert "FN01" not in page


def test_saving_tells_the_owner_the_rag_the_figure_earns(client, setup, owner_user):
    client.force_login(owner_user)
    url = reverse("return_edit", args=[DEC, "ICT02"])
    response = client.post(url, {"value": "92", "version": "0", "action": "save"}, follow=True)
    assert "ICT02 for December 2019 saved: 92.0%. It is rated Amber." in response.content.decode()


def test_a_red_figure_without_commentary_cannot_be_submitted_and_the_form_says_why(client, setup, owner_user):
    client.force_login(owner_user)
    response = client.post(
        reverse("return_edit", args=[DEC, "ICT02"]), {"value": "85", "version": "0", "action": "submit"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Enter commentary: ICT02 is rated Red for December 2019" in page
    assert not Result.objects.filter(indicator__code="ICT02", period=DEC).exists()


def test_commentary_at_the_limit_with_paragraphs_as_a_browser_posts_them_is_saved(client, setup, owner_user):
    # A browser's maxlength counts a line break once but posts it as CRLF; the limit is the service's
    # (commentary_error, on the text as kept), the same for the form, the grid and the imports.
    text = "\r\n".join(["x" * 999] * 5) + "x"  # 5,000 characters as kept, 5,004 as posted
    client.force_login(owner_user)

    response = client.post(
        reverse("return_edit", args=[DEC, "ICT02"]), {"value": "96", "commentary": text, "version": "0"}
    )

    assert response.status_code == 302
    kept = Commentary.objects.get(indicator__code="ICT02", period=DEC).text
    assert len(kept) == 5000 and "\r" not in kept


def test_commentary_over_the_limit_is_refused_by_the_form_with_the_services_message(client, setup, owner_user):
    client.force_login(owner_user)

    response = client.post(
        reverse("return_edit", args=[DEC, "ICT02"]), {"value": "96", "commentary": "x" * 5001, "version": "0"}
    )

    assert response.status_code == 400
    assert "Keep the commentary to 5,000 characters or fewer; it has 5,001." in response.content.decode()
    assert not Result.objects.filter(indicator__code="ICT02", period=DEC).exists()


@pytest.mark.parametrize(
    ("period", "code", "persona", "reason"),
    [
        (NOV, "ICT02", OWNER, "November 2019 is closed"),
        (DEC, "FN01", OWNER, "FN01 is not your indicator"),
        ("2020-01", "ICT02", OWNER, "January 2020 is not open for returns"),
    ],
)
def test_every_locked_form_says_why(client, setup, period, code, persona, reason):
    client.force_login(setup[persona])
    page = client.get(f"/returns/{period if isinstance(period, str) else period.strftime('%Y-%m')}/{code}/")
    text = page.content.decode()
    assert page.status_code == 200 and reason in text
    assert 'name="action"' not in text


def test_an_approved_return_says_it_is_locked_for_its_owner(client, setup, owner_user, performance_user):
    ict02 = Indicator.objects.get(code="ICT02")
    commentary = _submitted(ict02, owner_user)
    client.force_login(performance_user)
    data = {"action": "approve", "version": commentary.version}
    response = client.post(reverse("return_decide", args=[DEC, "ICT02"]), data)
    assert response.status_code == 302
    client.force_login(owner_user)
    text = client.get(reverse("return_edit", args=[DEC, "ICT02"])).content.decode()
    assert "the performance team has approved it" in text and 'name="action"' not in text


def test_a_second_save_from_a_stale_form_shows_the_other_persons_value(client, setup, owner_user, performance_user):
    url = reverse("return_edit", args=[DEC, "ICT02"])
    client.force_login(performance_user)
    assert client.post(url, {"value": "96", "version": "0", "action": "save"}).status_code == 302
    client.force_login(owner_user)
    response = client.post(url, {"value": "85", "commentary": "Mine", "version": "0", "action": "save"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "test-performance changed this return" in text and "the value is now 96.0%" in text
    assert Result.objects.get(indicator__code="ICT02", period=DEC).value == Decimal("96")


SCRIPT = '<script>alert("x")</script><b>bold</b>'


def test_commentary_with_html_or_script_is_shown_as_text(client, setup, owner_user, performance_user):
    ict02 = Indicator.objects.get(code="ICT02")
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("85"), commentary=SCRIPT, submit=True)
    client.force_login(performance_user)
    data = {"action": "send_back", "back-version": 1, "back-reason": SCRIPT}
    assert client.post(reverse("return_decide", args=[DEC, "ICT02"]), data).status_code == 302
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("85"), commentary=SCRIPT, submit=True)
    pages = [reverse("review"), reverse("return_edit", args=[DEC, "ICT02"])]
    for url in pages:
        text = client.get(url).content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in text, url
        assert SCRIPT not in text
    Commentary.objects.filter(indicator=ict02).update(status=CommentaryStatus.RETURNED, return_reason=SCRIPT)
    client.force_login(owner_user)
    text = client.get(reverse("my_returns")).content.decode()
    assert "Reason: &lt;script&gt;" in text and SCRIPT not in text


def test_review_queue_shows_figure_rag_target_previous_values_commentary(client, setup, owner_user, performance_user):
    _submitted(Indicator.objects.get(code="ICT02"), owner_user)
    client.force_login(performance_user)
    text = client.get(reverse("review")).content.decode()
    assert "1 submitted return" in text
    assert "85.0%" in text and "kp-rag--red" in text and "Nov 2019: 88.6%" in text and "Down." in text
    assert "Target: 95.0%, floor standard 90.0% (2019/20)" in text  # what the figure is rated against


def test_missing_returns_lists_unsubmitted_returns_with_their_owners(client, setup, owner_user, performance_user):
    owner_user.first_name, owner_user.last_name = "Sam", "Owner"
    owner_user.save()
    _submitted(Indicator.objects.get(code="ICT02"), owner_user)
    client.force_login(performance_user)
    text = client.get(reverse("missing_returns")).content.decode()
    assert "FN01" in text and "test-other-owner" in text
    assert "ICT02" not in text


def test_opening_a_period_with_a_bad_month_shows_a_specific_error(client, setup, performance_user):
    client.force_login(performance_user)
    response = client.post(reverse("periods"), {"period": "2019-13", "deadline": "2020-01-10"})
    assert response.status_code == 400
    assert "&#x27;2019-13&#x27; is not a valid period: month must be 01–12" in response.content.decode()


@pytest.mark.parametrize(
    ("deadline", "warned"),
    [("2020-02-10", None), ("2020-02-08", "is at a weekend"), ("2020-04-13", "is a bank holiday or closure day")],
)
def test_opening_a_period_warns_when_the_deadline_falls_on_a_closed_day(
    client, setup, performance_user, deadline, warned
):
    client.force_login(performance_user)
    response = client.post(reverse("periods"), {"period": "2020-01", "deadline": deadline}, follow=True)
    page = response.content.decode()
    assert "January 2020 is open for returns until" in page
    assert ReportingPeriod.objects.filter(period="2020-01-01").exists()  # a warning, not a refusal
    if warned:
        assert warned in page and "Important" in page
    else:
        assert "owners may not be at work that day" not in page


# --- constant query counts ------------------------------------------------------


def _count(client, url) -> int:
    cache.clear()  # the roles come from the cache once read: count from the same start every time
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert client.get(url).status_code == 200
    assert queries, "no queries were counted"
    return len(queries)


def test_my_returns_and_review_use_the_same_number_of_queries_for_2_or_20_returns(
    client, setup, owner_user, performance_user
):
    codes = list(
        Indicator.objects.filter(
            directorate__slug="strategic-and-corporate-services", kind="kpi", frequency="monthly"
        ).values_list("code", flat=True)
    )
    Indicator.objects.get(code="ICT02").owners.remove(owner_user)
    counts = []
    for size in (2, 12):
        for code in codes[:size]:
            indicator = Indicator.objects.get(code=code)
            indicator.owners.add(owner_user)
            if not Commentary.objects.filter(indicator=indicator, period=DEC).exists():
                return_save(
                    indicator=indicator,
                    period=DEC,
                    user=owner_user,
                    value=Decimal("99.9"),
                    commentary="ok",
                    submit=True,
                )
        client.force_login(owner_user)
        mine = _count(client, reverse("my_returns"))
        client.force_login(performance_user)
        counts.append((mine, _count(client, reverse("review"))))
    assert counts[0] == counts[1]
    assert len(Commentary.objects.filter(period=DEC, status=CommentaryStatus.SUBMITTED)) >= 12


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_team_sends_reminders_now(client, setup, persona, django_capture_on_commit_callbacks):
    signed_in = sign_in(client, setup, persona)  # signing in has on-commit work of its own
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = signed_in.post(reverse("reminders_send_now"))
    expect(response, DECISIONS[persona])
    assert len(callbacks) == (1 if persona == TEAM else 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "abc", "version": "0", "action": "save"}, "Enter a number."),
        ({"value": "90", "action": "save"}, "This field is required."),
        ({"value": "90", "version": "x", "action": "save"}, "Enter a whole number."),
        ({"value": "1,2,3", "version": "0", "action": "save"}, "a comma may only separate thousands"),
        ({"numerator": "-900", "denominator": "-2", "version": "0", "action": "save"}, "must be more than zero"),
        ({"value": "90", "commentary": "Esc\x1b", "version": "0", "action": "save"}, "U+001B"),
    ],
)
def test_hand_crafted_bad_input_gets_a_specific_error_and_writes_nothing(client, setup, owner_user, data, message):
    client.force_login(owner_user)
    response = client.post(reverse("return_edit", args=[DEC, "ICT02"]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Result.objects.filter(indicator__code="ICT02", period=DEC).exists()


def test_a_figure_with_thousands_commas_is_read_on_the_form_as_in_a_spreadsheet(client, setup, owner_user):
    Indicator.objects.filter(code="ICT02").update(allow_out_of_range=True)
    client.force_login(owner_user)
    data = {"value": "1,234.5", "version": "0", "action": "save"}
    assert client.post(reverse("return_edit", args=[DEC, "ICT02"]), data).status_code == 302
    assert Result.objects.get(indicator__code="ICT02", period=DEC).value == Decimal("1234.5")


def test_bulk_approve_with_unreadable_choices_says_so(client, setup, performance_user):
    client.force_login(performance_user)
    response = client.post(reverse("review_approve"), {"returns": ["1:x"]}, follow=True)
    assert "The returns chosen could not be read" in response.content.decode()
    response = client.post(reverse("review_approve"), {}, follow=True)
    assert "Choose at least one return to approve." in response.content.decode()


def test_a_period_that_is_not_a_month_in_the_url_is_not_found(client, setup, owner_user):
    client.force_login(owner_user)
    assert client.get("/returns/2019-13/ICT02/").status_code == 404
    assert client.get("/returns/2019-12/NOPE/").status_code == 404


def test_the_form_shows_a_stored_figure_as_typed_not_at_the_databases_scale(client, setup, owner_user):
    return_save(indicator=Indicator.objects.get(code="ICT02"), period=DEC, user=owner_user, value=Decimal("92.50"))
    client.force_login(owner_user)
    page = client.get(reverse("return_edit", args=[DEC, "ICT02"])).content.decode()
    assert 'value="92.5"' in page and "92.500000" not in page


# --- a special cause of concern (SPC, issue 16 item 6) ---------------------------------------


def test_the_return_page_says_when_the_figure_is_a_special_cause_of_concern(client, setup, owner_user):
    ict02 = Indicator.objects.get(code="ICT02")
    steady_history(ict02, 96, 98)  # limits 91.68 to 102.32
    client.force_login(owner_user)
    url = reverse("return_edit", args=[DEC, "ICT02"])

    saved = client.post(url, {"value": "85", "version": "0", "action": "save"}, follow=True).content.decode()

    assert "It is rated Red. It shows special cause concern (lower) on its SPC chart." in saved
    assert 'id="return-variation"' in saved and "kp-spc-icon--concern_low" in saved
    assert "Special cause concern (lower)</span>" in saved  # words beside the icon, not colour alone
    assert "This figure is a special cause of concern" in saved
    assert "the return cannot be submitted or approved without it" in saved


def test_the_return_page_shows_common_cause_without_a_warning(client, setup, owner_user):
    steady_history(Indicator.objects.get(code="ICT02"), 96, 98)
    client.force_login(owner_user)
    url = reverse("return_edit", args=[DEC, "ICT02"])
    page = client.post(url, {"value": "97", "version": "0", "action": "save"}, follow=True).content.decode()
    assert "Common cause: no significant change" in page and "kp-spc-icon--common_cause" in page
    assert "special cause of concern" not in page and "on its SPC chart" not in page


def test_the_review_queue_shows_each_returns_variation_icon_with_words(client, setup, owner_user, performance_user):
    ict02 = Indicator.objects.get(code="ICT02")
    steady_history(ict02, 96, 98)
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("85"), commentary="Down.", submit=True)
    client.force_login(performance_user)
    page = client.get(reverse("review")).content.decode()
    assert "Variation (SPC)" in page
    assert "kp-spc-icon--concern_low" in page and "Special cause concern (lower)" in page


def test_the_review_queue_refuses_to_approve_a_return_missing_required_commentary_and_says_why(
    client, setup, owner_user, performance_user
):
    ict02 = Indicator.objects.get(code="ICT02")
    return_save(indicator=ict02, period=DEC, user=owner_user, value=Decimal("96"), submit=True)  # Green
    threshold = ict02.thresholds.get(financial_year=2019)
    threshold.target, threshold.floor = Decimal("99"), Decimal("97")
    threshold.save()  # now Red: a threshold saved by any path re-rates the year
    commentary = Commentary.objects.get(indicator=ict02, period=DEC)
    client.force_login(performance_user)
    why = "ICT02 is rated Red for December 2019, and the return has no commentary, so it cannot be approved"

    one = {"approve_one": f"{commentary.pk}:{commentary.version}"}
    page = client.post(reverse("review_approve"), one, follow=True).content.decode()
    assert f"ICT02 December 2019 was not approved. {why}" in page
    bulk = {"returns": [f"{commentary.pk}:{commentary.version}"]}
    assert why in client.post(reverse("review_approve"), bulk, follow=True).content.decode()
    decide = {"action": "approve", "version": commentary.version}
    page = client.post(reverse("return_decide", args=[DEC, "ICT02"]), decide, follow=True).content.decode()
    assert why in page
    commentary.refresh_from_db()
    assert (commentary.status, commentary.version) == (CommentaryStatus.SUBMITTED, 1)


# --- what the figure is rated against ---------------------------------------------------------


def _threshold_shown(client, code: str) -> str:
    page = lxml.html.fromstring(client.get(reverse("return_edit", args=[DEC, code])).content)
    row = page.get_element_by_id("return-threshold").getparent()
    return " ".join(row.text_content().split())


def test_the_return_page_shows_the_target_and_floor_the_figure_is_rated_against(client, setup, owner_user):
    client.force_login(owner_user)

    assert _threshold_shown(client, "ICT02") == "Target 95.0%, floor standard 90.0% (2019/20)"


def test_the_return_page_of_an_activity_indicator_shows_its_expected_range(client, setup, owner_user):
    Indicator.objects.get(code="ICT06").owners.add(owner_user)
    client.force_login(owner_user)

    assert _threshold_shown(client, "ICT06") == "Expected range 5,500 to 7,000 (2019/20)"


def test_the_return_page_says_when_the_year_has_no_target(client, setup, owner_user):
    Threshold.objects.filter(indicator__code="ICT02", financial_year=2019).delete()
    client.force_login(owner_user)

    assert _threshold_shown(client, "ICT02") == "Target None set for 2019/20: the figure gets no rating"


def test_closing_a_month_first_counts_what_it_leaves_behind(client, setup, performance_user):
    _submitted(Indicator.objects.get(code="ICT02"), setup[OWNER])
    client.force_login(performance_user)

    page = client.get(reverse("period_close", args=[DEC]))

    assert page.status_code == 200
    text = page.content.decode()
    statuses = Counter(row.status for row in return_rows(Indicator.objects.all(), DEC))
    outstanding = sum(n for status, n in statuses.items() if status.outstanding)
    assert outstanding > 0 and statuses[ReturnStatus.SUBMITTED] == 1
    assert f"{outstanding} returns are not yet submitted" in text
    assert "1 submitted return is waiting for approval" in text
    assert reverse("missing_returns") in text and reverse("review") in text
    assert ReportingPeriod.objects.get(period=DEC).status == "open"  # looking closes nothing

    client.post(reverse("period_close", args=[DEC]))

    assert ReportingPeriod.objects.get(period=DEC).status == PeriodStatus.CLOSED


def test_closing_a_month_that_is_not_open_is_not_found(client, setup, performance_user):
    client.force_login(performance_user)

    assert client.get(reverse("period_close", args=[date(2020, 1, 1)])).status_code == 404


def test_the_return_page_links_the_indicators_chart_and_history(client, setup, owner_user):
    client.force_login(owner_user)
    page = lxml.html.fromstring(client.get(reverse("return_edit", args=[DEC, "ICT02"])).content)
    link = page.get_element_by_id("return-indicator-link")
    assert link.get("href") == reverse("indicator_detail", args=["ICT02"])
    assert link.text_content() == "ICT02's chart and history"
