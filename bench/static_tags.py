"""The five `{% static %}` tags every page's frame renders, with and without the static-URL memo.

    .venv/bin/python bench/static_tags.py [--runs 5]

Collects the static files (DEBUG off, hashed and compressed) into a temporary
folder, then renders the tags of templates/base.html 5,000 times a run with
WhiteNoise's CompressedManifestStaticFilesStorage and with
kpidash.static_storage.StaticFilesStorage (the same, each URL worked out once),
in turn, and prints the median of the runs for each. Touches no database.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAGS = ["build/images/favicon.svg", "build/kpidash.css", "build/body-class.js"]
TAGS += ["build/govuk-frontend.min.js", "build/govuk-init.js"]
STORAGES = {
    "WhiteNoise": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    "memo": "kpidash.static_storage.StaticFilesStorage",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="kpidash.settings",
        DEBUG="0",
        SECRET_KEY="static-tags-bench-not-a-real-secret-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=(static_root := tempfile.mkdtemp(prefix="kpidash-static-")),
        LOG_LEVEL="WARNING",
    )
    import django
    from django.core.management import call_command

    django.setup()
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
        _measure(args.runs)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


def _measure(runs_each: int) -> None:
    from django.template import Context, Template
    from django.test import override_settings

    tags = Template("{% load static %}" + "".join(f"{{% static '{name}' %}}" for name in TAGS))
    for name, backend in STORAGES.items():
        storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
        with override_settings(STORAGES={**storages, "staticfiles": {"BACKEND": backend}}):
            tags.render(Context())
            runs = [timeit.timeit(lambda: tags.render(Context()), number=5000) / 5000 * 1e6 for _ in range(runs_each)]
        shown = ", ".join(f"{run:.0f}" for run in runs)
        print(f"{name:<10} five tags: median {statistics.median(runs):.0f} us (runs: {shown})")


if __name__ == "__main__":
    main()
