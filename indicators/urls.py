from django.urls import path

from indicators import converters, views  # noqa: F401 (converters registers <code:…> and <period:…>)

# A dashboard's address without a period shows the latest period with data;
# `<period:…>` is YYYY-MM, and a month that does not exist is a 404 saying why before any view runs.
urlpatterns = [
    path("", views.home, name="home"),
    path("committees/<slug:slug>/", views.committee_dashboard, name="committee_dashboard"),
    path("committees/<slug:slug>/<period:period>/", views.committee_dashboard, name="committee_dashboard_period"),
    path(
        "committees/<slug:slug>/<period:period>/dashboard.<str:fmt>",
        views.committee_download,
        name="committee_dashboard_download",
    ),
    path("directorates/<slug:slug>/", views.directorate_dashboard, name="directorate_dashboard"),
    path("directorates/<slug:slug>/<period:period>/", views.directorate_dashboard, name="directorate_dashboard_period"),
    path(
        "directorates/<slug:slug>/<period:period>/dashboard.<str:fmt>",
        views.directorate_download,
        name="directorate_dashboard_download",
    ),
    path("indicators/<code:code>/", views.indicator_detail, name="indicator_detail"),
]
