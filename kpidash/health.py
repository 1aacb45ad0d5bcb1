"""Health endpoints for load balancers and ops scripts.

/healthz says the process is up (no dependencies touched), /readyz that this
host can serve: the database, the Celery broker and the papers storage all
answer. Both are open without sign-in, so they say which check failed but never
why in detail (hosts, users and errors go to the log, not to the internet).
`python manage.py check_ready` runs the same checks.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    if settings.REDIS_URL:
        import redis

        # The same short timeouts as the cache's: a hung Redis fails this check
        # within a second instead of holding the probe (and a gunicorn thread).
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            socket_timeout=settings.REDIS_TIMEOUT,
        )
        try:
            client.ping()
        finally:
            client.close()
        return
    # kombu's filesystem transport: the queue folder must be writable (created
    # here if missing, as the Celery app does when it is first configured).
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass


def check_storage() -> None:
    # Write, read back and delete a probe where papers go (a directory or S3).
    name = default_storage.save(f"{settings.KPIDASH_PAPER_DIR}/.ready-{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as probe:
            if probe.read() != b"ok":
                raise OSError("storage returned different bytes")
    finally:
        default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


def run_checks() -> dict[str, str | None]:
    """Each check's name and None when it passed, else the error (for logs and ops, not for the web)."""
    results: dict[str, str | None] = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = None
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            logger.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = f"{type(exc).__name__}: {exc}"
    return results


@login_not_required
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = run_checks()
    failed = [name for name, error in results.items() if error is not None]
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: "failed" if error else "ok" for name, error in results.items()},
        "failed": failed,
    }
    return JsonResponse(body, status=503 if failed else 200)
