"""Fixtures for the public site: the demo with its publication, and an administrator persona."""

from __future__ import annotations

import pytest

from demo.public import load_demo_publication
from tests.conftest import make_user

PERSONAS = ["owner_user", "other_owner_user", "performance_user", "clerk_user", "viewer_user", "admin_persona", None]


@pytest.fixture
def admin_persona(db):
    return make_user("test-admin", None, is_staff=True, is_superuser=True)


@pytest.fixture
def published(demo):
    """The demo as `make run` loads it: Strategic and Corporate Services published for 2018/19 and 2019/20."""
    load_demo_publication()


def client_as(client, request, persona):
    if persona is not None:
        client.force_login(request.getfixturevalue(persona))
    return client
