"""Work out every stored rating again (`indicators/ratings.py`).

Ratings are kept up to date by every write; run this after changing a setting
they read (KPIDASH_DEFAULT_GREEN_TOLERANCE, KPIDASH_DEFAULT_AMBER_TOLERANCE,
KPIDASH_DEFAULT_TOLERANCE_UNIT), or after writing to the database outside
kpidash.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from indicators.ratings import refresh_all


class Command(BaseCommand):
    help = "Work out every result's stored ratings again (after changing a rating setting)."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            count = refresh_all()
        self.stdout.write(f"Rated {count:,} results in {time.perf_counter() - started:.1f} s.")
