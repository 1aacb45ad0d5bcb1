"""Fixtures for the API: a client that sends a persona's token (the no-role user is tests/conftest.py's)."""

from __future__ import annotations

import pytest
from django.test import Client

from api.tokens import token_create


def token_client(user, name: str = "tests") -> Client:
    """A client that reads the API with a fresh token of `user` (no session)."""
    _, secret = token_create(user=user, name=name)
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def as_token():
    return token_client
