"""A session signed in by kpidash.auth's backends (before they moved to accounts.auth) stays signed in."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.utils.module_loading import import_string

from accounts.middleware import RENAMED_BACKENDS

pytestmark = pytest.mark.django_db


def test_a_session_naming_the_old_backend_path_is_still_signed_in(client, viewer_user):
    client.force_login(viewer_user, backend="accounts.auth.ModelBackend")
    session = client.session
    session[BACKEND_SESSION_KEY] = "kpidash.auth.ModelBackend"
    session.save()

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["user"] == viewer_user
    assert client.session[BACKEND_SESSION_KEY] == "accounts.auth.ModelBackend"


def test_a_session_naming_an_unknown_backend_is_signed_out(client, viewer_user):
    client.force_login(viewer_user, backend="accounts.auth.ModelBackend")
    session = client.session
    session[BACKEND_SESSION_KEY] = "kpidash.auth.NoSuchBackend"
    session.save()

    assert client.get("/").status_code == 302  # to sign in


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED_BACKENDS.items()))
def test_every_renamed_backend_exists_under_its_new_path(old, new):
    if new.endswith("LDAPBackend"):
        pytest.importorskip("django_auth_ldap.backend")  # python-ldap is optional
    assert import_string(new).__name__ == old.rsplit(".", 1)[1]
