"""Fixtures for the API: a client that sends a persona's token, and a no-role user."""

from __future__ import annotations

import pytest
from django.test import Client

from api.tokens import token_create
from tests.conftest import make_user


@pytest.fixture
def no_role_user(db):
    return make_user("test-no-role")


def token_client(user, name: str = "tests") -> Client:
    """A client that reads the API with a fresh token of `user` (no session)."""
    _, secret = token_create(user=user, name=name)
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def as_token():
    return token_client
