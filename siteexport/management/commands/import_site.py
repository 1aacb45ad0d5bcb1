"""python manage.py import_site PATH.zip [--dry-run] [--user USERNAME]"""

from django.core.management.base import BaseCommand

from siteexport.restore import site_import
from spreadsheets.cli import command_file, command_user, fail_on_errors


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
        file, importer = command_file(path), command_user(user)
        plan = site_import(path=file, file_name=file.name, user=importer, dry_run=dry_run)
        for sheet, counts in plan.counts.items():
            self.stdout.write(f"{sheet}: {counts.created} created")
        fail_on_errors(self.stderr, plan)
        verb = "would restore" if dry_run else "restored"
        self.stdout.write(self.style.SUCCESS(f"{file.name}: {verb} {plan.total_changed:,} row(s)."))
