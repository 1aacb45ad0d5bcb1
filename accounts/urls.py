"""Sign-in addresses: Django's local sign-in and sign-out, and single sign-on when configured."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path
from mozilla_django_oidc import views as oidc_views

from accounts.forms import SignInForm
from accounts.views import OIDCCallbackView


def _only_when_oidc(view):
    # Single sign-on pages exist only when OIDC is configured; otherwise a plain 404.
    @login_not_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.KPIDASH_OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return wrapped


_oidc_patterns = [
    path(
        "callback/",
        _only_when_oidc(OIDCCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path(
        "authenticate/",
        _only_when_oidc(oidc_views.OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path("logout/", _only_when_oidc(oidc_views.OIDCLogoutView.as_view()), name="oidc_logout"),
]

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, extra_context={"sso_enabled": settings.KPIDASH_OIDC_ENABLED}
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("oidc/", include(_oidc_patterns)),  # single sign-on, when configured
]
