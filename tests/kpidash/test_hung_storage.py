"""S3-compatible papers storage that accepts the connection and never answers: bounded by AWS_S3_TIMEOUT.

botocore's defaults (60 s to connect, 60 s a read, 5 attempts) held a download
or /readyz for about five minutes; the shipped client config gives up after two
attempts of AWS_S3_TIMEOUT each.
"""

from __future__ import annotations

import time

import pytest

from tests.hanging import hanging_listener
from tests.kpidash.test_settings_env import S3, load_settings


def test_the_shipped_s3_client_gives_up_after_two_short_attempts():
    config = load_settings(**S3)["STORAGES"]["default"]["OPTIONS"]["client_config"]
    assert (config.connect_timeout, config.read_timeout) == (5, 5)
    assert config.retries == {"mode": "standard", "max_attempts": 2}


@pytest.mark.django_db
def test_readyz_answers_503_naming_storage_within_the_bound_when_the_store_never_answers(client, settings):
    with hanging_listener() as store:
        shipped = load_settings(**S3, AWS_S3_ENDPOINT_URL=f"http://{store.url}", AWS_S3_TIMEOUT="1")
        default = shipped["STORAGES"]["default"]
        default["OPTIONS"].update(access_key="test-key", secret_key="test-secret", region_name="eu-west-2")
        settings.STORAGES = {**settings.STORAGES, "default": default}
        start = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - start
        assert store.accepted, "connected: it was the answer that never came"
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]
    assert elapsed < 6  # two attempts of AWS_S3_TIMEOUT (1 s) each, and a short back-off
