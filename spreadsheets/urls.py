from django.urls import path

from spreadsheets import views

# Export, import with preview, owner templates.
urlpatterns = [
    path("spreadsheets/", views.spreadsheets_home, name="spreadsheets"),
    path("spreadsheets/export.xlsx", views.export_xlsx, name="spreadsheet_export"),
    path("spreadsheets/export/<str:sheet>.csv", views.export_csv, name="spreadsheet_export_csv"),
    path("spreadsheets/template.xlsx", views.blank_template, name="spreadsheet_template"),
    path("spreadsheets/import/", views.import_upload, name="spreadsheet_import"),
    path("spreadsheets/import/<str:token>/", views.import_confirm, name="spreadsheet_import_confirm"),
    path("spreadsheets/my-returns.xlsx", views.owner_template, name="spreadsheet_owner_template"),
    path("spreadsheets/my-returns/", views.owner_upload, name="spreadsheet_owner_upload"),
    path("spreadsheets/my-returns/<str:token>/", views.owner_confirm, name="spreadsheet_owner_confirm"),
]
