"""Fixtures for the Redis cache's tests (kpidash/redis_cache.py)."""

from __future__ import annotations

import pytest

from kpidash import redis_cache
from tests.kpidash.test_settings_env import load_settings
from tests.services import REDIS_URL


@pytest.fixture(autouse=True)
def _nothing_skipped():
    """Each test starts with every Redis asked: a skip one test started must not decide another's."""
    redis_cache._unanswered_until.clear()
    yield
    redis_cache._unanswered_until.clear()


@pytest.fixture
def log_ignored(settings):
    """The running Django logs ignored Redis failures as the shipped settings say (here even without REDIS_URL)."""
    shipped = load_settings(REDIS_URL=REDIS_URL)
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = shipped["DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS"]
    settings.DJANGO_REDIS_LOGGER = shipped["DJANGO_REDIS_LOGGER"]
