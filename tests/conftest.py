"""Shared fixtures: the demo organisation, one persona per role (tests/personas.py) and the
indicators the permission matrices use (ICT02 owned by `owner_user`, FN01 by `other_owner_user`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from hypothesis import settings

from accounts.roles import COMMITTEE_CLERK, PERFORMANCE_TEAM, SERVICE_OWNER, VIEWER
from demo.data import load_demo
from indicators.models import Indicator
from tests.demo_copy import load_demo_copy
from tests.personas import PERSONAS

# No per-example deadline: these machines are noisy and the first example of a test may
# load the URLconf or a template (hundreds of ms); a deadline would make such tests flaky.
settings.register_profile("kpidash", deadline=None)
settings.load_profile("kpidash")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Every test's database starts again at the same data version, so cached
    # page parts from another test would be served as current: start empty.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _run_commit_callbacks() -> None:
    # What the test's transaction has queued for its commit, in order (callbacks may queue more).
    queued = connection.run_on_commit
    while queued:
        _, callback, _ = queued.pop(0)
        callback()


@contextmanager
def _commit_here() -> Iterator[None]:
    yield
    _run_commit_callbacks()


@pytest.fixture
def committed(db):
    """`with committed(): ...` runs the on-commit callbacks queued so far as the block ends, as a
    commit would (a test's transaction never commits), so a test sees the data versions a write
    bumps (indicators/cache.py). The fixtures' writes before it are committed as it is set up."""
    _run_commit_callbacks()
    return _commit_here


@pytest.fixture
def demo(db):
    """The demo directorates, indicators, results and users (see demo/data.py).

    No reporting period is open: tests open the ones they need. Loaded for real
    by the first test that asks, then copied in (tests/demo_copy.py).
    """
    load_demo_copy(lambda: load_demo(open_december=False))


def make_user(username: str, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def owner_user(db):
    return make_user("test-owner", SERVICE_OWNER, email="test-owner@example.gov.uk")


@pytest.fixture
def other_owner_user(db):
    return make_user("test-other-owner", SERVICE_OWNER, email="test-other@example.gov.uk")


@pytest.fixture
def performance_user(db):
    return make_user("test-performance", PERFORMANCE_TEAM, is_staff=True)


@pytest.fixture
def clerk_user(db):
    return make_user("test-clerk", COMMITTEE_CLERK)


@pytest.fixture
def viewer_user(db):
    return make_user("test-viewer", VIEWER)


@pytest.fixture
def no_role_user(db):
    """Signed in, but in no role's group."""
    return make_user("test-no-role")


@pytest.fixture
def personas(request) -> dict:
    """Each persona's user by fixture name (tests/personas.py), None for anonymous."""
    return {name: request.getfixturevalue(name) if name else None for name in PERSONAS}


@pytest.fixture
def ict02(demo, owner_user):
    """The demo's ICT02 (positive feedback, Red in November 2019), owned by `owner_user` alone."""
    indicator = Indicator.objects.get(code="ICT02")
    indicator.owners.set([owner_user])
    return indicator


@pytest.fixture
def fn01(demo, other_owner_user):
    """The demo's FN01, owned by `other_owner_user` alone."""
    indicator = Indicator.objects.get(code="FN01")
    indicator.owners.set([other_owner_user])
    return indicator
