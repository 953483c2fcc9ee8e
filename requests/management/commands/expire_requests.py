from django.core.management.base import BaseCommand

from requests.services import help_requests_expire


class Command(BaseCommand):
    help = (
        "Expire open help requests whose time is up and remind authors of those about to expire. "
        "Run it from a timer, e.g. every 15 minutes; running it twice at once is harmless."
    )

    def handle(self, *args, **options):
        expired, reminded = help_requests_expire()
        if expired or reminded:
            self.stdout.write(f"{expired} requests expired, {reminded} authors reminded.")
