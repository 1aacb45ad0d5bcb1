"""Fixtures for members' questions: the demo, ICT02 owned by `owner_user`, FN01 by `other_owner_user`,
Policy and Resources' meeting on 4 February 2020 about November 2019's paper, and one question on ICT02."""

from __future__ import annotations

from datetime import date

import pytest

from indicators.models import Committee, Indicator
from questions.models import Meeting, Question
from tests.conftest import make_user

NOV = date(2019, 11, 1)
MEETING_DATE = date(2020, 2, 4)  # the demo's own meeting is 21 January


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ict02(demo, owner_user):
    indicator = Indicator.objects.get(code="ICT02")
    indicator.owners.set([owner_user])
    return indicator


@pytest.fixture
def fn01(demo, other_owner_user):
    indicator = Indicator.objects.get(code="FN01")
    indicator.owners.set([other_owner_user])
    return indicator


@pytest.fixture
def admin_user(db):
    return make_user("test-admin", is_superuser=True, is_staff=True)


@pytest.fixture
def committee(demo):
    return Committee.objects.get(slug="policy-and-resources")


@pytest.fixture
def meeting(committee, clerk_user):
    return Meeting.objects.create(committee=committee, date=MEETING_DATE, period=NOV, created_by=clerk_user)


@pytest.fixture
def question(meeting, ict02, clerk_user):
    return Question.objects.create(
        meeting=meeting,
        indicator=ict02,
        member_name="Cllr Jane Smith",
        text="Why has the help desk's feedback rating fallen below the floor?",
        recorded_by=clerk_user,
    )
