"""python manage.py import_workbook PATH [--dry-run] [--user USERNAME] [--reason TEXT]"""

from django.core.management.base import BaseCommand

from spreadsheets.cli import command_file, command_user, fail_on_errors
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
        file, importer = command_file(path), command_user(user)
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
        fail_on_errors(self.stderr, plan)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(self.style.SUCCESS(f"{file.name}: {verb} {plan.total_changed} row(s)."))
