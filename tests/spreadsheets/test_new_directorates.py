"""The workbook import adds the directorates and committees its Indicators sheet names and the site lacks (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import Committee, Directorate, Indicator
from spreadsheets.services import workbook_check, workbook_import

pytestmark = pytest.mark.django_db

HEADER = "code,name,directorate,committee\n"
ROWS = (
    'GT01,Potholes repaired,"Growth, Environment and Transport",Environment and Transport Cabinet Committee\n'
    'GT02,Streetlights fixed,"Growth, Environment and Transport",Environment and Transport Cabinet Committee\n'
)


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "indicators.csv"
    path.write_text(text, encoding="utf-8")
    return path


def messages(plan) -> list[str]:
    return [f"{e.sheet}|{e.row}|{e.column}|{e.message}" for e in plan.errors]


def test_the_preview_says_what_it_will_create_and_creates_nothing(tmp_path, performance_user):
    plan = workbook_check(path=csv_file(tmp_path, HEADER + ROWS), file_name="indicators.csv", user=performance_user)

    assert plan.ok, messages(plan)
    assert plan.creates == [
        "Will create directorate “Growth, Environment and Transport” (named on Indicators row 2).",
        "Will create committee “Environment and Transport Cabinet Committee” (named on Indicators row 2).",
    ]
    assert plan.counts["Directorates"].created == 1 and plan.counts["Committees"].created == 1
    assert plan.counts["Indicators"].created == 2
    assert not Directorate.objects.exists() and not Committee.objects.exists()


def test_a_fresh_site_imports_indicators_with_their_new_directorate_and_committee(tmp_path, performance_user):
    plan = workbook_import(path=csv_file(tmp_path, HEADER + ROWS), file_name="indicators.csv", user=performance_user)

    assert plan.applied, messages(plan)
    directorate = Directorate.objects.get()
    assert (directorate.name, directorate.slug) == (
        "Growth, Environment and Transport",
        "growth-environment-and-transport",
    )
    committee = Committee.objects.get()
    assert committee.slug == "environment-and-transport-cabinet-committee"
    assert list(committee.directorates.all()) == [directorate]
    assert set(Indicator.objects.values_list("directorate__name", flat=True)) == {directorate.name}
    again = workbook_import(path=csv_file(tmp_path, HEADER + ROWS), file_name="indicators.csv", user=performance_user)
    assert again.total_changed == 0 and not again.creates  # the second time they exist


def test_a_slug_already_taken_gets_a_number(tmp_path, performance_user):
    Directorate.objects.create(name="Growth Environment and Transport (old)", slug="growth-environment-and-transport")

    plan = workbook_import(path=csv_file(tmp_path, HEADER + ROWS), file_name="indicators.csv", user=performance_user)

    assert plan.applied, messages(plan)
    assert (
        Directorate.objects.get(name="Growth, Environment and Transport").slug == "growth-environment-and-transport-2"
    )


def test_a_name_the_admin_would_refuse_is_refused_and_nothing_is_written(tmp_path, performance_user):
    text = HEADER + ROWS + f"GT03,Too long,{'D' * 201},\n"

    plan = workbook_import(path=csv_file(tmp_path, text), file_name="indicators.csv", user=performance_user)

    assert not plan.applied
    assert messages(plan) == [
        f"Indicators|4|directorate|A new directorate “{'D' * 201}” cannot be added: "
        "Ensure this value has at most 200 characters (it has 201)."
    ]
    assert not Directorate.objects.exists() and not Indicator.objects.exists() and not Committee.objects.exists()


def test_only_the_performance_team_may_add_them(tmp_path, clerk_user):
    plan = workbook_check(path=csv_file(tmp_path, HEADER + ROWS), file_name="indicators.csv", user=clerk_user)

    assert (
        "Indicators|2|directorate|Unknown directorate “Growth, Environment and Transport”: only the performance "
        "team can add one." in messages(plan)
    )
    assert not plan.creates


def test_the_preview_page_lists_them(client, performance_user, settings, tmp_path):
    settings.KPIDASH_IMPORT_DIR = tmp_path / "imports"
    client.force_login(performance_user)
    upload = SimpleUploadedFile("indicators.csv", (HEADER + ROWS).encode(), content_type="text/csv")

    response = client.post(reverse("spreadsheet_import"), {"file": upload})

    page = response.content.decode()
    assert "Will create directorate “Growth, Environment and Transport” (named on Indicators row 2)." in page
    client.post(response.context["confirm_url"])
    assert Directorate.objects.filter(name="Growth, Environment and Transport").exists()
