"""Personal API tokens: made, stored as a hash, refused when revoked, expired or their user is inactive."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.tokens import TokenRefused, token_create, token_for_secret, token_revoke

COMMITTEES = "/api/v1/committees/"


def test_only_the_hash_of_a_token_is_stored(viewer_user):
    token, secret = token_create(user=viewer_user, name="Power BI")

    row = ApiToken.objects.values().get(pk=token.pk)
    assert secret.startswith("kpidash_") and len(secret) == len("kpidash_") + 43
    assert row["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(value) for value in row.values()}
    assert row["prefix"] == secret[:16]


def test_a_token_expires_after_the_configured_days(settings, viewer_user):
    settings.KPIDASH_API_TOKEN_DAYS = 7
    before = timezone.now()

    token, _ = token_create(user=viewer_user, name="Power BI")

    assert before + timedelta(days=7) <= token.expires_at <= timezone.now() + timedelta(days=7)


def test_two_tokens_never_share_a_secret(viewer_user):
    secrets = {token_create(user=viewer_user, name="x")[1] for _ in range(20)}
    assert len(secrets) == 20


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for the token"),
        ("   ", "Enter a name for the token"),
        ("x" * 101, "must be 100 characters or fewer (it has 101)"),
        ("bad\x07name", "control character"),
    ],
)
def test_a_bad_name_is_refused_and_no_token_is_made(viewer_user, name, message):
    with pytest.raises(ValidationError) as refused:
        token_create(user=viewer_user, name=name)
    assert message in " ".join(refused.value.messages)
    assert not ApiToken.objects.exists()


def test_the_secret_finds_its_token_and_records_the_day_it_was_used(viewer_user):
    token, secret = token_create(user=viewer_user, name="Power BI")
    assert token.last_used_on is None

    assert token_for_secret(secret) == token
    assert ApiToken.objects.get(pk=token.pk).last_used_on == timezone.localdate()


def test_last_use_is_written_once_a_day_and_leaves_no_history(viewer_user, django_assert_num_queries):
    token, secret = token_create(user=viewer_user, name="Power BI")
    token_for_secret(secret)

    with django_assert_num_queries(1):  # the lookup only: today is already recorded
        token_for_secret(secret)
    assert token.history.count() == 1  # its creation


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda token, secret: secret[:-1] + ("A" if secret[-1] != "A" else "B"), "This API token is not valid"),
        (lambda token, secret: "x" + secret[1:], "This API token is not valid"),
        (lambda token, secret: (token_revoke(token=token), secret)[1], "This API token was revoked on "),
        (
            lambda token, secret: (
                ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1)),
                secret,
            )[1],
            "This API token expired on ",
        ),
        (
            lambda token, secret: (type(token.user).objects.filter(pk=token.user_id).update(is_active=False), secret)[
                1
            ],
            "This API token's user account is not active.",
        ),
    ],
    ids=["wrong-secret", "wrong-start", "revoked", "expired", "inactive-user"],
)
def test_a_token_that_cannot_be_used_is_refused_saying_why(viewer_user, spoil, message):
    token, secret = token_create(user=viewer_user, name="Power BI")
    secret = spoil(token, secret)

    with pytest.raises(TokenRefused) as refused:
        token_for_secret(secret)
    assert str(refused.value).startswith(message)


def test_revoking_is_recorded_in_the_tokens_history_and_twice_changes_nothing(viewer_user):
    token, _ = token_create(user=viewer_user, name="Power BI")
    token_revoke(token=token)
    revoked_at = token.revoked_at
    token_revoke(token=token)

    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at
    assert [record.history_type for record in token.history.order_by("history_id")] == ["+", "~"]


def test_an_inactive_user_gets_no_token(viewer_user):
    viewer_user.is_active = False
    viewer_user.save()
    with pytest.raises(ValidationError, match="not an active user"):
        token_create(user=viewer_user, name="x")


# --- the command -----------------------------------------------------------------


def test_the_command_prints_the_token_once_and_it_reads_the_api(demo, viewer_user):
    out, err = StringIO(), StringIO()
    call_command("api_token", "--user", viewer_user.username, "--name", "Power BI", stdout=out, stderr=err)

    secret = out.getvalue().strip()
    assert ApiToken.objects.get().name == "Power BI"
    assert "shown only now" in err.getvalue() and secret not in err.getvalue()
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get(COMMITTEES)
    assert response.status_code == 200


def test_the_command_refuses_an_unknown_user_or_a_bad_name_and_makes_nothing(viewer_user):
    with pytest.raises(CommandError, match="No user has the username 'nobody'"):
        call_command("api_token", "--user", "nobody")
    with pytest.raises(CommandError, match="Enter a name for the token"):
        call_command("api_token", "--user", viewer_user.username, "--name", " ")
    assert not ApiToken.objects.exists()


# --- the page ----------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_from_the_tokens_page(client, db):
    for response in (client.get(reverse("api:tokens")), client.post(reverse("api:tokens"), {"name": "x"})):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ApiToken.objects.exists()


def test_a_user_makes_a_token_on_the_page_and_sees_it_once(client, viewer_user):
    client.force_login(viewer_user)

    made = client.post(reverse("api:tokens"), {"name": "Power BI report"})

    token = ApiToken.objects.get(user=viewer_user)
    page = made.content.decode()
    secret = page.split('id="token-secret" type="text" value="')[1].split('"')[0]
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert "this is the only time it is shown" in page
    again = client.get(reverse("api:tokens")).content.decode()
    assert "Power BI report" in again and token.prefix in again and secret not in again
    assert "no-store" in made["Cache-Control"]


def test_a_blank_name_on_the_page_is_an_error_and_makes_nothing(client, viewer_user):
    client.force_login(viewer_user)

    response = client.post(reverse("api:tokens"), {"name": ""})
    page = response.content.decode()

    assert response.status_code == 400
    assert "There is a problem" in page and "Enter a name for the token" in page
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_token_and_it_stops_working(client, demo, viewer_user):
    token, secret = token_create(user=viewer_user, name="Power BI")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get(COMMITTEES).status_code == 200
    client.force_login(viewer_user)

    response = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)

    assert "is revoked" in response.content.decode()
    assert api.get(COMMITTEES).status_code == 401


def test_nobody_sees_or_revokes_another_users_token(client, viewer_user, clerk_user):
    token, _ = token_create(user=clerk_user, name="Clerk's report")
    client.force_login(viewer_user)

    assert "Clerk's report" not in client.get(reverse("api:tokens")).content.decode()
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    assert client.get(reverse("api:token_revoke", args=[token.pk])).status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


# --- the admin ----------------------------------------------------------------------


def test_an_administrator_revokes_a_token_in_the_admin_but_cannot_make_one_or_see_its_hash(admin_client, viewer_user):
    token, secret = token_create(user=viewer_user, name="Leaked")

    change = admin_client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert "Leaked" in change and token.digest not in change and secret not in change
    assert admin_client.get(reverse("admin:api_apitoken_add")).status_code == 403
    admin_client.post(
        reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )

    with pytest.raises(TokenRefused, match="revoked"):
        token_for_secret(secret)


def test_the_performance_team_does_not_see_tokens_in_the_admin(client, performance_user):
    client.force_login(performance_user)
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 403


def test_a_revoked_token_cannot_be_brought_back_by_reverting_its_history_in_the_admin(admin_client, viewer_user):
    token, secret = token_create(user=viewer_user, name="Leaked")
    before = token.history.get()  # as made: not revoked
    token_revoke(token=token)
    revert = reverse("admin:api_apitoken_simple_history", args=[token.pk, before.history_id])

    assert admin_client.get(revert).status_code == 200  # the old version can be looked at
    assert admin_client.post(revert, {"_save": "Save"}).status_code == 403

    with pytest.raises(TokenRefused, match="revoked"):
        token_for_secret(secret)
