from django.urls import path

from indicators import converters, spreadsheet_views, views  # noqa: F401 (converters registers <code:…>)

# A dashboard's address without a period shows the latest period with data;
# periods are YYYY-MM, validated by the view (a malformed one is a 404 saying why).
urlpatterns = [
    path("", views.home, name="home"),
    path("committees/<slug:slug>/", views.committee_dashboard, name="committee_dashboard"),
    path("committees/<slug:slug>/<str:period>/", views.committee_dashboard, name="committee_dashboard_period"),
    path(
        "committees/<slug:slug>/<str:period>/dashboard.<str:fmt>",
        views.committee_download,
        name="committee_dashboard_download",
    ),
    path("directorates/<slug:slug>/", views.directorate_dashboard, name="directorate_dashboard"),
    path("directorates/<slug:slug>/<str:period>/", views.directorate_dashboard, name="directorate_dashboard_period"),
    path(
        "directorates/<slug:slug>/<str:period>/dashboard.<str:fmt>",
        views.directorate_download,
        name="directorate_dashboard_download",
    ),
    path("indicators/<code:code>/", views.indicator_detail, name="indicator_detail"),
    # Spreadsheets (indicators/spreadsheet_views.py): export, import with preview, owner templates.
    path("spreadsheets/", spreadsheet_views.spreadsheets_home, name="spreadsheets"),
    path("spreadsheets/export.xlsx", spreadsheet_views.export_xlsx, name="spreadsheet_export"),
    path("spreadsheets/export/<str:sheet>.csv", spreadsheet_views.export_csv, name="spreadsheet_export_csv"),
    path("spreadsheets/template.xlsx", spreadsheet_views.blank_template, name="spreadsheet_template"),
    path("spreadsheets/import/", spreadsheet_views.import_upload, name="spreadsheet_import"),
    path("spreadsheets/import/<str:token>/", spreadsheet_views.import_confirm, name="spreadsheet_import_confirm"),
    path("spreadsheets/my-returns.xlsx", spreadsheet_views.owner_template, name="spreadsheet_owner_template"),
    path("spreadsheets/my-returns/", spreadsheet_views.owner_upload, name="spreadsheet_owner_upload"),
    path("spreadsheets/my-returns/<str:token>/", spreadsheet_views.owner_confirm, name="spreadsheet_owner_confirm"),
]
