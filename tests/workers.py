"""A real Celery worker process for tests, reading the test process's database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def worker_database_url() -> str:
    """The URL of the database this test process is using, for a worker to open."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(queue: str, **env: str) -> subprocess.Popen:
    """`celery -A kpidash worker` on its own queue (so no other worker takes the task)."""
    environment = {**os.environ, "DATABASE_URL": worker_database_url(), "CELERY_TASK_ALWAYS_EAGER": "0", **env}
    command = [sys.executable, "-m", "celery", "-A", "kpidash", "worker", "-Q", queue, "--pool", "solo"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
