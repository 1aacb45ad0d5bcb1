"""deploy/gunicorn.conf.py reads its GUNICORN_* variables as settings.py does: loud on a bad value."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

CONF = str(Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py")


def test_the_gunicorn_defaults_are_read_as_their_types(monkeypatch):
    for name in ("GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_WORKER_CONNECTIONS"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(CONF)
    assert conf["threads"] == 4
    assert conf["timeout"] == 30
    assert conf["worker_connections"] == 4  # one connection per thread unless told


@pytest.mark.parametrize(
    "name, value, allowed",
    [
        ("GUNICORN_WORKERS", "four", "use a whole number from 1 to 256"),
        ("GUNICORN_THREADS", "0", "use a whole number from 1 to 256"),
        ("GUNICORN_TIMEOUT", "30s", "use a whole number from 1 to 3600"),
        ("GUNICORN_KEEPALIVE", "-1", "use a whole number from 0 to 3600"),
        ("GUNICORN_WORKER_CONNECTIONS", "lots", "use a whole number from 1 to 100000"),
        ("GUNICORN_MAX_REQUESTS", "1e4", "use a whole number of at least 0"),
        ("GUNICORN_WORKER_CLASS", "gevnt", "use one of 'gthread', 'sync'"),
    ],
)
def test_a_mistyped_gunicorn_variable_stops_start_up_naming_it(monkeypatch, name, value, allowed):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        runpy.run_path(CONF)
    assert str(refused.value) == f"{name}={value!r} is not allowed: {allowed}."
