"""python manage.py import_site PATH.zip [--dry-run] [--user USERNAME]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from siteexport.restore import site_import


class Command(BaseCommand):
    help = (
        "Restore a site export (made by export_site) into this empty, newly migrated site: all of it or nothing. "
        "Prints the counts per sheet and every error; exits non-zero on any error."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="check the whole restore, then undo it")
        parser.add_argument("--user", help="username already on this site to record as the importer")

    def handle(self, *args, path: str, user: str | None, dry_run: bool, **options) -> None:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path} does not exist or is not a file.")
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user is called {user!r}.")
        plan = site_import(path=file, file_name=file.name, user=importer, dry_run=dry_run)
        for sheet, counts in plan.counts.items():
            self.stdout.write(f"{sheet}: {counts.created} created")
        for error in plan.errors:
            where = ", ".join(
                part for part in (error.sheet, f"row {error.row}" if error.row else "", error.column) if part
            )
            self.stderr.write(f"{where}: {error.message}" if where else error.message)
        for sheet, column, count in plan.unlisted_errors:
            where = ", ".join(part for part in (sheet, column) if part)
            self.stderr.write(f"{where}: {count} more error(s), not listed")
        if not plan.ok:
            raise CommandError(f"{plan.error_count} error(s): nothing was imported.")
        verb = "would restore" if dry_run else "restored"
        self.stdout.write(self.style.SUCCESS(f"{file.name}: {verb} {plan.total_changed:,} row(s)."))
