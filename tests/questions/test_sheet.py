"""The response sheet: its PDF (text read back with pypdf) and Word file (python-docx) print the questions,
the approved answers, the indicator codes and who asked; versions; who may publish."""

import io
import time

import pytest
from docx import Document
from pypdf import PdfReader

from indicators.models import Indicator
from questions.models import Question, ResponseSheet
from questions.services import QuestionError, QuestionLocked, answer_approve, answer_save
from questions.sheet import ANSWER_TO_FOLLOW, sheet_publish
from tests.questions.conftest import MEETING_DATE

pytestmark = pytest.mark.django_db

APPROVED = "Calls are now called back within a day; the rating recovered to 88% in December."
DRAFT = "We are still looking into the staffing figures."


@pytest.fixture
def answered(question, meeting, fn01, clerk_user, owner_user, other_owner_user, performance_user):
    answer_save(user=owner_user, question=question, text=APPROVED, submit=True)
    answer_approve(user=performance_user, question=question)
    second = Question.objects.create(
        meeting=meeting, indicator=fn01, member_name="Cllr Sam Patel", text="When will FN01 be on target?"
    )
    answer_save(user=other_owner_user, question=second, text=DRAFT, submit=True)  # not approved yet
    return meeting


def _pdf_text(sheet: ResponseSheet) -> str:
    with sheet.pdf.open("rb") as file:
        return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(file.read())).pages)


def _docx_text(sheet: ResponseSheet) -> str:
    with sheet.docx.open("rb") as file:
        document = Document(io.BytesIO(file.read()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("read", [_pdf_text, _docx_text], ids=["pdf", "docx"])
def test_the_sheet_prints_questions_approved_answers_codes_and_who_asked(answered, clerk_user, read):
    sheet = sheet_publish(user=clerk_user, meeting=answered)
    text = _flat(read(sheet))

    for words in [
        "Policy and Resources Cabinet Committee – 4 February 2020",
        "results up to the end of November 2019",
        "ICT02",
        "FN01",
        "Cllr Jane Smith",
        "Cllr Sam Patel",
        "Why has the help desk's feedback rating fallen below the floor?",
        "When will FN01 be on target?",
        APPROVED,
        ANSWER_TO_FOLLOW,
        "Version: 1",
    ]:
        assert _flat(words) in text, words
    assert DRAFT not in text  # an answer not approved is never printed


def test_the_pdf_and_the_word_file_print_the_same_answers(answered, clerk_user):
    sheet = sheet_publish(user=clerk_user, meeting=answered)

    assert [q["answer"] for q in sheet.content["questions"]] == [ANSWER_TO_FOLLOW, APPROVED]  # FN01 before ICT02
    assert sheet.content["to_follow"] == 1
    assert _flat(APPROVED) in _flat(_pdf_text(sheet)) and APPROVED in _docx_text(sheet)


def test_republishing_makes_a_new_version_and_keeps_the_old_one(answered, clerk_user, performance_user):
    first = sheet_publish(user=clerk_user, meeting=answered)
    answer_approve(user=performance_user, question=Question.objects.get(indicator__code="FN01"))

    second = sheet_publish(user=clerk_user, meeting=answered)

    assert (first.version, second.version) == (1, 2)
    assert DRAFT in _docx_text(second) and DRAFT not in _docx_text(ResponseSheet.objects.get(version=1))
    assert second.content["to_follow"] == 0
    assert second.history.get().history_user == clerk_user


@pytest.mark.parametrize("persona", ["owner_user", "viewer_user", "other_owner_user"])
def test_only_clerks_and_the_team_publish(request, answered, persona):
    with pytest.raises(QuestionLocked):
        sheet_publish(user=request.getfixturevalue(persona), meeting=answered)
    assert not ResponseSheet.objects.filter(meeting__date=MEETING_DATE).exists()


def test_a_meeting_without_questions_has_no_sheet_to_publish(meeting, clerk_user):
    with pytest.raises(QuestionError) as refused:
        sheet_publish(user=clerk_user, meeting=meeting)
    assert "no questions" in str(refused.value)


def test_publishing_takes_well_under_a_second_so_it_happens_on_request(answered, clerk_user):
    """Rendered while the clerk waits, not in the worker: measured here (a few answers; the demo's two)."""
    sheet_publish(user=clerk_user, meeting=answered)  # fonts and templates loaded
    for code in ["ICT01", "ICT03", "FN02", "FN03"]:
        Question.objects.create(
            meeting=answered, indicator=Indicator.objects.get(code=code), member_name="Cllr A", text="Why? " * 40
        )
    started = time.perf_counter()
    sheet_publish(user=clerk_user, meeting=answered)
    assert time.perf_counter() - started < 2.0  # a loose bound for a busy shared machine; typically ~0.2 s


def test_the_demo_has_two_answered_questions_and_a_resolution_for_policy_and_resources(demo):
    from demo.questions import MEETING_DATE as DEMO_MEETING
    from plans.models import Action
    from questions.models import Meeting
    from questions.sheet import sheet_content

    meeting = Meeting.objects.get(committee__slug="policy-and-resources", date=DEMO_MEETING)
    content = sheet_content(meeting, version=1, published=meeting.created_at)

    assert [(q["code"], q["asked_by"], q["approved"]) for q in content["questions"]] == [
        ("FN02", "Cllr David Okafor", True),
        ("ICT02", "Cllr Margaret Hollis", True),
    ]
    assert [q["answered_by"] for q in content["questions"]] == ["Alex Second", "Sam Owner"]
    resolution = Action.objects.get(source_meeting=DEMO_MEETING)
    assert resolution.source == "Policy and Resources Cabinet Committee, meeting 21 January 2020"


def test_loading_the_demo_twice_adds_no_second_meeting_question_answer_or_resolution(demo):
    from demo.data import load_demo
    from plans.models import Action
    from questions.models import Answer, Meeting

    def counts():
        return (Meeting.objects.count(), Question.objects.count(), Answer.objects.count(), Action.objects.count())

    before = counts()
    load_demo(open_december=False)
    assert counts() == before == (1, 2, 2, before[3])
