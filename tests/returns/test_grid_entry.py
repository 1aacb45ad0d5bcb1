"""Grid entry: a month's returns on one page, saved all or nothing through `return_save`.

Each POST is built from the page itself (every input and textarea as rendered,
then the user's changes), as a browser would send it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse

from indicators.models import Commentary, CommentaryStatus, Indicator, Result
from returns.services import return_approve, return_save, return_send_back
from tests.returns.conftest import DEC, NOV, steady_history

URL = reverse("returns_enter", args=[DEC])


class _Inputs(HTMLParser):
    """The name → value pairs a browser would send from the page's form (buttons aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea:
            name, text = self.fields.pop()
            self.fields.append((name, text + data))

    def handle_endtag(self, tag):
        if tag == "textarea":
            name, text = self.fields.pop()
            self.fields.append((name, text.removeprefix("\n")))  # the newline after <textarea> is not content
            self._textarea = None


def page_data(client, url=URL) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return page_data_from(response.content.decode())


def post(client, changes: dict, action="save", data=None, url=URL):
    """Post the grid as the page shows it now (or as `data`), with `changes` typed in."""
    data = page_data(client, url) if data is None else data
    return client.post(url, {**data, **changes, "action": action})


def stored(code: str) -> tuple[Decimal | None, str, int]:
    result = Result.objects.filter(indicator__code=code, period=DEC).first()
    commentary = Commentary.objects.filter(indicator__code=code, period=DEC).first()
    return (
        result.value if result else None,
        commentary.status if commentary else "",
        commentary.version if commentary else 0,
    )


@pytest.fixture
def owner(client, open_period, ict01, ict02, fn01, owner_user):
    client.force_login(owner_user)
    return owner_user


# --- saving and submitting ---------------------------------------------------------


def test_my_returns_links_to_grid_entry_for_the_open_month(client, owner):
    page = client.get(reverse("my_returns")).content.decode()
    assert f'href="{URL}"' in page and "Enter figures for all your returns" in page


def test_the_grid_has_a_row_of_inputs_for_each_of_the_owners_returns_and_no_others(client, owner):
    page = client.get(URL).content.decode()
    for code in ("ICT01", "ICT02"):
        assert f'name="{code}-value"' in page and f'name="{code}-commentary"' in page
        assert f'name="{code}-version"' in page and f'href="/returns/2019-12/{code}/"' in page
        assert f"Value for {code} " in page  # the label names the indicator
    assert "FN01" not in page
    assert "Percentage (%), 1 decimal place" in page
    assert "<caption" in page and "Your returns for December 2019" in page


def test_saving_several_drafts_saves_each_through_the_service_and_says_how_they_rate(client, owner):
    response = post(client, {"ICT01-value": "75", "ICT02-value": "92", "ICT02-commentary": "Slightly down."})
    assert response.status_code == 302 and response.url == "/returns/?period=2019-12"
    assert stored("ICT01") == (Decimal("75"), CommentaryStatus.DRAFT, 1)
    assert stored("ICT02") == (Decimal("92"), CommentaryStatus.DRAFT, 1)
    assert Commentary.objects.get(indicator__code="ICT02", period=DEC).text == "Slightly down."
    assert Result.objects.get(indicator__code="ICT01", period=DEC).entered_by == owner
    message = client.get(response.url).content.decode()
    assert "2 returns for December 2019 saved (ICT01, ICT02). Rated: 1 Amber, 1 Green." in message


def test_a_grid_of_hundreds_of_returns_is_not_refused_for_its_number_of_fields(client, owner):
    """Seven fields a row: a performance team's month at a big council is thousands of fields."""
    padding = {f"unused-{n}": "" for n in range(1500)}  # fields the grid ignores, as many as ~200 rows send
    response = post(client, {"ICT01-value": "75", **padding})
    assert response.status_code == 302
    assert stored("ICT01")[0] == Decimal("75")


def test_submitting_submits_every_changed_row(client, owner):
    response = post(
        client,
        {"ICT01-value": "60", "ICT01-commentary": "Staff shortage.", "ICT02-value": "96"},
        action="submit",
    )
    assert response.status_code == 302
    assert stored("ICT01")[:2] == (Decimal("60"), CommentaryStatus.SUBMITTED)
    assert stored("ICT02")[:2] == (Decimal("96"), CommentaryStatus.SUBMITTED)
    message = client.get(response.url).content.decode()
    assert "2 returns for December 2019 submitted for approval (ICT01, ICT02). Rated: 1 Red, 1 Green." in message


def test_only_changed_rows_are_saved_and_the_others_keep_their_version_and_history(client, owner):
    return_save(indicator=Indicator.objects.get(code="ICT01"), period=DEC, user=owner, value=Decimal("75"))
    ict01 = Commentary.objects.get(indicator__code="ICT01", period=DEC)
    # A figure loaded by an import has no commentary yet: saving it again, unchanged, would create one.
    imported = Result.objects.create(indicator=Indicator.objects.get(code="FN01"), period=DEC, value=Decimal("99"))
    Indicator.objects.get(code="FN01").owners.add(owner)
    histories = ict01.history.count(), Result.history.count()

    assert post(client, {"ICT02-value": "96"}).status_code == 302

    ict01.refresh_from_db()
    assert ict01.version == 1 and ict01.status == CommentaryStatus.DRAFT
    assert not Commentary.objects.filter(indicator__code="FN01", period=DEC).exists()
    assert Result.objects.get(pk=imported.pk).entered_at == imported.entered_at
    assert (ict01.history.count(), Result.history.count()) == (histories[0], histories[1] + 1)  # ICT02's only
    assert stored("ICT02") == (Decimal("96"), CommentaryStatus.DRAFT, 1)


def test_submitting_also_submits_complete_drafts_left_unchanged_but_not_missing_or_returned_ones(
    client, owner, performance_user
):
    ict01, ict02 = Indicator.objects.get(code="ICT01"), Indicator.objects.get(code="ICT02")
    return_save(indicator=ict01, period=DEC, user=owner, value=Decimal("75"), commentary="Fine.")
    return_save(indicator=ict02, period=DEC, user=owner, value=Decimal("96"), submit=True)
    return_send_back(indicator=ict02, period=DEC, user=performance_user, reason="Check it.")
    returned = stored("ICT02")

    response = post(client, {}, action="submit")

    assert response.status_code == 302
    assert stored("ICT01")[:2] == (Decimal("75"), CommentaryStatus.SUBMITTED)
    assert stored("ICT02") == returned  # sent back: the owner resubmits it once they have acted on why
    assert "1 return for December 2019 submitted for approval (ICT01)" in client.get(response.url).content.decode()


def test_posting_the_page_unchanged_saves_nothing_and_says_so(client, owner):
    return_save(
        indicator=Indicator.objects.get(code="ICT02"),
        period=DEC,
        user=owner,
        numerator=Decimal("430"),
        denominator=Decimal("500"),
        commentary="Line one.\nLine two.",
    )
    before = stored("ICT02")
    response = post(client, {})
    assert response.status_code == 302 and stored("ICT02") == before
    assert "Nothing was saved" in client.get(response.url).content.decode()


# --- all or nothing -----------------------------------------------------------------


def test_one_invalid_row_saves_nothing_and_the_error_names_the_indicator_and_links_to_its_input(client, owner):
    response = post(client, {"ICT01-value": "75", "ICT02-value": "abc"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert '<a href="#id_ICT02-value">ICT02: Enter a number.</a>' in page
    assert (
        'id="id_ICT02-value_error"' in page
        and 'aria-describedby="id_ICT02-value_helptext id_ICT02-value_error"' in page
    )
    assert 'value="75"' in page and 'value="abc"' in page  # the user's input is kept
    assert stored("ICT01") == stored("ICT02") == (None, "", 0)


def test_a_stray_comma_or_a_negative_denominator_in_one_row_saves_nothing_and_says_which_row(client, owner):
    response = post(client, {"ICT01-value": "12,5", "ICT02-numerator": "-450", "ICT02-denominator": "-500"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "ICT01: &#x27;12,5&#x27; is not a number: a comma may only separate thousands" in page
    assert "ICT02: The denominator must be more than zero; -500 is not" in page
    assert stored("ICT01") == stored("ICT02") == (None, "", 0)


def test_a_row_refused_by_the_service_rolls_back_the_rows_already_saved(client, owner):
    # ICT01 is saved first (rows go in code order); ICT02, Red without commentary, is refused.
    response = post(client, {"ICT01-value": "75", "ICT01-commentary": "Fine.", "ICT02-value": "85"}, action="submit")
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_ICT02-commentary">Enter commentary: ICT02 is rated Red for December 2019' in page
    assert 'id="id_ICT02-commentary_error"' in page
    assert stored("ICT01") == stored("ICT02") == (None, "", 0)
    assert not Result.history.filter(indicator_id__in=Indicator.objects.filter(code__in=["ICT01", "ICT02"])).exists()


def test_commentary_on_a_red_figure_lets_it_submit(client, owner):
    changes = {"ICT02-value": "85", "ICT02-commentary": "Survey responses fell after the portal change."}
    assert post(client, changes, action="submit").status_code == 302
    assert stored("ICT02")[:2] == (Decimal("85"), CommentaryStatus.SUBMITTED)


def test_a_save_by_someone_else_since_the_page_loaded_is_a_conflict_that_names_them(client, owner, performance_user):
    data = page_data(client)
    return_save(indicator=Indicator.objects.get(code="ICT02"), period=DEC, user=performance_user, value=Decimal("96"))

    response = post(client, {"ICT01-value": "75", "ICT02-value": "85", "ICT02-commentary": "Mine"}, data=data)

    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(
        r'<a href="#id_ICT02-value">ICT02: test-performance changed this return on \d\d \w+ 2\d{3} at', page
    )
    assert "the value is now 96.0%" in page
    assert stored("ICT01") == (None, "", 0)
    assert stored("ICT02") == (Decimal("96"), CommentaryStatus.DRAFT, 1)
    # Their input is kept with the version now stored: saving again replaces the other save, knowingly.
    again = page_data_from(page)
    assert again["ICT02-value"] == ["85"] and again["ICT02-version"] == ["1"]
    assert client.post(URL, {**again, "action": "save"}).status_code == 302
    assert stored("ICT02")[0] == Decimal("85") and stored("ICT01")[0] == Decimal("75")


def test_a_row_the_user_left_alone_is_not_overwritten_when_someone_else_saved_it_meanwhile(
    client, owner, performance_user
):
    data = page_data(client)
    return_save(indicator=Indicator.objects.get(code="ICT02"), period=DEC, user=performance_user, value=Decimal("96"))
    assert post(client, {"ICT01-value": "75"}, data=data).status_code == 302
    assert stored("ICT02") == (Decimal("96"), CommentaryStatus.DRAFT, 1)
    assert stored("ICT01")[0] == Decimal("75")


def page_data_from(html: str) -> dict:
    parser = _Inputs()
    parser.feed(html)
    data: dict = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data


# --- fractions and locks --------------------------------------------------------------


def test_a_fraction_is_entered_and_shown_again_as_numerator_and_denominator(client, owner):
    assert post(client, {"ICT02-numerator": "430", "ICT02-denominator": "500"}).status_code == 302
    result = Result.objects.get(indicator__code="ICT02", period=DEC)
    assert (result.value, result.numerator, result.denominator) == (Decimal("86"), Decimal("430"), Decimal("500"))
    data = page_data(client)
    assert data["ICT02-value"] == [""]
    assert (data["ICT02-numerator"], data["ICT02-denominator"]) == (["430"], ["500"])  # as typed, not 430.000000


def test_a_fraction_with_a_zero_denominator_is_refused_at_its_field(client, owner):
    response = post(client, {"ICT02-numerator": "430", "ICT02-denominator": "0"})
    assert response.status_code == 400
    assert '<a href="#id_ICT02-denominator">ICT02: The denominator cannot be zero.</a>' in response.content.decode()
    assert stored("ICT02") == (None, "", 0)


def test_an_approved_return_is_shown_read_only_with_why(client, owner, performance_user):
    ict02 = Indicator.objects.get(code="ICT02")
    return_save(indicator=ict02, period=DEC, user=owner, value=Decimal("96"), submit=True)
    return_approve(indicator=ict02, period=DEC, user=performance_user)
    page = client.get(URL).content.decode()
    assert 'name="ICT02-value"' not in page and 'name="ICT01-value"' in page
    assert "This return is locked because the performance team has approved it." in page


def test_each_locked_row_has_its_own_lock_message_id(client, owner, performance_user):
    for code in ("ICT01", "ICT02"):
        indicator = Indicator.objects.get(code=code)
        return_save(indicator=indicator, period=DEC, user=owner, value=Decimal("96"), submit=True)
        return_approve(indicator=indicator, period=DEC, user=performance_user)
    ids = re.findall(r'id="([^"]+)"', client.get(URL).content.decode())
    assert {"lock-ICT01", "lock-ICT02"} <= set(ids)
    assert len(ids) == len(set(ids))


def test_posting_a_locked_row_refuses_the_whole_request(client, owner, performance_user):
    data = page_data(client)
    ict02 = Indicator.objects.get(code="ICT02")
    return_save(indicator=ict02, period=DEC, user=owner, value=Decimal("96"), submit=True)
    return_approve(indicator=ict02, period=DEC, user=performance_user)
    before = stored("ICT02")
    response = post(client, {"ICT01-value": "75", "ICT02-value": "90"}, data=data)
    assert response.status_code == 400
    assert "the performance team has approved it" in response.content.decode()
    assert stored("ICT01") == (None, "", 0) and stored("ICT02") == before


# --- permissions ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clerk_user", "viewer_user"])
def test_people_who_do_not_enter_returns_are_forbidden(client, open_period, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"rows": ["ICT02"], "ICT02-value": "90", "action": "save"}).status_code == 403
    assert stored("ICT02") == (None, "", 0)


def test_signed_out_visitors_are_sent_to_sign_in(client, open_period):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_owner_posting_someone_elses_indicator_is_refused_and_nothing_is_saved(client, owner):
    data = page_data(client)
    forged = {"rows": data["rows"] + ["FN01"], "FN01-value": "99", "FN01-version": "0", "FN01-shown": "x"}
    response = post(client, {"ICT01-value": "75", **forged}, data=data)
    assert response.status_code == 400
    assert "This return is locked because FN01 is not your indicator" in response.content.decode()
    assert stored("ICT01") == (None, "", 0) and stored("FN01") == (None, "", 0)


def test_the_performance_team_enters_every_owners_returns(client, open_period, ict02, fn01, performance_user):
    client.force_login(performance_user)
    page = client.get(URL).content.decode()
    assert 'name="ICT02-value"' in page and 'name="FN01-value"' in page
    assert "Submit for approval" not in page  # as on the single return: the team saves, owners submit
    assert post(client, {"FN01-value": "99"}).status_code == 302
    assert stored("FN01") == (Decimal("99"), CommentaryStatus.DRAFT, 1)


def test_a_row_locked_since_the_page_loaded_but_left_alone_does_not_stop_the_others(client, owner, performance_user):
    ict02 = Indicator.objects.get(code="ICT02")
    return_save(indicator=ict02, period=DEC, user=owner, value=Decimal("96"), submit=True)
    data = page_data(client)  # ICT02 is submitted, not yet approved: still on the page
    return_approve(indicator=ict02, period=DEC, user=performance_user)  # meanwhile
    response = post(client, {"ICT01-value": "75"}, data=data)
    assert response.status_code == 302
    assert stored("ICT01")[0] == Decimal("75")
    assert stored("ICT02")[1] == CommentaryStatus.APPROVED


def test_a_crafted_submit_from_the_performance_team_saves_without_submitting(
    client, open_period, ict02, fn01, owner_user, other_owner_user, performance_user
):
    fn01_draft = return_save(indicator=fn01, period=DEC, user=other_owner_user, value=Decimal("80"), commentary="x")
    assert fn01_draft.status == "entered"
    client.force_login(performance_user)
    assert post(client, {"ICT02-value": "97"}, action="submit").status_code == 302
    assert stored("ICT02")[:2] == (Decimal("97"), CommentaryStatus.DRAFT)
    assert stored("FN01")[1] == CommentaryStatus.DRAFT  # the owner's draft is not submitted in their name


def test_the_performance_team_narrows_the_grid_to_a_directorate_and_saves_there(
    client, open_period, ict02, fn01, performance_user
):
    client.force_login(performance_user)
    ict = Indicator.objects.get(code="ICT02").directorate
    elsewhere = Indicator.objects.exclude(directorate=ict).first()
    url = f"{URL}?directorate={ict.slug}"
    assert f'name="{elsewhere.code}-value"' in client.get(URL).content.decode()
    page = client.get(url).content.decode()
    assert 'name="ICT02-value"' in page and f'name="{elsewhere.code}-value"' not in page
    assert f'<option value="{ict.slug}" selected>' in page
    assert post(client, {"ICT02-value": "97"}, url=url).status_code == 302
    assert stored("ICT02")[:2] == (Decimal("97"), CommentaryStatus.DRAFT)


def test_a_row_moved_out_of_the_chosen_directorate_meanwhile_is_refused_not_dropped(
    client, open_period, ict02, fn01, performance_user
):
    client.force_login(performance_user)
    ict = Indicator.objects.get(code="ICT02").directorate
    url = f"{URL}?directorate={ict.slug}"
    data = page_data(client, url)
    Indicator.objects.filter(code="ICT02").update(
        directorate=Indicator.objects.exclude(directorate=ict).first().directorate
    )
    response = post(client, {"ICT02-value": "55"}, data=data, url=url)
    assert response.status_code == 400
    assert "ICT02 is no longer on this page; open the grid again to enter it." in response.content.decode()
    assert stored("ICT02") == (None, "", 0)


def test_an_unknown_directorate_is_not_found(client, open_period, performance_user):
    client.force_login(performance_user)
    response = client.get(f"{URL}?directorate=no-such-thing")
    assert response.status_code == 404


def test_owners_see_no_directorate_filter(client, owner):
    assert 'id="grid-directorate"' not in client.get(URL).content.decode()


@pytest.mark.parametrize("month", ["2019-11", "2020-01"])
def test_a_month_that_is_not_open_is_not_found(client, owner, closed_period, month):
    november = Result.objects.get(indicator__code="ICT02", period=NOV).value
    assert client.get(f"/returns/{month}/enter/").status_code == 404
    data = {"rows": ["ICT02"], "ICT02-value": "50", "ICT02-version": "0", "ICT02-shown": "x", "action": "save"}
    assert client.post(f"/returns/{month}/enter/", data).status_code == 404
    assert Result.objects.get(indicator__code="ICT02", period=NOV).value == november


# --- queries -----------------------------------------------------------------------------


def _owns(user, count: int) -> None:
    monthly = [
        indicator
        for indicator in Indicator.objects.active().filter(frequency="monthly").order_by("code")
        if indicator.code not in ("ICT01", "ICT02")
    ]
    assert len(monthly) >= count
    for indicator in monthly[:count]:
        indicator.owners.add(user)
        return_save(indicator=indicator, period=DEC, user=user, value=Decimal("50"), commentary="Noted.")


def test_the_grid_reads_in_the_same_queries_for_5_or_15_returns(
    client, open_period, owner_user, django_assert_max_num_queries
):
    client.force_login(owner_user)
    _owns(owner_user, 5)
    client.get(URL)  # the first request of a process sets up what later ones reuse
    cache.clear()  # the roles are cached once read: count both from the same start
    with django_assert_max_num_queries(12) as five:
        page = client.get(URL).content.decode()
    assert page.count('name="rows"') == 5
    _owns(owner_user, 15)
    cache.clear()
    # Any query per row would add ten here.
    with django_assert_max_num_queries(len(five.captured_queries)):
        page = client.get(URL).content.decode()
    assert page.count('name="rows"') == 15


def test_a_row_that_is_a_special_cause_of_concern_needs_commentary_to_submit_from_the_grid(client, owner):
    steady_history(Indicator.objects.get(code="ICT01"))  # limits 85.68 to 96.32; 80 is Green for ICT01
    response = post(client, {"ICT01-value": "80"}, action="submit")
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        '<a href="#id_ICT01-commentary">Enter commentary: ICT01&#x27;s figure for December 2019 shows special' in page
    )
    assert stored("ICT01") == (None, "", 0)
    changes = {"ICT01-value": "80", "ICT01-commentary": "The phone system was down for a week."}
    assert post(client, changes, action="submit").status_code == 302
    assert stored("ICT01")[:2] == (Decimal("80"), CommentaryStatus.SUBMITTED)


def test_the_grid_says_which_saved_rows_are_a_special_cause_of_concern(client, owner):
    steady_history(Indicator.objects.get(code="ICT01"))  # 80: Green, below the process limits
    steady_history(Indicator.objects.get(code="ICT02"), 95, 97)  # 96: Green, common cause
    response = post(client, {"ICT01-value": "80", "ICT02-value": "96"}, action="save")
    assert response.status_code == 302
    banner = str(list(response.wsgi_request._messages)[0])
    assert banner.endswith("Rated: 2 Green. Special cause concern on the SPC chart: ICT01.")
