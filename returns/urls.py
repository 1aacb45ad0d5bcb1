from datetime import date

from django.urls import path, register_converter

from indicators import converters  # noqa: F401 (registers <code:…>)
from indicators.periods import format_period, parse_period
from returns import views


class PeriodConverter:
    """A reporting period in URLs, as YYYY-MM."""

    regex = "[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        return parse_period(value)  # ValueError → 404

    def to_url(self, value: date) -> str:
        return format_period(value)


register_converter(PeriodConverter, "period")

urlpatterns = [
    path("returns/", views.my_returns, name="my_returns"),
    path("returns/missing/", views.missing_returns, name="missing_returns"),
    path("returns/missing/remind/", views.reminders_send_now, name="reminders_send_now"),
    path("returns/<period:period>/enter/", views.returns_enter, name="returns_enter"),
    path("returns/<period:period>/<code:code>/", views.return_edit, name="return_edit"),
    path("returns/<period:period>/<code:code>/decide/", views.return_decide, name="return_decide"),
    path("review/", views.review, name="review"),
    path("review/approve/", views.review_approve, name="review_approve"),
    path("periods/", views.periods, name="periods"),
    path("periods/<period:period>/close/", views.period_close_view, name="period_close"),
]
