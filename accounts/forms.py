"""The sign-in form: Django's, saying so when the directory did not answer."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.auth import SignInUnavailable

DIRECTORY_UNAVAILABLE = (
    "The council's directory did not answer, so your password could not be checked. "
    "Nothing is wrong with your account: try again in a few minutes."
)


class SignInForm(AuthenticationForm):
    def clean(self):
        try:
            return super().clean()
        except SignInUnavailable:
            raise ValidationError(DIRECTORY_UNAVAILABLE, code="unavailable") from None
