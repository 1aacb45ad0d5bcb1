"""Make a personal API token for a user and print it, once:

python manage.py api_token --user performance --name "Power BI"
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.tokens import token_create


class Command(BaseCommand):
    help = "Make a personal API token for a user; the token is printed once and only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="the username the token reads the API as")
        parser.add_argument("--name", default="Made with manage.py api_token", help="what the token is for")

    def handle(self, *args, user: str, name: str, **options):
        found = get_user_model().objects.filter(username=user).first()
        if found is None:
            raise CommandError(f"No user has the username {user!r}.")
        try:
            token, secret = token_create(user=found, name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(secret)
        self.stderr.write(
            f"Made the token “{token.name}” for {found.get_username()}, expiring on {token.expires_at:%d %B %Y}. "
            "It is shown only now: copy it."
        )
