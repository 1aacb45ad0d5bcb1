"""Making, revoking and checking personal API tokens (the page, the command and the API call these).

A token is `kpidash_` and 43 URL-safe characters (256 random bits). The row keeps
its first 16 characters, to find it and to show the user, and the SHA-256 of
the whole: a hash is enough for a secret this random (no salt or slow hash is
needed to stop guessing), and the digest is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from api.models import ApiToken
from indicators.validators import validate_no_control_characters

SECRET_START = "kpidash_"
PREFIX_LENGTH = 16
NAME_MAX_LENGTH = 100  # ApiToken.name's max_length


class TokenRefused(Exception):
    """The token cannot be used; the message says why, in words for its user."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_token_name(name: str) -> str:
    """The name, stripped, or ValidationError saying what is wrong with it."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Enter a name for the token, e.g. Power BI performance report.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(f"The name must be {NAME_MAX_LENGTH} characters or fewer (it has {len(name)}).")
    validate_no_control_characters(name)
    return name


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user` expiring after KPIDASH_API_TOKEN_DAYS, and its secret (shown once, never stored)."""
    name = clean_token_name(name)
    if not user.is_active:
        raise ValidationError(f"{user.get_username()} is not an active user: their token could not be used.")
    secret = SECRET_START + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        digest=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=settings.KPIDASH_API_TOKEN_DAYS),
    )
    return token, secret


def token_revoke(*, token: ApiToken) -> None:
    """Revoke the token from now on; revoking it again changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_for_secret(secret: str) -> ApiToken:
    """The live token whose secret this is, its user loaded, or TokenRefused saying why not."""
    candidates = ApiToken.objects.select_related("user").filter(prefix=secret[:PREFIX_LENGTH])
    digest = _digest(secret)
    token = next((row for row in candidates if hmac.compare_digest(row.digest, digest)), None)
    if token is None or not secret.startswith(SECRET_START):
        raise TokenRefused("This API token is not valid: check it was copied whole, or make a new one.")
    if token.revoked_at is not None:
        raise TokenRefused(f"This API token was revoked on {_when(token.revoked_at)}.")
    if token.is_expired:
        raise TokenRefused(f"This API token expired on {_when(token.expires_at)}: make a new one.")
    if not token.user.is_active:
        raise TokenRefused("This API token's user account is not active.")
    _record_use(token)
    return token


def _record_use(token: ApiToken) -> None:
    today = timezone.localdate()
    if token.last_used_on != today:
        # An UPDATE, not save(): no history row, and concurrent requests write the same date.
        ApiToken.objects.filter(pk=token.pk).update(last_used_on=today)
        token.last_used_on = today


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y")
