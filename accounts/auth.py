"""Sign-in: the backends (local, OpenID Connect, LDAP), directory groups to roles, the lockout page.

OpenID Connect (mozilla-django-oidc) and LDAP (django-auth-ldap) are switched on
by settings (see the sign-on block in kpidash/settings.py). Both end in
`user_sync_roles`, so a directory group maps to the same kpidash role whichever
way the person signed in, and leaving a group in the directory removes the role
at the next sign-in.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as _ModelBackend
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.roles import PERFORMANCE_TEAM, ROLES, ensure_roles
from accounts.users import CachedUserMixin

logger = logging.getLogger(__name__)


class SignInUnavailable(Exception):
    """The directory or identity provider did not answer (down, or hung past its timeout).

    Nobody's password or account is at fault, so this is not a failed sign-in: the
    sign-in form (accounts.forms) and the OIDC callback (accounts.views) say the
    service did not answer, and django-axes counts no failure against the person.
    """


# Set on the request when the directory did not answer, so that local accounts (break-glass
# administrators) are still tried, and only if they fail too is the sign-in "unavailable".
_DIRECTORY_UNAVAILABLE = "_kpidash_directory_unavailable"


def roles_for_groups(groups: Iterable[str]) -> set[str]:
    """The kpidash roles a member of these directory groups holds."""
    mapping = settings.KPIDASH_SSO_GROUP_MAP
    roles = {mapping[group] for group in groups if group in mapping}
    if not roles and settings.KPIDASH_SSO_DEFAULT_ROLE:
        roles = {settings.KPIDASH_SSO_DEFAULT_ROLE}
    return roles


def user_sync_roles(*, user, roles: set[str]) -> None:
    """Make the user's role groups exactly `roles`; other groups are left alone.

    The performance team maintains indicators in the admin, so it is staff;
    superuser status is never granted or taken by the directory.
    """
    role_groups = list(Group.objects.filter(name__in=ROLES))
    if len(role_groups) < len(ROLES):
        ensure_roles()
        role_groups = list(Group.objects.filter(name__in=ROLES))
    user.groups.remove(*[group for group in role_groups if group.name not in roles])
    user.groups.add(*[group for group in role_groups if group.name in roles])
    user.__dict__.pop("_kpidash_roles", None)  # user_roles() looks again
    staff = PERFORMANCE_TEAM in roles
    if not user.is_superuser and user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


class ModelBackend(CachedUserMixin, _ModelBackend):
    """Django's username-and-password backend, with the signed-in user read from the cache.

    The last backend (kpidash/settings.py), so it is the one to say the directory did
    not answer: raised here, after every backend had its turn, Django sends no
    user_login_failed and django-axes counts nothing. Only for a username with no local
    password, though: a wrong password for a local account (the break-glass
    administrator) is a failed sign-in whether or not the directory answers, so axes
    still locks out whoever guesses it while the directory is down.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username, password, **kwargs)
        if user is None and getattr(request, _DIRECTORY_UNAVAILABLE, False):
            user_model = get_user_model()
            name = username or kwargs.get(user_model.USERNAME_FIELD)
            local = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: name}).first()
            if local is None or not local.has_usable_password():
                raise SignInUnavailable
        return user


class OIDCBackend(CachedUserMixin, OIDCAuthenticationBackend):
    """Users keyed on a username claim (Entra: preferred_username), roles from the groups claim."""

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as exc:  # refused, or no answer within OIDC_TIMEOUT
            logger.warning("OIDC sign-in failed: the identity provider did not answer: %s", exc)
            raise SignInUnavailable from exc

    def get_userinfo(self, access_token, id_token, payload):
        # Entra puts groups/roles in the id_token, not in the userinfo response.
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        # mozilla-django-oidc checks the signature, expiry and nonce; a token
        # issued to another application or by another issuer must not sign in here.
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        # Returning nothing sends the person back to sign in with sso=failed.
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            logger.warning("OIDC sign-in refused: id_token audience %r is not this application", audience)
            return None
        if settings.OIDC_OP_ISSUER and payload.get("iss") != settings.OIDC_OP_ISSUER:
            logger.warning("OIDC sign-in refused: id_token issuer %r is not the configured one", payload.get("iss"))
            return None
        return payload

    def _username(self, claims) -> str:
        return str(claims.get(settings.KPIDASH_OIDC_USERNAME_CLAIM, "")).strip().lower()

    def _roles(self, claims) -> set[str]:
        groups = claims.get(settings.KPIDASH_OIDC_GROUPS_CLAIM) or []
        return roles_for_groups([groups] if isinstance(groups, str) else groups)

    def verify_claims(self, claims) -> bool:
        return bool(self._username(claims)) and bool(self._roles(claims))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username__iexact=self._username(claims))

    def create_user(self, claims):
        user = self.UserModel.objects.create_user(self._username(claims))
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        user.email = claims.get("email") or user.email
        user.first_name = claims.get("given_name") or user.first_name
        user.last_name = claims.get("family_name") or user.last_name
        user.save(update_fields=["email", "first_name", "last_name"])
        user_sync_roles(user=user, roles=self._roles(claims))
        return user


try:
    import ldap
    from django_auth_ldap.backend import LDAPBackend as _LDAPBackend
    from django_auth_ldap.backend import ldap_error
except ImportError:  # python-ldap is optional: pip install -r requirements-ldap.txt
    _LDAPBackend = None

if _LDAPBackend is not None:

    class LDAPBackend(_LDAPBackend):
        """django-auth-ldap, with directory groups mapped to roles rather than mirrored."""

        def authenticate(self, request, username=None, password=None, **kwargs):
            try:
                if username and password:
                    timeout = self.settings.CONNECTION_OPTIONS.get(ldap.OPT_NETWORK_TIMEOUT, 10)  # AUTH_LDAP_TIMEOUT
                    _ldaps_answers(self.settings.SERVER_URI, timeout)
                return super().authenticate(request, username, password, **kwargs)
            except SignInUnavailable:
                if request is not None:
                    setattr(request, _DIRECTORY_UNAVAILABLE, True)
                return None  # a local account may still sign in (ModelBackend, next)

        def authenticate_ldap_user(self, ldap_user, password):
            user = super().authenticate_ldap_user(ldap_user, password)
            if user is None:
                return None
            roles = roles_for_groups(ldap_user.group_names)
            if not roles:
                return None  # in no mapped group and no default role: not a kpidash user
            user_sync_roles(user=user, roles=roles)
            return user

    def _ldaps_answers(server_uri: str, timeout: float) -> None:
        """Raise SignInUnavailable if the ldaps:// server libldap would use accepts but never answers a handshake.

        libldap 2.5 bounds neither an ldaps:// handshake with a server that accepted the
        connection and never answers nor, with OPT_NETWORK_TIMEOUT set, does it wait
        quietly: it spins on the socket, a CPU for ever per sign-in. So the handshake is
        tried here first, as libldap tries the URIs: the first that accepts a connection
        is the one it uses. Only whether it answers in time is checked: a handshake that
        fails is left to libldap, whose TLS settings (and certificate checks) are its own.
        ldap:// with StartTLS needs no probe: OPT_TIMEOUT bounds it.
        """
        for uri in server_uri.split():
            parts = urlsplit(uri)
            if parts.scheme != "ldaps":
                return
            host = parts.hostname or "localhost"
            try:
                connection = socket.create_connection((host, parts.port or 636), timeout=timeout)
            except OSError:
                continue  # refused or unreachable: libldap moves on to the next URI too
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            try:
                with connection, context.wrap_socket(connection, server_hostname=host):
                    return
            except TimeoutError as exc:
                logger.warning("LDAP sign-in refused: %s accepted the connection but no TLS handshake: %s", uri, exc)
                raise SignInUnavailable from exc
            except OSError:
                # It answered (ssl.SSLError, a reset): whatever Python's default TLS settings
                # disliked, libldap's own TLS settings judge, and may well accept.
                return

    def _directory_did_not_answer(sender, context, exception, **kwargs) -> None:
        # django-auth-ldap logs any LDAP error while signing in and answers "wrong
        # password"; a directory that is down or timed out (AUTH_LDAP_TIMEOUT) is
        # not the person's fault. Its ldap_error signal lets a handler's exception out.
        signing_in = context in ("search_for_user_dn", "authenticate")  # finding the person, then binding as them
        if signing_in and isinstance(exception, ldap.SERVER_DOWN | ldap.TIMEOUT):
            raise SignInUnavailable from exception

    ldap_error.connect(_directory_did_not_answer, sender=LDAPBackend)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes: the page shown while a username is locked out from an address."""
    retry_at = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    context = {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60), "retry_at": retry_at}
    return render(request, "registration/locked_out.html", context, status=429)


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address for django-axes, trusting only KPIDASH_PROXY_COUNT proxies.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so the
    client is that many entries from the right; anything further left could
    have been written by the client itself.
    """
    count = settings.KPIDASH_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
