"""Home, dashboard and indicator pages: who sees what, and what they see."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from indicators.models import Indicator, Result
from tests.personas import SIGNED_IN

DASHBOARD = "/committees/policy-and-resources/"
NOVEMBER = "/committees/policy-and-resources/2019-11/"
PAGES = [
    "/",
    DASHBOARD,
    NOVEMBER,
    f"{NOVEMBER}dashboard.csv",
    f"{NOVEMBER}dashboard.xlsx",
    "/directorates/strategic-and-corporate-services/",
    "/indicators/ICT02/",
]


def demo_user(username: str):
    return get_user_model().objects.get(username=username)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def kpi_refs(response) -> list[str]:
    """The KPI table's row references, in the order shown."""
    html = response.content.decode()
    table = html.split("Key Performance Indicators,")[1].split("</table>")[0]
    return re.findall(r'id="row-([A-Z]+[0-9]+)"', table)


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, demo, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", SIGNED_IN)
@pytest.mark.parametrize("url", PAGES)
def test_every_signed_in_role_may_read_every_dashboard_page(client, demo, request, persona, url):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 200


def test_committee_dashboard_defaults_to_the_latest_period_and_counts_21_3_1(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(DASHBOARD)
    page = text(response)
    assert "Results up to the end of November 2019" in page
    assert (
        "21 of the 25 KPIs achieved target and were RAG rated Green, 3 were below target but did achieve the "
        "floor standard (Amber) and 1 did not achieve the floor standard (Red)." in page
    )
    assert len(kpi_refs(response)) == 25


def rating_counts(html: str) -> dict[str, str]:
    """The rating summary's counts as written, by rating."""
    summary = html.split('id="rating-summary"')[1].split("</div>")[0]
    found = re.findall(r'id="rating-count-(\w+)">.*?class="kp-rating-summary__number">(\d+)<', summary)
    return dict(found)


def row_html(html: str, code: str) -> str:
    return html.split(f'id="row-{code}"')[1].split("</tr>")[0]


def test_the_rating_summary_writes_the_counts_sentences_21_3_1_and_none_unrated(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(NOVEMBER)
    html = response.content.decode()
    assert rating_counts(html) == {"green": "21", "amber": "3", "red": "1", "none": "0"}
    assert "Ratings of the 25 KPIs, November 2019" in text(response)
    bar = html.split('class="kp-rating-bar"')[1].split("</svg>")[0]
    assert 'aria-hidden="true"' in bar and "style=" not in bar
    assert re.findall(r'segment--(\w+)" x="([\d.]+)%" y="0" width="([\d.]+)%"', bar) == [
        ("green", "0.0", "84.0"),
        ("amber", "84.0", "12.0"),
        ("red", "96.0", "4.0"),
    ]


def test_the_rating_summary_counts_every_kpi_whatever_the_filters(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get(NOVEMBER, {"rag": "amber"}).content.decode()
    assert rating_counts(html) == {"green": "21", "amber": "3", "red": "1", "none": "0"}


def test_a_directorate_dashboard_has_the_rating_summary_and_sparklines_too(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get("/directorates/strategic-and-corporate-services/2019-11/").content.decode()
    assert rating_counts(html) == {"green": "21", "amber": "3", "red": "1", "none": "0"}
    assert html.count('class="kp-spark"') == 25 + 10  # every KPI and activity indicator


def test_each_row_has_a_sparkline_hidden_from_screen_readers_with_its_twelve_months_in_text(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get(NOVEMBER).content.decode()
    row = row_html(html, "ICT02")
    spark = row.split('<svg xmlns="http://www.w3.org/2000/svg" class="kp-spark"')[1].split("</svg>")[0]
    assert 'aria-hidden="true"' in spark and "style=" not in spark
    assert (
        '<span class="govuk-visually-hidden">December 2018 to November 2019: 93.9%, 97.4%, 98.0%, 92.3%, 99.8%, '
        "91.8%, 96.7%, 98.2%, 95.0%, 99.0%, 93.0%, 88.6%.</span>" in row
    )
    assert re.search(r'<th scope="col" class="govuk-table__header">\s*Last 12 months\s*</th>', html)


def test_a_quarterly_kpis_sparkline_has_its_four_quarters(client, demo, viewer_user):
    client.force_login(viewer_user)
    row = row_html(client.get(NOVEMBER).content.decode(), "HR05")
    assert "December 2018 to September 2019: 5.4%, 4.1%, 6.7%, 4.3%." in row


def test_tolerance_band_committee_counts_sentence_does_not_mention_floor_standards(client, demo, viewer_user):
    client.force_login(viewer_user)
    page = text(client.get("/committees/environment-and-transport/"))
    assert (
        "3 of the 7 KPIs were RAG rated Green, 1 was RAG rated Amber, 2 were RAG rated Red and 1 was reported "
        "for information only (not RAG rated)." in page
    )
    assert "floor standard (Amber)" not in page


def test_the_red_kpi_is_shown_red_in_words_not_only_colour(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get(NOVEMBER).content.decode()
    row = html.split('id="row-ICT02"')[1].split("</tr>")[0]
    assert "kp-rag--red" in row and ">Red<" in row
    assert "88.6%" in row


def test_lower_is_better_kpi_under_target_is_green_on_the_page(client, demo, viewer_user):
    client.force_login(viewer_user)
    row = client.get(NOVEMBER).content.decode().split('id="row-FN04"')[1].split("</tr>")[0]
    assert "17.3 days" in row and ">Green<" in row


def test_a_quarterly_value_not_yet_due_is_labelled_latest_available(client, demo, viewer_user):
    client.force_login(viewer_user)
    row = client.get(NOVEMBER).content.decode().split('id="row-HR03"')[1].split("</tr>")[0]
    assert "September 2019 (latest available)" in row


def test_an_overdue_value_is_labelled_with_when_it_was_last_reported(client, demo, viewer_user):
    Result.objects.filter(indicator__code="FN03", period__gt=date(2019, 8, 1)).delete()
    client.force_login(viewer_user)
    row = client.get(NOVEMBER).content.decode().split('id="row-FN03"')[1].split("</tr>")[0]
    assert "Last reported: August 2019" in row


def test_previous_year_values_are_in_italics_and_labelled_with_their_period(client, demo, viewer_user):
    client.force_login(viewer_user)
    row = client.get(NOVEMBER).content.decode().split('id="row-ICT02"')[1].split("</tr>")[0]
    assert re.search(r"<i>[0-9.]+%</i><br><span[^>]*>November 2018</span>", row)


def test_filtering_by_rag_shows_only_those_kpis_and_no_activity(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(NOVEMBER, {"rag": "red"})
    assert kpi_refs(response) == ["ICT02"]
    assert "Activity indicators, November 2019" not in response.content.decode()


def test_filtering_by_kind_shows_only_activity(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get(NOVEMBER, {"kind": "activity"}).content.decode()
    assert "Activity indicators, November 2019" in html
    assert "Key Performance Indicators, November 2019" not in html


def test_filtering_by_directorate_on_a_committee_keeps_only_its_indicators(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(NOVEMBER, {"directorate": "strategic-and-corporate-services"})
    assert len(kpi_refs(response)) == 25


def test_an_unknown_filter_value_is_explained_and_the_rows_are_not_filtered(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(NOVEMBER, {"rag": "purple"})
    assert response.status_code == 200
    assert "Select a valid choice. purple is not one of the available choices." in text(response)
    assert len(kpi_refs(response)) == 25


def test_sorting_by_month_rag_puts_red_first_and_green_last_descending(client, demo, viewer_user):
    client.force_login(viewer_user)
    ascending = kpi_refs(client.get(NOVEMBER, {"sort": "month_rag"}))
    descending = kpi_refs(client.get(NOVEMBER, {"sort": "-month_rag"}))
    assert ascending[0] == "ICT02"
    assert descending[-1] == "ICT02"


def test_download_links_keep_the_filters(client, demo, viewer_user):
    client.force_login(viewer_user)
    html = client.get(NOVEMBER, {"rag": "amber", "sort": "ref"}).content.decode()
    assert f'href="{NOVEMBER}dashboard.csv?rag=amber"' in html
    assert f'href="{NOVEMBER}dashboard.xlsx?rag=amber"' in html


def test_the_period_picker_moves_to_the_period_address_keeping_filters(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get(DASHBOARD, {"period": "2019-05", "kind": "kpi"})
    assert response.status_code == 302
    assert response["Location"] == "/committees/policy-and-resources/2019-05/?kind=kpi"
    page = text(client.get(response["Location"]))
    assert "Results up to the end of May 2019" in page
    assert "Previous period : April 2019" in page and "Next period : June 2019" in page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/committees/policy-and-resources/2019-13/", "'2019-13' is not a valid period: month must be 01–12."),
        ("/committees/policy-and-resources/November/", "Page not found"),  # not shaped like a period: no address
        ("/committees/policy-and-resources/2019-00/dashboard.csv", "'2019-00' is not a valid period: month must be"),
        ("/directorates/strategic-and-corporate-services/2019-13/", "'2019-13' is not a valid period: month must"),
        ("/returns/2019-13/ICT02/", "'2019-13' is not a valid period: month must be 01–12."),
        (
            "/committees/policy-and-resources/2020-01/",
            "There is no data for Policy and Resources Cabinet "
            "Committee for January 2020: the latest results are for "
            "November 2019.",
        ),
        (
            "/committees/policy-and-resources/2010-01/",
            "There is no data for Policy and Resources Cabinet Committee for January 2010.",
        ),
        ("/committees/no-such-committee/", "There is no committee with the address ‘no-such-committee’."),
        ("/directorates/no-such-directorate/2019-11/", "There is no directorate with the address"),
        ("/committees/policy-and-resources/2019-11/dashboard.pdf", "download as CSV or XLSX, not ‘pdf’"),
        ("/committees/policy-and-resources/?period=2019-00", "'2019-00' is not a valid period"),
        ("/indicators/NOPE99/", "There is no indicator with the reference ‘NOPE99’."),
        ("/indicators/ICT02/?period=last-month", "'last-month' is not a valid period"),
    ],
)
def test_bad_addresses_get_a_404_page_saying_what_was_wrong(client, demo, viewer_user, url, message):
    client.force_login(viewer_user)
    response = client.get(url)
    assert response.status_code == 404
    assert message in response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize(
    "url",
    [
        "/committees/policy-and-resources/2019-13/",
        "/committees/policy-and-resources/2019-13/dashboard.csv",
        "/directorates/strategic-and-corporate-services/2019-00/",
    ],
)
def test_a_period_that_is_no_month_is_refused_before_the_view_runs(client, demo, viewer_user, monkeypatch, url):
    from indicators import views

    def reached(*args, **kwargs):
        raise AssertionError("the view was reached")

    monkeypatch.setattr(views, "_dashboard_page", reached)
    monkeypatch.setattr(views, "_download", reached)
    client.force_login(viewer_user)
    response = client.get(url)
    assert response.status_code == 404
    assert "is not a valid period: month must be 01–12." in response.content.decode()


def test_an_unknown_address_is_still_the_plain_page_not_found(client, demo, viewer_user):
    client.force_login(viewer_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() and "not-found-message" not in response.content.decode()


def test_a_committee_without_results_is_a_404_not_an_error(client, db, viewer_user):
    from indicators.models import Committee

    Committee.objects.create(name="Empty Committee", slug="empty")
    client.force_login(viewer_user)
    response = client.get("/committees/empty/")
    assert response.status_code == 404
    assert "There are no results for Empty Committee yet." in response.content.decode()


def test_home_lists_every_committee_and_directorate_with_its_position(client, demo, viewer_user):
    client.force_login(viewer_user)
    page = text(client.get("/"))
    assert "Policy and Resources Cabinet Committee November 2019 21 of 25 KPIs Green, 3 Amber, 1 Red" in page
    assert "Strategic and Corporate Services November 2019 21 of 25 KPIs Green, 3 Amber, 1 Red" in page
    assert "Environment and Transport Cabinet Committee" in page
    assert "Your returns" not in page  # returns/panels.py: only for those who enter returns


def test_indicator_page_shows_definition_owner_thresholds_results_and_commentary(client, demo, viewer_user):
    client.force_login(viewer_user)
    page = text(client.get("/indicators/ICT02/"))
    assert "Positive feedback rating with the ICT help desk, as recorded by the service" in page
    assert "Owner Sam Owner" in page
    assert "Polarity H – higher is better" in page
    assert "2019/20 95.0% 90.0%" in page
    assert "November 2019 88.6%" in page
    assert "Cantium Business Solutions now have a stock of spare laptops" in page
    assert "Month RAG Red" in page


def test_audit_history_is_shown_to_the_performance_team_only(client, demo, viewer_user, performance_user):
    result = Result.objects.get(indicator__code="ICT02", period=date(2019, 11, 1))
    result._history_user = performance_user
    result.save()  # the demo is bulk-loaded: this records the value before the edit
    result.value = result.value + 1
    result.save()
    client.force_login(viewer_user)
    assert "Audit history" not in text(client.get("/indicators/ICT02/"))
    client.force_login(performance_user)
    page = text(client.get("/indicators/ICT02/"))
    assert "Audit history" in page
    assert "test-performance Result November 2019 (changed) Value: 88.6 → 89.6" in page


def test_audit_history_is_visible_to_a_superuser(client, demo):
    client.force_login(demo_user("admin"))
    assert "Audit history" in text(client.get("/indicators/ICT02/"))


def test_an_activity_indicator_page_shows_its_expected_range(client, demo, viewer_user):
    client.force_login(viewer_user)
    page = text(client.get("/indicators/ICT07/"))
    assert "Expected range Above" in page
    assert "Lower threshold Upper threshold" in page


def test_an_indicator_without_results_has_a_page_without_a_chart(client, demo, viewer_user):
    directorate = Indicator.objects.first().directorate
    Indicator.objects.create(code="NEW01", name="A brand new indicator", directorate=directorate)
    client.force_login(viewer_user)
    page = text(client.get("/indicators/NEW01/"))
    assert "There are no results to chart yet." in page
    assert "No results have been entered." in page
