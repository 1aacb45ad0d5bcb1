"""The personas every view's permission matrix runs over, and how a test signs one in.

Each name is a fixture in tests/conftest.py (`None` is anonymous); the `personas`
fixture maps each name to its user, as `sign_in` expects.
"""

from __future__ import annotations

PERSONAS = ["owner_user", "other_owner_user", "performance_user", "clerk_user", "viewer_user", None]
OWNER, OTHER, TEAM, CLERK, VIEWER, ANON = PERSONAS
SIGNED_IN = PERSONAS[:-1]  # each role, signed in
LOGIN = "/accounts/login/"


def sign_in(client, users: dict, persona: str | None):
    """The test client signed in as `persona` (left anonymous for None)."""
    if persona:
        client.force_login(users[persona])
    return client


def expect(response, expected) -> None:
    """`expected` is a status code, or "login" for a redirect to the sign-in page."""
    if expected == "login":
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected, response.content[:500]
