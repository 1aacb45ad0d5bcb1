"""Every questions page for every persona (anonymous, viewer, the indicator's owner, another owner, the
performance team, the clerk, an administrator), hand-crafted POSTs included, and what the pages show."""

import pytest
from django.urls import reverse

from indicators.models import CommentaryStatus, Indicator
from plans.models import Action
from questions.models import Answer, Meeting, Question, ResponseSheet
from questions.services import answer_approve, answer_save, answer_send_back
from questions.sheet import sheet_publish
from tests.questions.conftest import MEETING_DATE

PERSONAS = ["owner_user", "other_owner_user", "performance_user", "clerk_user", "viewer_user", "admin_user", None]
OWNER, OTHER, TEAM, CLERK, VIEWER, ADMIN, ANON = PERSONAS
LOGIN = "/accounts/login/"
READ = {OWNER: 200, OTHER: 200, TEAM: 200, CLERK: 200, VIEWER: 200, ADMIN: 200, ANON: "login"}
RECORD = {OWNER: 403, OTHER: 403, TEAM: 302, CLERK: 302, VIEWER: 403, ADMIN: 302, ANON: "login"}
ASK = {OWNER: 403, OTHER: 403, TEAM: 302, CLERK: 302, VIEWER: 302, ADMIN: 302, ANON: "login"}
ANSWER = {OWNER: 302, OTHER: 403, TEAM: 302, CLERK: 403, VIEWER: 403, ADMIN: 302, ANON: "login"}
DECIDE = {OWNER: 403, OTHER: 403, TEAM: 302, CLERK: 403, VIEWER: 403, ADMIN: 302, ANON: "login"}
RESOLVE_PAGE = {OWNER: 403, OTHER: 403, TEAM: 200, CLERK: 200, VIEWER: 403, ADMIN: 200, ANON: "login"}


@pytest.fixture
def setup(question, fn01, owner_user, other_owner_user, performance_user, clerk_user, viewer_user, admin_user):
    return {
        "question": question,
        "meeting": question.meeting,
        OWNER: owner_user,
        OTHER: other_owner_user,
        TEAM: performance_user,
        CLERK: clerk_user,
        VIEWER: viewer_user,
        ADMIN: admin_user,
        None: None,
    }


def _client(client, setup, persona):
    if persona:
        client.force_login(setup[persona])
    return client


def _expect(response, expected):
    if expected == "login":
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected, response.content[:800]


def _meeting_url(name: str, meeting: Meeting, *extra) -> str:
    return reverse(name, args=[meeting.committee.slug, MEETING_DATE.isoformat(), *extra])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["list", "meeting", "question"])
def test_everyone_with_a_role_reads_the_pages(client, setup, persona, page):
    url = {
        "list": reverse("questions"),
        "meeting": setup["meeting"].get_absolute_url(),
        "question": reverse("question_detail", args=[setup["question"].pk]),
    }[page]
    _expect(_client(client, setup, persona).get(url), READ[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_clerks_and_the_team_open_a_meeting(client, setup, persona):
    data = {"committee": setup["meeting"].committee.pk, "meeting_date": "2020-03-17", "period": "2020-01"}
    response = _client(client, setup, persona).post(reverse("questions"), data)
    _expect(response, RECORD[persona])
    assert Meeting.objects.filter(date="2020-03-17").exists() is (RECORD[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_clerks_and_the_team_record_and_councillors_submit_questions(client, setup, persona):
    data = {"indicator": setup["question"].indicator.pk, "text": "And in December?"}
    if persona not in (VIEWER,):
        data["member_name"] = "Cllr Lee"
    response = _client(client, setup, persona).post(_meeting_url("question_new", setup["meeting"]), data)
    _expect(response, ASK[persona])
    assert Question.objects.filter(text="And in December?").exists() is (ASK[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_indicators_owner_and_the_team_answer(client, setup, persona):
    url = reverse("question_detail", args=[setup["question"].pk])
    response = _client(client, setup, persona).post(url, {"text": "Calls are called back.", "submit": "1"})
    _expect(response, ANSWER[persona])
    submitted = Answer.objects.filter(question__meeting__date=MEETING_DATE, status=CommentaryStatus.SUBMITTED)
    assert submitted.exists() is (ANSWER[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("decision", ["answer_approve", "answer_return"])
def test_only_the_team_approves_or_returns(client, setup, persona, decision):
    answer_save(user=setup[OWNER], question=setup["question"], text="Calls are called back.", submit=True)
    url = reverse(decision, args=[setup["question"].pk])
    response = _client(client, setup, persona).post(url, {"reason": "Say when."})
    _expect(response, DECIDE[persona])
    decided = CommentaryStatus.APPROVED if decision == "answer_approve" else CommentaryStatus.RETURNED
    assert (Answer.objects.get(question__meeting__date=MEETING_DATE).status == decided) is (DECIDE[persona] == 302)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_clerks_and_the_team_publish_and_everyone_downloads(client, setup, persona):
    response = _client(client, setup, persona).post(_meeting_url("sheet_new", setup["meeting"]))
    _expect(response, RECORD[persona])
    assert ResponseSheet.objects.filter(meeting__date=MEETING_DATE).exists() is (RECORD[persona] == 302)
    if not ResponseSheet.objects.filter(meeting__date=MEETING_DATE).exists():
        sheet_publish(user=setup[CLERK], meeting=setup["meeting"])
    for fmt in ("pdf", "docx"):
        download = client.get(_meeting_url("sheet_download", setup["meeting"], 1, fmt))
        _expect(download, READ[persona])
        if persona:
            assert download["Content-Disposition"].endswith(
                f'filename="policy-and-resources-members-questions-2020-02-04-v1.{fmt}"'
            )


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_clerks_and_the_team_record_resolutions(client, setup, persona):
    url = _meeting_url("resolution_new", setup["meeting"])
    _expect(_client(client, setup, persona).get(url), RESOLVE_PAGE[persona])
    data = {
        "resolution": "Officers to report back by March.",
        "title": "Report back on ICT02",
        "owner": setup[OWNER].pk,
        "due": "2030-03-31",
        "indicators": [setup["question"].indicator.pk],
    }
    response = client.post(url, data)
    _expect(response, {**RESOLVE_PAGE, TEAM: 302, CLERK: 302, ADMIN: 302}[persona])
    assert Action.objects.filter(source_meeting=MEETING_DATE).exists() is (persona in (TEAM, CLERK, ADMIN))


def test_an_unapproved_answer_is_hidden_from_readers_and_shown_to_its_owner(client, setup):
    answer_save(user=setup[OWNER], question=setup["question"], text="Draft words about staffing.")
    url = setup["meeting"].get_absolute_url()

    client.force_login(setup[VIEWER])
    assert "Draft words about staffing." not in client.get(url).content.decode()
    client.force_login(setup[OWNER])
    assert "Draft words about staffing." in client.get(url).content.decode()

    answer_save(user=setup[OWNER], question=setup["question"], text="Draft words about staffing.", submit=True)
    answer_approve(user=setup[TEAM], question=setup["question"])
    client.force_login(setup[VIEWER])
    assert "Draft words about staffing." in client.get(url).content.decode()


def test_once_approved_readers_see_the_answer_but_not_why_the_team_returned_a_draft_of_it(client, setup):
    question, reason = setup["question"], "Do not mention the contract dispute: it is confidential."
    answer_save(user=setup[OWNER], question=question, text="The supplier changed.", submit=True)
    answer_send_back(user=setup[TEAM], question=question, reason=reason)
    answer_save(user=setup[OWNER], question=question, text="Staffing is improving.", submit=True)
    answer_approve(user=setup[TEAM], question=question)
    url = reverse("question_detail", args=[question.pk])

    for persona in (VIEWER, CLERK, OTHER):
        page = _client(client, setup, persona).get(url).content.decode()
        assert "Staffing is improving." in page
        assert reason not in page and 'id="answer-history"' not in page, persona
    for persona in (OWNER, TEAM):  # who write and approve it keep its history, as a return's
        page = _client(client, setup, persona).get(url).content.decode()
        assert reason in page and 'id="answer-history"' in page, persona


def test_locked_forms_say_why(client, setup):
    client.force_login(setup[OTHER])
    question_page = client.get(reverse("question_detail", args=[setup["question"].pk])).content.decode()
    meeting_page = client.get(setup["meeting"].get_absolute_url()).content.decode()

    assert "This answer is locked because ICT02 is not your indicator" in question_page
    assert "You cannot add questions: committee clerks and the performance team record" in meeting_page
    assert "Committee clerks and the performance team publish the response sheet" in meeting_page


def test_a_question_on_another_committees_indicator_gets_a_clear_error_and_changes_nothing(client, setup):
    other = Indicator.objects.get(code="GT01")
    client.force_login(setup[CLERK])

    response = client.post(
        _meeting_url("question_new", setup["meeting"]), {"indicator": other.pk, "member_name": "A", "text": "Why?"}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()  # the form offers the committee's indicators only
    assert Question.objects.filter(meeting__date=MEETING_DATE).count() == 1


def test_a_malformed_meeting_date_is_a_404_saying_so(client, setup):
    client.force_login(setup[VIEWER])
    response = client.get("/questions/policy-and-resources/2020-13-01/")
    assert response.status_code == 404


def _grow(meeting: Meeting, clerk, owners: int) -> None:
    for indicator in Indicator.objects.for_committee(meeting.committee).order_by("code")[:owners]:
        question = Question.objects.create(meeting=meeting, indicator=indicator, member_name="Cllr B", text="Why?")
        Answer.objects.create(question=question, text="Because.", answered_by=clerk)
        indicator.owners.add(clerk)


@pytest.mark.parametrize("persona", [OWNER, TEAM, VIEWER])
def test_the_meeting_page_costs_the_same_queries_with_more_questions(client, setup, persona):
    from tests.indicators.test_query_counts import count_queries

    client.force_login(setup[persona])
    client.get("/healthz")
    url = setup["meeting"].get_absolute_url()
    small = count_queries(client, url)
    _grow(setup["meeting"], setup[OTHER], 20)
    large = count_queries(client, url)
    assert Question.objects.filter(meeting__date=MEETING_DATE).count() == 21
    assert large == small


def test_the_meetings_list_costs_the_same_queries_with_more_meetings(client, setup):
    from datetime import timedelta

    from tests.indicators.test_query_counts import count_queries

    client.force_login(setup[CLERK])
    client.get("/healthz")
    small = count_queries(client, reverse("questions"))
    for weeks in range(1, 9):
        Meeting.objects.create(
            committee=setup["meeting"].committee, date=MEETING_DATE + timedelta(weeks=weeks), period=MEETING_DATE
        )
    large = count_queries(client, reverse("questions"))
    assert Meeting.objects.count() >= 10
    assert large == small


def test_the_meeting_page_links_to_the_latest_ready_paper_for_its_month(client, setup):
    from datetime import date

    from reports.models import Paper, PaperStatus

    meeting = setup["meeting"]
    client.force_login(setup[VIEWER])
    assert "no paper has been generated for it yet" in _paper_line(client, meeting)
    made = {
        version: Paper.objects.create(
            committee=meeting.committee,
            period=meeting.period,
            meeting_date=meeting.date,
            version=version,
            status=status,
        )
        for version, status in ((1, PaperStatus.READY), (2, PaperStatus.READY), (3, PaperStatus.FAILED))
    }
    Paper.objects.create(  # another month's paper is not this meeting's
        committee=meeting.committee,
        period=date(2019, 10, 1),
        meeting_date=meeting.date,
        version=4,
        status=PaperStatus.READY,
    )
    line = _paper_line(client, meeting)
    assert "read the paper (version 2)" in line and made[2].get_absolute_url() in line


def _paper_line(client, meeting) -> str:
    import re

    html = client.get(meeting.get_absolute_url()).content.decode()
    return re.search(r'<p class="govuk-body" id="meeting-paper">(.*?)</p>', html, re.S).group(1)
