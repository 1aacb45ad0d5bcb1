"""Draw an indicator's XmR (statistical process control) chart, as its page does, to an SVG file.

    python manage.py xmr_chart ICT02 --period 2019-11 -o docs/xmr-chart-ict02.svg

The README's picture of the chart is the demo's ICT02 at November 2019, drawn this way after
`load_demo`. Without --output the SVG goes to standard output.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Indicator
from indicators.periods import parse_period, period_label
from indicators.spc_chart import indicator_xmr, render_xmr_svg


class Command(BaseCommand):
    help = "Draw an indicator's XmR (SPC) chart, as its page does, as a standalone SVG file."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the indicator's reference, e.g. ICT02")
        parser.add_argument("--period", help="YYYY-MM: the chart to this period; default: the latest with a value")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, code: str, period: str | None = None, output: str | None = None, **options):
        indicator = Indicator.objects.filter(code__iexact=code).first()
        if indicator is None:
            raise CommandError(f"There is no indicator {code!r}.")
        results = list(indicator.results.filter(value__isnull=False).order_by("period"))
        if not results:
            raise CommandError(f"{indicator.code} has no values to chart yet.")
        try:
            when = parse_period(period) if period else results[-1].period
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if when < results[0].period:
            raise CommandError(
                f"{indicator.code} has no values by {period_label(when)}: "
                f"its first is for {period_label(results[0].period)}."
            )
        chart = indicator_xmr(indicator, results, indicator.thresholds.all(), when, indicator.phases.all())
        assert chart is not None  # there is a value on or before `when`
        svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + render_xmr_svg(chart, standalone=True) + "\n"
        if output is None:
            self.stdout.write(svg, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8") as file:
                file.write(svg)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stderr.write(f"Wrote {indicator.code}'s XmR chart to {period_label(when)} to {output}.")
