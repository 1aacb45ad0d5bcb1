"""python manage.py import_workbook PATH [--dry-run] [--user USERNAME] [--reason TEXT]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from spreadsheets.models import ImportRecord
from spreadsheets.plan import reason_missing_message
from spreadsheets.services import workbook_check, workbook_import


class Command(BaseCommand):
    help = (
        "Import a kpidash workbook (.xlsx) or one sheet as CSV: all rows or none. Prints the counts and every "
        "error; exits non-zero on any error."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="check the file and show its changes; write nothing")
        parser.add_argument("--user", help="username to record as the importer (in the history and import record)")
        parser.add_argument("--reason", default="", help="why the file changes closed months (then required)")

    def handle(self, *args, path: str, dry_run: bool, user: str | None, reason: str, **options) -> None:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path} does not exist or is not a file.")
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user is called {user!r}.")
        if dry_run:
            plan = workbook_check(path=file, file_name=file.name, user=importer, reason=reason)
            if plan.ok and plan.closed_periods and not plan.reason:
                self.stderr.write(f"{reason_missing_message(plan)} Use --reason.")
        else:
            plan = workbook_import(
                path=file, file_name=file.name, user=importer, source=ImportRecord.Source.COMMAND, reason=reason
            )
        for sheet, counts in plan.counts.items():
            self.stdout.write(
                f"{sheet}: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
            )
        for change in plan.target_notes:  # informational: the target is imported either way
            self.stdout.write(f"{change.key} target, by SPC: {change.note}")
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
        verb = "would change" if dry_run else "changed"
        self.stdout.write(self.style.SUCCESS(f"{file.name}: {verb} {plan.total_changed} row(s)."))
