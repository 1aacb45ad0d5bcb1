from django.contrib import admin
from django.urls import include, path

from kpidash import health

urlpatterns = [
    path("", include("accounts.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("papers/", include("reports.urls")),
    path("", include("indicators.urls")),
    path("", include("returns.urls")),
    path("", include("plans.urls")),
    path("", include("questions.urls")),
    path("", include("spreadsheets.urls")),
    path("api/", include("api.urls")),
    path("public/", include("public.urls")),
    path("", include("public.intranet_urls")),
]

# A malformed period in any address (`<period:…>`) is a 404 saying what was wrong; under /public/,
# in the public site's own frame.
handler404 = "kpidash.errors.page_not_found"
