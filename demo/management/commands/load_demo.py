from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.data import DEMO_PASSWORD, DEMO_USERS, load_demo
from demo.papers import load_demo_paper_settings
from demo.public import load_demo_publication


class Command(BaseCommand):
    help = "Create or refresh the demonstration directorates, indicators, results and users."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--not-a-live-site",
            action="store_true",
            help="Load it although DEBUG is off (a test or benchmark server on production settings).",
        )

    def handle(self, *args, **options) -> None:
        # The demo's users, a superuser among them, all have the password the README prints; on a live
        # site (DEBUG off) that is a way in for anyone who reads it, and existing users of those names
        # would be made staff or superuser.
        if not settings.DEBUG and not options["not_a_live_site"]:
            raise CommandError(
                f"DEBUG is off, so this looks like a live site: the demo makes the users {', '.join(DEMO_USERS)} "
                f"(admin a superuser), all with the published password {DEMO_PASSWORD}. Load it on a site for "
                "trying kpidash out, or pass --not-a-live-site if this server is one."
            )
        counts = load_demo()
        load_demo_paper_settings()
        load_demo_publication()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {counts['indicators']} indicators, {counts['results']} results, {counts['users']} users."
            )
        )
        self.stdout.write("Demo sign-ins (demo only), all with password " + DEMO_PASSWORD + ":")
        for username, (full_name, role, *_) in DEMO_USERS.items():
            self.stdout.write(f"  {username:<12} {full_name:<16} {role or 'Administrator'}")
