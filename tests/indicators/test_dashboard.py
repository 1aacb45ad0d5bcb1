from datetime import date

from indicators.dashboard import build_dashboard
from indicators.models import Commentary, CommentaryStatus, Indicator

NOV = date(2019, 11, 1)


def _row(code: str, period: date):
    dashboard = build_dashboard(Indicator.objects.filter(code=code), period)
    (row,) = dashboard.rows
    return row


def test_a_row_shows_the_approved_commentary_of_its_rating_s_period_only(demo):
    commentary = Commentary.objects.filter(period=NOV, status=CommentaryStatus.APPROVED).first()
    code = commentary.indicator.code
    assert _row(code, NOV).commentary == commentary
    Commentary.objects.filter(pk=commentary.pk).update(status=CommentaryStatus.SUBMITTED)
    assert _row(code, NOV).commentary is None


def test_a_row_whose_latest_figure_is_outside_the_window_has_no_rating_commentary_or_threshold(demo):
    commentary = Commentary.objects.filter(period=NOV, status=CommentaryStatus.APPROVED).first()
    row = _row(commentary.indicator.code, date(2022, 5, 1))  # more than 24 months after November 2019
    assert (row.value, row.period, row.commentary, row.target) == (None, None, None, None)
    assert row.last_reported == NOV
