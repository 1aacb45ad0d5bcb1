from django.core.management.base import BaseCommand

from demo.data import DEMO_PASSWORD, DEMO_USERS, load_demo
from demo.papers import load_demo_paper_settings
from demo.public import load_demo_publication


class Command(BaseCommand):
    help = "Create or refresh the demonstration directorates, indicators, results and users."

    def handle(self, *args, **options) -> None:
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
