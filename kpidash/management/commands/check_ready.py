"""`python manage.py check_ready`: the /readyz checks, for ops scripts.

Exits 0 when the database, the broker and the papers storage all answer, and 1
otherwise, printing each check and, for a failure, its error.
"""

from django.core.management.base import BaseCommand, CommandError

from kpidash.health import run_checks


class Command(BaseCommand):
    help = "Check that the database, the Celery broker and the papers storage are reachable."

    def handle(self, *args, **options) -> None:
        results = run_checks()
        for name, error in results.items():
            if error is None:
                self.stdout.write(f"{name}: ok")
            else:
                self.stdout.write(f"{name}: FAILED ({error})")
        failed = [name for name, error in results.items() if error is not None]
        if failed:
            raise CommandError(f"not ready: {', '.join(failed)} failed")
        self.stdout.write(self.style.SUCCESS("ready"))
