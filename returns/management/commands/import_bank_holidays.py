"""python manage.py import_bank_holidays PATH (GOV.UK's bank-holidays.json, downloaded by hand)"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from returns.bank_holidays import configured_nation, differences, govuk_events
from returns.models import BankHolidayChange, CalendarChange, long_date


class Command(BaseCommand):
    help = (
        "Store the bank holidays in GOV.UK's bank-holidays.json (https://www.gov.uk/bank-holidays.json) that "
        "kpidash's rules do not know for KPIDASH_BANK_HOLIDAYS's nation, and cancel the rules' days it does "
        "not list: all or nothing. Prints each change; exits non-zero on any error."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")

    def handle(self, *args, path: str, **options) -> None:
        file = Path(path)
        nation = configured_nation()
        try:
            events = govuk_events(_read(file), nation)
        except ValueError as exc:
            raise CommandError(f"{file.name}: {exc} Nothing was imported.") from None
        additions, cancellations = differences(nation, events)
        changes = [BankHolidayChange(day=day, change=CalendarChange.ADD, name=t) for day, t in additions.items()]
        changes += [
            BankHolidayChange(day=day, change=CalendarChange.CANCEL, name=f"Not in GOV.UK's list: {name}")
            for day, name in cancellations.items()
        ]
        new = [c for c in changes if not BankHolidayChange.objects.filter(day=c.day, change=c.change).exists()]
        errors = [error for change in new for error in _problems(change)]
        for error in errors:
            self.stderr.write(error)
        if errors:
            raise CommandError(f"{file.name}: {len(errors)} error(s). Nothing was imported.")
        with transaction.atomic():
            for change in new:
                change._change_reason = f"Imported from {file.name}"  # the history's reason
                change.save()
                self.stdout.write(str(change))
        self.stdout.write(
            self.style.SUCCESS(
                f"{nation}: {len(events)} published holidays; {len(new)} change(s) stored, "
                f"{len(changes) - len(new)} already stored."
            )
        )


def _read(file: Path) -> object:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"The file cannot be read ({exc.strerror}).") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"The file is not JSON ({exc}).") from None


def _problems(change: BankHolidayChange) -> list[str]:
    try:
        change.full_clean()
    except ValidationError as exc:
        return [f"{long_date(change.day)} ({change.name}): {message}" for message in exc.messages]
    return []
