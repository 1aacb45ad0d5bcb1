"""/healthz, /readyz and `manage.py check_ready`, against the real database, broker and storage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_healthz_answers_without_sign_in_or_the_database(client):
    # No db fixture: pytest-django would fail this test if the view touched the database.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_when_database_broker_and_storage_answer(client, db, media):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "storage": "ok"},
        "failed": [],
    }
    assert not any(media.rglob(".ready-*")), "the storage probe is cleaned up"


def test_readyz_names_an_unreachable_broker_without_leaking_its_address(client, db, media, settings):
    # Port 1 on loopback: nothing listens, so the connection is refused at once.
    settings.REDIS_URL = "redis://:broker-secret@127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"
    assert b"broker-secret" not in response.content
    assert b"127.0.0.1" not in response.content


def test_readyz_names_storage_that_cannot_be_written(client, db, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = blocker / "media"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]


def test_health_endpoints_refuse_writes(client, db):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_check_ready_command_reports_each_check(db, media, capsys):
    call_command("check_ready")
    out = capsys.readouterr().out
    assert "database: ok" in out and "broker: ok" in out and "storage: ok" in out
    assert out.strip().endswith("ready")


def test_check_ready_command_fails_naming_the_broker(db, media, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    with pytest.raises(CommandError, match="not ready: broker failed"):
        call_command("check_ready")


def test_check_ready_exits_non_zero_when_the_database_is_down(tmp_path):
    # A separate process, as an ops script runs it, against a port nothing listens on.
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://kpidash@127.0.0.1:1/kpidash",
        "KPIDASH_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check_ready"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "database: FAILED" in result.stdout
    assert "broker: ok" in result.stdout and "storage: ok" in result.stdout
    assert "not ready: database failed" in result.stderr
