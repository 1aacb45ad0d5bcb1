"""python manage.py export_workbook PATH [--sheet Results]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spreadsheets.workbook import SHEETS, export_sheets, sheet_name, utf8_bom, write_csv, write_xlsx


class Command(BaseCommand):
    help = "Export every indicator, threshold and result as a kpidash workbook (.xlsx), or one sheet as .csv."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="ends .xlsx for the whole workbook, .csv for one sheet")
        parser.add_argument("--sheet", default="Results", help=f"for CSV: one of {', '.join(SHEETS)}")

    def handle(self, *args, path: str, sheet: str, **options) -> None:
        target = Path(path)
        if target.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError("PATH must end .xlsx (the whole workbook) or .csv (one sheet).")
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.")
        sheets = export_sheets()
        if target.suffix.lower() == ".xlsx":
            with target.open("wb") as out:
                write_xlsx(out, sheets)
        else:
            name = sheet_name(sheet)
            if name not in SHEETS:
                raise CommandError(f"--sheet must be one of {', '.join(SHEETS)}, not {sheet!r}.")
            with target.open("w", encoding="utf-8", newline="") as out:
                out.write(utf8_bom())
                write_csv(out, sheets[name])
        self.stdout.write(self.style.SUCCESS(f"Wrote {target}."))
