"""The roles' groups and the admin permissions they hold, from the moment the database is made."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import COMMITTEE_CLERK, PERFORMANCE_TEAM, VIEWER

pytestmark = pytest.mark.django_db


def codenames(role: str, *apps: str) -> set[str]:
    group = Group.objects.get(name=role)
    return set(group.permissions.filter(content_type__app_label__in=apps).values_list("codename", flat=True))


def test_a_freshly_migrated_database_grants_the_performance_team_every_app_it_manages():
    """The test database is made by `migrate`, as a new council's is: nothing else has run."""
    granted = codenames(PERFORMANCE_TEAM, "indicators", "returns", "reports")
    for model in ("indicator", "threshold", "reportingperiod", "bankholidaychange", "papersettings", "paper"):
        assert {f"add_{model}", f"change_{model}", f"delete_{model}", f"view_{model}"} <= granted, model


def test_other_roles_only_view_indicators():
    for role in (COMMITTEE_CLERK, VIEWER):
        assert codenames(role, "returns", "reports") == set()
        assert codenames(role, "indicators") == {
            f"view_{m}" for m in ("directorate", "committee", "indicator", "threshold", "phase", "result", "commentary")
        }
