"""The single sign-on callback: mozilla-django-oidc's, saying so when the identity provider did not answer."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from accounts.auth import SignInUnavailable


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request):
        try:
            return super().get(request)
        except SignInUnavailable:  # the token, keys or userinfo request failed or timed out (OIDC_TIMEOUT)
            return HttpResponseRedirect(f"{reverse('login')}?sso=unavailable")
