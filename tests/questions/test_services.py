"""The one write path for questions and answers: who may, what is refused, and what it records."""

from datetime import date

import pytest
from django.db.models import ProtectedError

from indicators.models import CommentaryStatus, Indicator
from questions.models import Answer, Meeting, Question
from questions.services import (
    QuestionError,
    QuestionLocked,
    answer_approve,
    answer_save,
    answer_send_back,
    meeting_open,
    question_add,
)
from tests.questions.conftest import MEETING_DATE, NOV

pytestmark = pytest.mark.django_db


def test_a_clerk_opens_a_meeting_once_and_finds_it_again(committee, clerk_user):
    first = meeting_open(user=clerk_user, committee=committee, meeting_date=MEETING_DATE, period=NOV)
    again = meeting_open(user=clerk_user, committee=committee, meeting_date=MEETING_DATE, period=NOV)

    assert first.pk == again.pk
    assert first.history.get().history_user == clerk_user


def test_a_meeting_cannot_be_about_a_paper_of_its_own_month_or_later(committee, clerk_user):
    with pytest.raises(QuestionError) as refused:
        meeting_open(user=clerk_user, committee=committee, meeting_date=MEETING_DATE, period=date(2020, 2, 1))

    assert "earlier month than February 2020" in refused.value.errors["period"][0]
    assert not Meeting.objects.filter(date=MEETING_DATE).exists()


def test_a_second_paper_month_for_the_same_meeting_is_refused(meeting, clerk_user):
    with pytest.raises(QuestionError) as refused:
        meeting_open(user=clerk_user, committee=meeting.committee, meeting_date=MEETING_DATE, period=date(2019, 10, 1))

    assert "already about the paper up to November 2019" in str(refused.value)


@pytest.mark.parametrize("persona", ["owner_user", "viewer_user"])
def test_only_clerks_and_the_team_open_meetings(request, committee, persona):
    with pytest.raises(QuestionLocked):
        meeting_open(user=request.getfixturevalue(persona), committee=committee, meeting_date=MEETING_DATE, period=NOV)


def test_the_clerk_records_a_members_question_with_their_name(meeting, ict02, clerk_user):
    question = question_add(user=clerk_user, meeting=meeting, indicator=ict02, member_name=" Cllr A ", text=" Why? ")

    assert (question.member_name, question.text, question.asked_by, question.asker) == (
        "Cllr A",
        "Why?",
        None,
        "Cllr A",
    )
    record = question.history.get()
    assert (record.history_user, record.history_change_reason) == (clerk_user, "Recorded")


def test_a_question_on_another_committees_indicator_is_refused_and_nothing_is_written(meeting, clerk_user):
    other = Indicator.objects.filter(directorate__slug="growth-environment-and-transport").first()

    with pytest.raises(QuestionError) as refused:
        question_add(user=clerk_user, meeting=meeting, indicator=other, member_name="Cllr A", text="Why?")

    assert refused.value.errors["indicator"] == [
        f"{other.code} is not reported to Policy and Resources Cabinet Committee: a question can only be on an "
        "indicator of the committee's paper."
    ]
    assert not Question.objects.filter(meeting__date=MEETING_DATE).exists()


def test_the_clerk_must_say_which_member_asked(meeting, ict02, clerk_user):
    with pytest.raises(QuestionError) as refused:
        question_add(user=clerk_user, meeting=meeting, indicator=ict02, member_name="", text="Why?")

    assert "Enter the name of the member who asked" in refused.value.errors["member_name"][0]


def test_a_councillor_with_an_account_asks_as_themselves(meeting, ict02, viewer_user):
    viewer_user.first_name, viewer_user.last_name = "Jo", "Bloggs"
    viewer_user.save()

    question = question_add(user=viewer_user, meeting=meeting, indicator=ict02, text="How will it recover?")

    assert (question.asked_by, question.asker) == (viewer_user, "Jo Bloggs")


def test_a_councillor_cannot_ask_in_someone_elses_name(meeting, ict02, viewer_user):
    with pytest.raises(QuestionError) as refused:
        question_add(user=viewer_user, meeting=meeting, indicator=ict02, member_name="Cllr Other", text="Why?")

    assert refused.value.errors["member_name"] == [
        "A member asking as themselves gives no member's name: leave it blank."
    ]


def test_a_service_owner_does_not_ask(meeting, ict02, owner_user):
    with pytest.raises(QuestionLocked):
        question_add(user=owner_user, meeting=meeting, indicator=ict02, member_name="Cllr A", text="Why?")


def test_an_empty_or_overlong_question_is_refused(meeting, ict02, clerk_user):
    with pytest.raises(QuestionError) as empty:
        question_add(user=clerk_user, meeting=meeting, indicator=ict02, member_name="Cllr A", text="   ")
    with pytest.raises(QuestionError) as long:
        question_add(user=clerk_user, meeting=meeting, indicator=ict02, member_name="Cllr A", text="x" * 4001)

    assert empty.value.errors["text"] == ["Enter the question."]
    assert long.value.errors["text"] == ["A question can be at most 4000 characters; this is 4001."]


def test_the_owner_answers_submits_and_the_team_approves(question, owner_user, performance_user):
    draft = answer_save(user=owner_user, question=question, text="A new script from December.")
    assert draft.status == CommentaryStatus.DRAFT

    submitted = answer_save(user=owner_user, question=question, text="A new script from December.", submit=True)
    assert submitted.status == CommentaryStatus.SUBMITTED and submitted.submitted_at

    approved = answer_approve(user=performance_user, question=question)
    assert (approved.status, approved.approver) == (CommentaryStatus.APPROVED, performance_user)
    reasons = list(approved.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons == ["Saved", "Submitted", "Approved"]


def test_who_approved_an_answer_cannot_be_deleted_so_it_keeps_its_approver(question, owner_user, performance_user):
    answer_save(user=owner_user, question=question, text="A new script from December.", submit=True)
    answer_approve(user=performance_user, question=question)

    with pytest.raises(ProtectedError):
        performance_user.delete()

    answer = Answer.objects.get(question=question)
    assert (answer.status, answer.approver) == (CommentaryStatus.APPROVED, performance_user)
    answer.full_clean(exclude=["question"])  # still whole by Answer.clean's rule


def test_another_owner_and_the_clerk_cannot_answer(question, other_owner_user, clerk_user):
    for user in (other_owner_user, clerk_user):
        with pytest.raises(QuestionLocked) as refused:
            answer_save(user=user, question=question, text="Not mine.")
        assert "ICT02 is not your indicator" in str(refused.value)
    assert not Answer.objects.filter(question__meeting__date=MEETING_DATE).exists()


def test_only_a_submitted_answer_is_approved_and_only_by_the_team(question, owner_user, performance_user):
    answer_save(user=owner_user, question=question, text="Draft.")
    with pytest.raises(QuestionLocked) as draft:
        answer_approve(user=performance_user, question=question)
    assert "this one is draft" in str(draft.value)

    answer_save(user=owner_user, question=question, text="Draft.", submit=True)
    with pytest.raises(QuestionLocked):
        answer_approve(user=owner_user, question=question)
    assert Answer.objects.get(question__meeting__date=MEETING_DATE).status == CommentaryStatus.SUBMITTED


def test_returning_an_answer_needs_a_reason(question, owner_user, performance_user):
    answer_save(user=owner_user, question=question, text="Because.", submit=True)
    with pytest.raises(QuestionError) as refused:
        answer_send_back(user=performance_user, question=question, reason=" ")
    assert Answer.objects.get(question__meeting__date=MEETING_DATE).status == CommentaryStatus.SUBMITTED
    assert "Say why" in refused.value.errors["reason"][0]

    returned = answer_send_back(user=performance_user, question=question, reason="Give the December figure.")
    assert (returned.status, returned.return_reason) == (CommentaryStatus.RETURNED, "Give the December figure.")
    # The owner's edit keeps it returned until they resubmit, as commentary's does.
    assert answer_save(user=owner_user, question=question, text="Better.").status == CommentaryStatus.RETURNED


def test_an_approved_answer_is_locked_for_the_owner_and_an_edit_by_the_team_needs_approving_again(
    question, owner_user, performance_user
):
    answer_save(user=owner_user, question=question, text="First.", submit=True)
    answer_approve(user=performance_user, question=question)

    with pytest.raises(QuestionLocked) as locked:
        answer_save(user=owner_user, question=question, text="Changed.")
    assert "the performance team has approved it" in str(locked.value)

    edited = answer_save(user=performance_user, question=question, text="Corrected.")
    assert (edited.status, edited.approver, edited.text) == (CommentaryStatus.SUBMITTED, None, "Corrected.")
