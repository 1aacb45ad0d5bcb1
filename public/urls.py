from django.urls import path

from public import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("committees/<slug:slug>/", views.dashboard, {"kind": "committee"}, name="committee"),
    path("committees/<slug:slug>/<period:period>/", views.dashboard, {"kind": "committee"}, name="committee_period"),
    path("directorates/<slug:slug>/", views.dashboard, {"kind": "directorate"}, name="directorate"),
    path(
        "directorates/<slug:slug>/<period:period>/",
        views.dashboard,
        {"kind": "directorate"},
        name="directorate_period",
    ),
    path("indicators/<code:code>/", views.indicator, name="indicator"),
    path("data/", views.open_data, name="open_data"),
    path("data/figures.csv", views.figures_download, {"fmt": "csv"}, name="figures_csv"),
    path("data/figures.json", views.figures_download, {"fmt": "json"}, name="figures_json"),
    path("data/openapi.json", views.openapi_schema, name="openapi"),
    path("data/dictionary/", views.dictionary, name="dictionary"),
    path("data/dictionary.csv", views.dictionary_csv, name="dictionary_csv"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
