"""Code run at the same moment in real threads, each with its own database connection."""

from __future__ import annotations

import threading

from django.db import connections


def run_together(*bodies) -> list[Exception]:
    """Run each body in its own thread and wait for them all; what they raised."""
    errors: list[Exception] = []

    def run(body):
        try:
            body()
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors
