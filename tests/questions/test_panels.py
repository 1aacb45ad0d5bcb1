"""The indicator page says what councillors asked about the indicator and what the answer was."""

from html import unescape

import pytest

from indicators.models import CommentaryStatus
from questions.models import Answer, Meeting, Question
from tests.questions.conftest import MEETING_DATE, NOV

URL = "/indicators/ICT02/"


def _panel(client) -> str:
    html = client.get(URL).content.decode()
    start = html.index('id="members-questions"')
    return unescape(html[start : html.index("</table>", start) if "</table>" in html[start:] else len(html)])


def test_a_reader_sees_the_demo_questions_and_approved_answers_newest_meeting_first(client, demo, viewer_user):
    client.force_login(viewer_user)
    panel = _panel(client)
    assert "Cllr Margaret Hollis" in panel and "Policy and Resources Cabinet Committee, 21 January 2020" in panel
    demo_answer = Question.objects.get(indicator__code="ICT02", member_name="Cllr Margaret Hollis").answer
    assert demo_answer.status == CommentaryStatus.APPROVED and demo_answer.text.splitlines()[0] in panel


def test_an_unapproved_answer_is_shown_to_its_owner_and_to_follow_for_readers(
    client, question, owner_user, viewer_user
):
    Answer.objects.create(question=question, text="Draft words nobody else reads", answered_by=owner_user)
    client.force_login(viewer_user)
    panel = _panel(client)
    assert "Draft words nobody else reads" not in panel and "Answer to follow" in panel
    client.force_login(owner_user)
    panel = _panel(client)
    assert "Draft words nobody else reads" in panel and "Draft" in panel


def test_an_indicator_nobody_asked_about_says_so(client, demo, viewer_user):
    client.force_login(viewer_user)
    assert "No member has asked about FN01." in client.get("/indicators/FN01/").content.decode()


@pytest.mark.parametrize("extra", [0, 20])
def test_the_indicator_page_reads_in_the_same_queries_however_many_questions(
    client, question, clerk_user, owner_user, django_assert_max_num_queries, extra
):
    from datetime import timedelta

    for n in range(extra):
        meeting = Meeting.objects.create(
            committee=question.meeting.committee,
            date=MEETING_DATE + timedelta(days=n + 1),
            period=NOV,
            created_by=clerk_user,
        )
        asked = Question.objects.create(
            meeting=meeting, indicator=question.indicator, member_name=f"Cllr {n}", text="Why?", recorded_by=clerk_user
        )
        Answer.objects.create(question=asked, text=f"Because {n}", answered_by=owner_user)
    client.force_login(owner_user)
    client.get(URL)  # the session, roles and page cache, as on any page
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.content.decode().count("/questions/") >= extra + 1
