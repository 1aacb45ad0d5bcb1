from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import auth
from kpidash import health

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(extra_context={"sso_enabled": settings.KPIDASH_OIDC_ENABLED}),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("oidc/", include(auth.oidc_urlpatterns)),  # single sign-on, when configured
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("papers/", include("reports.urls")),
    path("", include("indicators.urls")),
    path("", include("returns.urls")),
]
