"""Improvement actions in committee papers, and the appendix grouped by council plan priority."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from django.utils import timezone

from plans.models import Action
from plans.rules import ActionStatus
from reports.changes import snapshot_changes
from reports.content import NO_OPEN_ACTION, OTHER_INDICATORS, paper_content
from reports.models import Paper, PaperStatus
from reports.services import paper_generate, paper_request, render_paper_files
from reports.snapshot import build_snapshot, date_label
from tests.reports.conftest import MEETING, NOVEMBER_2019, docx_text, pdf_text

ICT02_ACTION = "Call back every customer who rates the help desk poorly within two working days"


def _generate(committee) -> Paper:
    paper = paper_request(committee=committee, period=NOVEMBER_2019, meeting_date=MEETING, user=None, enqueue=False)
    return paper_generate(paper_id=paper.pk)


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def _snapshot(committee, with_charts: bool = False, **kwargs) -> dict:
    """Without charts (quicker) unless the SPC icons are needed."""
    return build_snapshot(
        committee=committee,
        settings=committee.paper_settings,
        period=NOVEMBER_2019,
        meeting_date=MEETING,
        with_charts=with_charts,
        **kwargs,
    )


def _kpi(snapshot: dict, code: str) -> dict:
    return next(item for item in snapshot["kpis"] if item["code"] == code)


def test_the_paper_text_has_ict02s_action_with_owner_and_due_date_in_pdf_and_word(policy):
    paper = _generate(policy)
    assert paper.status == PaperStatus.READY, paper.failure_reason
    due = date_label(Action.objects.get(title=ICT02_ACTION).due)
    for text in (pdf_text(_read(paper.pdf)), docx_text(_read(paper.docx))):
        # The cover report names it after the Red KPI's commentary ...
        assert f"Action: {ICT02_ACTION} (Sam Owner, due {due})." in text
        # ... and ICT02's section in the appendix lists it with its status.
        assert "Improvement actions" in text and "Action Owner Due Status" in text
        assert f"{ICT02_ACTION} Sam Owner {due} On track" in text


def test_an_actions_status_is_as_of_the_papers_data_date(policy):
    backlog = Action.objects.get(title__startswith="Bring in two temporary officers")  # due three weeks ago
    assert _kpi(_snapshot(policy), "GL02")["actions"][0]["status_label"] == "Overdue"
    before = timezone.make_aware(datetime.combine(backlog.due - timedelta(days=1), datetime.min.time()))
    assert _kpi(_snapshot(policy, as_at=before), "GL02")["actions"][0]["status_label"] == "On track"
    on_the_day = timezone.make_aware(datetime.combine(backlog.due, datetime.min.time()))
    assert _kpi(_snapshot(policy, as_at=on_the_day), "GL02")["actions"][0]["status_label"] == "On track"


def test_only_off_track_kpis_show_actions_and_a_red_one_without_says_so(policy):
    # Its action and the committee's resolution complete: no longer open.
    Action.objects.filter(indicators__code="ICT02").update(status=ActionStatus.COMPLETE)
    snapshot = _snapshot(policy, with_charts=True)
    assert _kpi(snapshot, "ICT02")["actions"] == []
    content = paper_content(snapshot)
    sections = {section.item["code"]: section for section in content.sections}
    assert sections["ICT02"].actions == []  # Red: shown, and empty
    assert content.red_paragraphs[0].endswith(NO_OPEN_ACTION)
    amber = [item["code"] for item in snapshot["kpis"] if item["rag"] == "amber"]
    assert amber and all(sections[code].actions is not None for code in amber)
    # HR02 is a special cause of concern (high sickness absence) on its SPC chart.
    assert _kpi(snapshot, "HR02")["spc"]["variation"] == "concern_high"
    hr02 = ["Return-to-work interviews within three days of every absence", "Alex Second"]
    assert [row[:2] for row in sections["HR02"].actions] == [hr02]
    green = [
        item
        for item in snapshot["kpis"]
        if item["rag"] == "green" and not (item["spc"] and item["spc"]["variation"].startswith("concern"))
    ]
    assert green and all(sections[item["code"]].actions is None for item in green)
    assert all(section.actions is None for section in content.sections if not section.is_kpi)


def test_an_action_on_a_kpi_shows_its_owners_full_name_and_a_complete_one_is_left_out(policy, owner_user):
    from indicators.models import Indicator

    ict02 = Indicator.objects.get(code="ICT02")
    owner_user.first_name, owner_user.last_name = "Priya", "Patel"
    owner_user.save()
    done = Action.objects.create(title="Done already", owner=owner_user, due=MEETING, status=ActionStatus.COMPLETE)
    later = Action.objects.create(
        title="Retrain the help desk", owner=owner_user, due=timezone.localdate() + timedelta(days=400)
    )
    done.indicators.set([ict02])
    later.indicators.set([ict02])
    titles = [(a["title"], a["owner"]) for a in _kpi(_snapshot(policy), "ICT02")["actions"]]
    open_ones = Action.objects.filter(indicators=ict02).open().select_related("owner").order_by("due", "pk")
    assert titles == [(a.title, a.owner.get_full_name()) for a in open_ones]  # soonest due first
    assert (ICT02_ACTION, "Sam Owner") in titles and titles[-1] == ("Retrain the help desk", "Priya Patel")
    assert "Done already" not in {title for title, _ in titles}


def test_a_paper_made_before_actions_still_renders_and_compares(policy):
    snapshot = _snapshot(policy)
    old = {**snapshot, "schema": 2}
    old.pop("priorities")
    old["kpis"] = [{k: v for k, v in item.items() if k != "actions"} for item in snapshot["kpis"]]
    old["settings"] = {k: v for k, v in snapshot["settings"].items() if k != "group_by_priority"}
    content = paper_content(old)
    assert all(section.actions is None for section in content.sections)
    assert not any("Action:" in paragraph for paragraph in content.red_paragraphs)
    assert [group.heading for group in content.kpi_groups] == [""]
    # An addendum compares figures and commentary only: an old paper against today's is no change.
    changes = snapshot_changes(old, snapshot)
    assert changes == {"figures": [], "commentary": []}


def test_actions_are_not_addendum_changes(policy):
    before = _snapshot(policy)
    Action.objects.filter(title=ICT02_ACTION).update(status=ActionStatus.COMPLETE)
    assert snapshot_changes(before, _snapshot(policy)) == {"figures": [], "commentary": []}


def test_the_appendix_groups_kpis_by_priority_when_the_settings_say_so(policy):
    settings = policy.paper_settings
    assert [group.heading for group in paper_content(_snapshot(policy)).kpi_groups] == [""]
    settings.group_by_priority = True
    settings.save()
    snapshot = _snapshot(policy)
    groups = {group.heading: [row[0] for row in group.rows] for group in paper_content(snapshot).kpi_groups}
    planned = {code for priority in snapshot["priorities"] for code in priority["codes"]}
    kpis = [item["code"] for item in snapshot["kpis"]]
    assert "ICT02" in groups["4. New models of care and support: a well-run council behind them"]
    assert "GL02" in groups["1. Levelling up Kent"]
    assert groups.get(OTHER_INDICATORS, []) == [code for code in kpis if code not in planned]
    assert sorted(code for rows in groups.values() for code in rows) == sorted(kpis)  # each once: one priority each
    assert list(groups)[-1] == OTHER_INDICATORS or not groups.get(OTHER_INDICATORS)


def test_a_kpi_under_two_priorities_is_listed_under_each(policy):
    from plans.models import Objective, Priority

    settings = policy.paper_settings
    settings.group_by_priority = True
    settings.save()
    environment = Priority.objects.get(title="Environmental step change")
    extra = Objective.objects.create(priority=environment, number=9, title="Paperless council")
    from indicators.models import Indicator

    extra.indicators.add(Indicator.objects.get(code="ICT02"))
    groups = {g.heading: [row[0] for row in g.rows] for g in paper_content(_snapshot(policy)).kpi_groups}
    assert "ICT02" in groups["3. Environmental step change"]
    assert "ICT02" in groups["4. New models of care and support: a well-run council behind them"]


def test_the_grouped_appendix_has_a_heading_per_priority_in_pdf_and_word(policy):
    from docx import Document

    settings = policy.paper_settings
    settings.group_by_priority = True
    settings.save()
    snapshot = build_snapshot(committee=policy, settings=settings, period=NOVEMBER_2019, meeting_date=MEETING)
    groups = paper_content(snapshot).kpi_groups
    pdf, docx = render_paper_files(snapshot)
    document = Document(io.BytesIO(docx))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 3"]
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "Ref" and len(t.columns) == 14]
    assert len(tables) == len(groups) > 1
    assert [len(t.rows) - 1 for t in tables] == [len(g.rows) for g in groups]
    text = pdf_text(pdf)
    for group in groups:
        assert group.heading in headings
        assert group.heading in text


def test_the_paper_settings_admin_offers_the_grouping(admin_client, policy):
    response = admin_client.get(f"/admin/reports/papersettings/{policy.paper_settings.pk}/change/")
    assert response.status_code == 200
    assert 'name="group_by_priority"' in response.content.decode()


def test_readiness_says_when_a_red_kpi_has_no_open_action(policy):
    from reports.services import paper_readiness

    assert not any("improvement action" in gap for gap in paper_readiness(committee=policy, period=NOVEMBER_2019))
    Action.objects.filter(indicators__code="ICT02").update(status=ActionStatus.COMPLETE)
    gaps = paper_readiness(committee=policy, period=NOVEMBER_2019)
    assert [gap for gap in gaps if "improvement action" in gap] == [
        "ICT02 Positive feedback rating with the ICT help desk is Red and has no open improvement action "
        "(the paper will say there is none)."
    ]
