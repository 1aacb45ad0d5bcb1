"""The demo committee's paper settings, in the words of the seed cover report."""

from __future__ import annotations

from indicators.models import Committee
from reports.models import PaperSettings

POLICY_AND_RESOURCES = {
    "from_lines": (
        "Peter Oakford, Deputy Leader and Cabinet Member for Finance,\nCorporate and Traded Services\n\n"
        "Shellina Prendergast, Cabinet Member for Customers,\nCommunications and Performance\n\n"
        "David Cockburn, Corporate Director for Strategic and Corporate\nServices"
    ),
    "targets_note": "These KPIs and targets came before the Cabinet Committee for comment in May 2019.",
    "author_name": "Rachel Kennard",
    "author_title": "Chief Analyst",
    "author_team": "Strategic Commissioning – Performance & Analytics",
    "author_phone": "03000 414527",
    "author_email": "rachel.kennard@kent.gov.uk",
    "director_name": "Vincent Godfrey",
    "director_title": "Strategic Commissioner",
    "director_phone": "03000 421995",
    "director_email": "vincent.godfrey@kent.gov.uk",
}


def load_demo_paper_settings() -> None:
    """Create or refresh the demo's paper settings; running it twice changes nothing."""
    committee = Committee.objects.filter(slug="policy-and-resources").first()
    if committee is not None:
        PaperSettings.objects.update_or_create(committee=committee, defaults=POLICY_AND_RESOURCES)
