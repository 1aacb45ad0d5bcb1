"""A request body larger than any kpidash form takes is refused unread (413), before sign-in is asked for."""

from __future__ import annotations

import io

import pytest
from django.http.multipartparser import MultiPartParser

pytestmark = pytest.mark.django_db


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The addresses whose multipart body Django parsed (streaming its files to temporary files)."""
    seen: list[str] = []
    parse = MultiPartParser.parse

    def spy(self):
        seen.append("parsed")
        return parse(self)

    monkeypatch.setattr(MultiPartParser, "parse", spy)
    return seen


@pytest.fixture
def small_limits(settings):
    settings.KPIDASH_IMPORT_MAX_BYTES = 200_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000  # so 0.3 MB at most


def _upload(size: int) -> io.BytesIO:
    file = io.BytesIO(b"x" * size)
    file.name = "big.csv"
    return file


@pytest.mark.parametrize("path", ["/accounts/login/", "/spreadsheets/import/", "/healthz", "/public/"])
def test_anyone_posting_an_oversized_file_anywhere_gets_413_and_it_is_not_read(client, small_limits, parsed, path):
    response = client.post(path, {"file": _upload(500_000)})

    assert response.status_code == 413
    assert "The file or form is too large" in response.content.decode()
    assert "kpidash accepts up to 0.3 MB" in response.content.decode()
    assert parsed == []


def test_a_body_within_the_limit_is_read_as_before(client, small_limits, parsed):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "x", "file": _upload(250_000)})

    assert response.status_code == 200  # the sign-in form again, saying the password was wrong
    assert parsed == ["parsed"]


def test_a_file_just_over_the_import_limit_still_gets_the_forms_own_message(client, performance_user, settings):
    settings.KPIDASH_IMPORT_MAX_BYTES = 200_000
    client.force_login(performance_user)

    response = client.post("/spreadsheets/import/", {"file": _upload(250_000)})

    assert response.status_code == 400
    assert "the largest file accepted is 0.2 MB" in response.content.decode()
