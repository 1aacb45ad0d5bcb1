from django.urls import path

from indicators import converters  # noqa: F401 (registers <code:…> and <period:…>)
from returns import views

urlpatterns = [
    path("returns/", views.my_returns, name="my_returns"),
    path("returns/missing/", views.missing_returns, name="missing_returns"),
    path("returns/missing/remind/", views.reminders_send_now, name="reminders_send_now"),
    path("returns/<period:period>/enter/", views.returns_enter, name="returns_enter"),
    path("returns/<period:period>/<code:code>/", views.return_edit, name="return_edit"),
    path("returns/<period:period>/<code:code>/decide/", views.return_decide, name="return_decide"),
    path("returns/<period:period>/<code:code>/withdraw/", views.return_withdraw_view, name="return_withdraw"),
    path("review/", views.review, name="review"),
    path("review/approve/", views.review_approve, name="review_approve"),
    path("periods/", views.periods, name="periods"),
    path("periods/<period:period>/close/", views.period_close_view, name="period_close"),
]
