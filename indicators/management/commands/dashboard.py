"""Print a committee's (or directorate's) dashboard rows as CSV or JSON.

    python manage.py dashboard --committee policy-and-resources --period 2019-11
    python manage.py dashboard --committee "Policy and Resources Cabinet Committee" --format json
    python manage.py dashboard --directorate strategic-and-corporate-services -o dashboard.csv

The columns are the download's (`exports.COLUMNS`), with RAG as
green|amber|red|"" and direction of travel as improved|unchanged|worsened|"".
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from indicators.dashboard import build_dashboard, latest_data_period
from indicators.exports import KEYS, dashboard_records, json_value, records_csv
from indicators.models import Committee, DirectionBasis, Directorate, Indicator
from indicators.periods import format_period, parse_period, period_label


class Command(BaseCommand):
    help = "Print a committee's or directorate's dashboard rows (the download's columns) as CSV or JSON."

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--committee", help="the committee's slug or full name")
        scope.add_argument("--directorate", help="the directorate's slug or full name")
        parser.add_argument("--period", help="YYYY-MM; default: the latest period with data")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, committee=None, directorate=None, period=None, format="csv", output=None, **options):
        name, indicators, basis = _scope(committee, directorate)
        latest = latest_data_period(indicators)
        if latest is None:
            raise CommandError(f"There are no results for {name} yet.")
        when = _period(period) if period else latest
        if when > latest:
            raise CommandError(
                f"There is no data for {name} for {period_label(when)}: the latest is {period_label(latest)}."
            )
        dashboard = build_dashboard(indicators, when, direction_basis=basis)
        if not dashboard.has_data:
            raise CommandError(f"There is no data for {name} for {period_label(when)}.")
        records = dashboard_records(dashboard)
        if format == "json":
            document = {
                "name": name,
                "period": format_period(when),
                "columns": KEYS,
                "rows": [{key: json_value(record[key]) for key in KEYS} for record in records],
            }
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        else:
            text = records_csv(records)
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as file:
                file.write(text)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stderr.write(f"Wrote {len(records)} rows to {output}.")


def _scope(committee: str | None, directorate: str | None):
    if committee is not None:
        found = Committee.objects.filter(Q(slug=committee) | Q(name__iexact=committee)).first()
        if found is None:
            known = ", ".join(Committee.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"There is no committee {committee!r}. Committees: {known}.")
        return found.name, Indicator.objects.active().for_committee(found), found.direction_basis
    found = Directorate.objects.filter(Q(slug=directorate) | Q(name__iexact=directorate)).first()
    if found is None:
        known = ", ".join(Directorate.objects.values_list("slug", flat=True)) or "none"
        raise CommandError(f"There is no directorate {directorate!r}. Directorates: {known}.")
    return found.name, found.indicators.active(), DirectionBasis.PREVIOUS_PERIOD


def _period(text: str):
    try:
        return parse_period(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
