"""The proof of issue 18 item 3: the demo, exported and restored into an empty site, is the same site."""

from __future__ import annotations

import io
import re
from datetime import UTC

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from indicators.models import Commentary, Committee, Directorate, Indicator, Phase, Rating, Result, Threshold
from indicators.periods import format_period
from plans.models import Action, Plan
from public.models import Publication
from questions.models import Answer, Meeting, Question, ResponseSheet
from questions.sheet import sheet_publish
from reports.models import PaperSettings
from returns.models import BankHolidayChange, ReportingPeriod
from siteexport.export import export_site
from siteexport.restore import site_import
from tests.indicators.test_ratings import assert_current
from tests.plans.dump import plan_dump
from tests.siteexport.site import enrich_demo, manifest_of, sheets_of, wipe_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(demo, tmp_path):
    """The demo with something in every sheet, exported to site.zip."""
    enrich_demo()
    path = tmp_path / "site.zip"
    export_site(path)
    return path


def restore(path):
    wipe_site()
    plan = site_import(path=path, file_name=path.name)
    assert plan.ok, plan.errors
    return plan


def every_download(client) -> dict[str, tuple[int, bytes]]:
    """The dashboard CSV of every committee and directorate for every month from the first result to the last."""
    client.force_login(get_user_model().objects.get(username="viewer"))
    months = Result.objects.dates("period", "month")
    scopes = [("committee", c.slug) for c in Committee.objects.order_by("slug")]
    scopes += [("directorate", d.slug) for d in Directorate.objects.order_by("slug")]
    downloads = {}
    for kind, slug in scopes:
        for month in months:
            url = reverse(f"{kind}_dashboard_download", args=[slug, format_period(month), "csv"])
            response = client.get(url)
            # A month before a scope's first figure is a 404 page (with its own nonce): its status is compared.
            downloads[url] = (response.status_code, response.content if response.status_code == 200 else b"")
    return downloads


def every_dashboard_json() -> dict[str, str]:
    out = {}
    for option, model in (("committee", Committee), ("directorate", Directorate)):
        for slug in model.objects.order_by("slug").values_list("slug", flat=True):
            for period in ("2018-04", "2019-03", "2019-11"):
                stdout = io.StringIO()
                call_command("dashboard", **{option: slug}, period=period, format="json", stdout=stdout)
                out[f"{option} {slug} {period}"] = stdout.getvalue()
    return out


_VARYING = re.compile(r'(nonce|value|content)="[^"]*"')  # CSP nonces and CSRF tokens
# An action page's audit history starts at the restore, as every record's does (README "Moving to a new site").
_HISTORY = re.compile(r'<ul class="govuk-list" id="action-history">.*?</ul>', re.DOTALL)


def plan_pages(client) -> dict[str, str]:
    client.force_login(get_user_model().objects.get(username="viewer"))
    pages = {}
    for slug in Plan.objects.order_by("slug").values_list("slug", flat=True):
        for period in ("2019-03", "2019-11"):
            response = client.get(reverse("plan_detail", args=[slug]), {"period": period})
            assert response.status_code == 200
            pages[f"{slug} {period}"] = _VARYING.sub(r'\1=""', response.content.decode())
    for pk in Action.objects.order_by("pk").values_list("pk", flat=True):
        response = client.get(reverse("action_detail", args=[pk]))
        pages[f"action {pk}"] = _HISTORY.sub("", _VARYING.sub(r'\1=""', response.content.decode()))
        assert response.status_code == 200
    return pages


def test_a_restored_demo_downloads_every_dashboard_byte_for_byte(site, client):
    before, json_before = every_download(client), every_dashboard_json()
    ratings_before = Rating.objects.count()
    plans_before, pages_before = plan_dump(), plan_pages(client)
    assert (
        len(plans_before["actions"]) == 7
        and any(a[6] for a in plans_before["actions"])
        and plans_before["notes"]
        and plans_before["objectives"]
    )
    assert len(before) == 4 * Result.objects.dates("period", "month").count() > 100
    assert sum(status == 200 for status, _ in before.values()) > 100  # real dashboards, not a page of 404s

    restore(site)

    assert every_download(client) == before
    assert every_dashboard_json() == json_before
    assert plan_dump() == plans_before
    assert plan_pages(client) == pages_before
    assert Rating.objects.count() == ratings_before
    assert_current()  # the stored ratings are complete: rating everything again changes nothing


def members_questions() -> dict[str, list]:
    """Every meeting, question and answer, field by field (questions keep their ids, as actions do)."""

    def name(user):
        return user.username if user else None

    return {
        "meetings": sorted(
            (m.committee.slug, m.date, m.period, name(m.created_by), m.created_at)
            for m in Meeting.objects.select_related("committee", "created_by")
        ),
        "questions": sorted(
            (q.pk, q.meeting.committee.slug, q.meeting.date, q.indicator.code, q.member_name, name(q.asked_by))
            + (q.text, name(q.recorded_by), q.created_at, q.asker)
            for q in Question.objects.select_related("meeting__committee", "indicator", "asked_by", "recorded_by")
        ),
        "answers": sorted(
            (a.question_id, a.text, a.status, name(a.answered_by), a.submitted_at, name(a.approver), a.approved_at)
            + (a.return_reason,)
            for a in Answer.objects.select_related("answered_by", "approver")
        ),
    }


def meeting_page(client, url: str) -> str:
    client.force_login(get_user_model().objects.get(username="clerk"))  # the restore made the people anew
    response = client.get(url)
    assert response.status_code == 200 and "Cllr Ann Other" in response.content.decode()
    return _VARYING.sub(r'\1=""', response.content.decode())


def test_meetings_questions_and_answers_come_back_as_they_were(site, client):
    before = members_questions()
    assert len(before["meetings"]) == 2 and len(before["questions"]) == 4
    assert [a[2] for a in before["answers"]] == ["approved", "approved", "returned"]
    assert any(q[5] == "viewer" and not q[4] for q in before["questions"])  # a councillor's own question
    meeting_url = reverse("meeting_detail", args=["policy-and-resources", "2020-01-21"])
    page_before = meeting_page(client, meeting_url)

    restore(site)

    assert members_questions() == before
    assert meeting_page(client, meeting_url) == page_before
    # The next question continues after the restored ids.
    meeting = Meeting.objects.get(committee__slug="policy-and-resources")
    new = Question.objects.create(meeting=meeting, indicator=Indicator.objects.get(code="ICT02"), text="And?")
    assert new.pk > max(q[0] for q in before["questions"])


def test_response_sheets_are_not_carried_and_the_clerk_publishes_the_meeting_again(demo, tmp_path):
    users = get_user_model().objects.in_bulk(field_name="username")
    meeting = Meeting.objects.get(committee__slug="policy-and-resources")
    sheet_publish(user=users["clerk"], meeting=meeting)
    path = tmp_path / "site.zip"
    export_site(path)

    restore(path)

    meeting = Meeting.objects.get(committee__slug="policy-and-resources")
    assert not ResponseSheet.objects.exists()
    again = sheet_publish(user=get_user_model().objects.get(username="clerk"), meeting=meeting)
    assert again.version == 1
    assert [item["approved"] for item in again.content["questions"]] == [True, True]


def test_a_restored_site_exports_the_same_sheets_again(site, tmp_path):
    restore(site)
    again = tmp_path / "again.zip"
    export_site(again)

    first, second = sheets_of(site), sheets_of(again)
    assert first == second
    assert set(first["site.xlsx"]) >= {"People", "Commentary", "Reporting periods", "Phases", "Paper settings"}
    assert [len(first["site.xlsx"][name]) for name in ("Meetings", "Questions", "Answers")] == [3, 5, 4]
    assert len(first["workbook.xlsx"]["Results"]) == Result.objects.count() + 1
    assert {k: v for k, v in manifest_of(site).items() if k != "created_at"} == {
        k: v for k, v in manifest_of(again).items() if k != "created_at"
    }


def _records() -> dict[str, list]:
    """What the site holds, by natural keys (no ids, which a restore does not keep)."""
    User = get_user_model()

    def name(user):
        return user.username if user else None

    return {
        "people": sorted(
            (u.username, u.first_name, u.last_name, u.email, u.is_active, u.is_staff, u.is_superuser)
            + (tuple(sorted(g.name for g in u.groups.all())),)
            for u in User.objects.prefetch_related("groups")
        ),
        "committees": sorted(
            (c.name, c.slug, c.direction_basis, tuple(sorted(d.name for d in c.directorates.all())))
            for c in Committee.objects.prefetch_related("directorates")
        ),
        "owners": sorted((i.code, tuple(sorted(u.username for u in i.owners.all()))) for i in Indicator.objects.all()),
        "thresholds": sorted(
            (t.indicator.code, t.financial_year, t.scheme, t.target, t.floor, t.lower, t.upper)
            for t in Threshold.objects.select_related("indicator")
        ),
        "phases": sorted((p.indicator.code, p.start, p.reason) for p in Phase.objects.select_related("indicator")),
        "commentary": sorted(
            (
                c.indicator.code,
                c.period,
                c.text,
                c.status,
                name(c.author),
                c.submitted_at,
                name(c.approver),
                c.approved_at,
                c.return_reason,
                c.version,
            )
            for c in Commentary.objects.select_related("indicator", "author", "approver")
        ),
        "periods": sorted(
            (p.period, p.status, p.deadline, name(p.opened_by), p.opened_at, name(p.closed_by), p.closed_at)
            for p in ReportingPeriod.objects.all()
        ),
        "paper settings": sorted(
            tuple(
                getattr(s, f.attname) for f in PaperSettings._meta.concrete_fields if f.name not in ("id", "updated_at")
            )
            + (s.committee.name,)
            for s in PaperSettings.objects.select_related("committee")
        ),
        "bank holidays": sorted((b.day, b.change, b.name) for b in BankHolidayChange.objects.all()),
        "publications": sorted(
            (p.indicator.code, p.financial_year, name(p.published_by), p.published_at)
            for p in Publication.objects.select_related("indicator", "published_by")
        ),
        "results": sorted(Result.objects.values_list("indicator__code", "period", "value", "numerator", "denominator")),
    }


def test_people_phases_commentary_periods_paper_settings_and_bank_holidays_come_back_as_they_were(site):
    before = _records()
    assert len(before["publications"]) == 3
    assert any(row[3] == "returned" for row in before["commentary"])
    assert any(row[1] == "closed" and row[6] for row in before["periods"])

    restore(site)

    after = _records()
    # Paper settings point at their committee by id: compare all but that.
    for records in (before, after):
        records["paper settings"] = [row[2:] for row in records["paper settings"]]
    assert after == before


def test_restored_people_have_no_usable_password_and_keep_their_roles_and_active_flag(site):
    restore(site)

    people = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
    assert not any(u.has_usable_password() for u in people.values())
    assert [g.name for g in people["owner"].groups.all()] == ["Service owner"]
    assert people["leaver"].is_active is False
    assert people["admin"].is_superuser and people["performance"].is_staff


def test_a_restore_is_recorded_once_and_gives_each_record_its_history(site):
    plan = restore(site)

    assert plan.record is not None and plan.record.file_name == "site.zip"
    result = Result.objects.get(indicator__code="ICT02", period__year=2019, period__month=11)
    assert [h.history_change_reason for h in result.history.all()] == ["Imported from site.zip"]
    threshold = Threshold.objects.get(indicator__code="ICT02", financial_year=2019)
    assert [h.history_change_reason for h in threshold.history.all()] == ["Imported from site.zip"]
    closed = ReportingPeriod.objects.get(status="closed")
    assert closed.closed_at.astimezone(UTC).microsecond == 345678


@pytest.mark.django_db(transaction=True)
def test_a_second_restore_waits_for_the_first_however_long_it_takes_not_for_the_lock_timeout():
    """DB_LOCK_TIMEOUT is for requests; a restore is deliberate and long, so a second one waits for it."""
    import threading
    import time

    from django.db import connection, transaction

    from siteexport.restore import _one_restore_at_a_time

    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite lets one writer at a time anyway")
    options = connection.settings_dict["OPTIONS"]
    saved, options["options"] = options["options"], "-c lock_timeout=300"  # the shipped option, shorter
    connection.close()
    holding, release = threading.Event(), threading.Event()

    def first_restore() -> None:
        try:
            with transaction.atomic():
                _one_restore_at_a_time()
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=first_restore)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        threading.Timer(1.5, release.set).start()  # the first restore commits well after the lock_timeout
        start = time.monotonic()
        with transaction.atomic():
            _one_restore_at_a_time()  # waits, rather than OperationalError: canceling statement due to lock timeout
        assert time.monotonic() - start >= 1
    finally:
        release.set()
        holder.join(timeout=30)
        options["options"] = saved
        connection.close()
