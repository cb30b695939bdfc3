import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.builder import build_demo, demo_is_loaded, reset_passwords
from demo.users import DEMO_LOGINS


class Command(BaseCommand):
    help = "Build a realistic fictional council (users, plan, indicators, boards) for trying the service."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo user (default: DEMO_PASSWORD or demo-password)")
        parser.add_argument(
            "--size", choices=["small", "large"], default="small", help="large builds data for benchmarks"
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run even though DEBUG is off. Never use this on a live council database.",
        )

    def handle(self, *args, password=None, size="small", allow_without_debug=False, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "DEBUG is off, so this looks like a live system. seed_demo adds fictional people and data; "
                "run it with --allow-without-debug only if you are sure this database is for testing."
            )
        password = password or os.environ.get("DEMO_PASSWORD") or "demo-password"
        if demo_is_loaded():
            reset_passwords(password)
            self.stdout.write("The demo council is already loaded: nothing added.")
        else:
            build_demo(size=size, password=password)
            self.stdout.write(self.style.SUCCESS(f"Built the demo council ({size})."))
        self.stdout.write(f"Sign in as {', '.join(DEMO_LOGINS)} with the password: {password}")
