"""How the API knows who is asking: a personal token as `Authorization: Bearer <token>`, or the session."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from api.tokens import TokenRefused, token_for_secret


class BearerTokenAuthentication(BaseAuthentication):
    """A personal API token (api.tokens); the request then has exactly its user's rights."""

    keyword = "bearer"

    def authenticate(self, request):
        scheme, _, secret = get_authorization_header(request).decode("latin-1").partition(" ")
        if scheme.lower() != self.keyword:
            return None  # no token: the session, or nobody
        secret = secret.strip()
        if not secret or " " in secret:
            raise AuthenticationFailed("Send the token as: Authorization: Bearer <token>, with nothing after it.")
        try:
            token = token_for_secret(secret)
        except TokenRefused as exc:
            raise AuthenticationFailed(str(exc)) from None
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes an unauthenticated request a 401 (with this challenge), not a 403.
        return 'Bearer realm="kpidash"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made on the API tokens page or by `manage.py api_token`.",
        }
