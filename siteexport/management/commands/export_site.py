"""python manage.py export_site PATH.zip"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from siteexport.export import export_site


class Command(BaseCommand):
    help = (
        "Export the whole site (the Spreadsheets workbook, directorates, committees, people without passwords, "
        "phases, commentary, reporting periods, paper settings, bank holiday changes, action notes, publications, "
        "members' questions and answers) as one zip for import_site."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the zip file to write, e.g. site.zip")

    def handle(self, *args, path: str, **options) -> None:
        target = Path(path)
        if target.suffix.lower() != ".zip":
            raise CommandError("PATH must end .zip: a site export is a zip of two workbooks and a manifest.")
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.")
        export_site(target)
        self.stdout.write(self.style.SUCCESS(f"Wrote {target}."))
