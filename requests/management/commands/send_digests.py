from django.core.management.base import BaseCommand

from requests.services import digests_send


class Command(BaseCommand):
    help = (
        "E-mail neighbours who chose a daily or weekly digest the new requests in their categories near them. "
        "Run it from a timer (e.g. daily at 07:00 for 'daily', and 'weekly' every Monday); it is safe to run often."
    )

    def add_arguments(self, parser):
        parser.add_argument("frequency", choices=["daily", "weekly"])
        parser.add_argument("--base-url", required=True, help="The site's address for links, e.g. https://dugnad.no")

    def handle(self, *args, frequency, base_url, **options):
        sent = digests_send(frequency=frequency, base_url=base_url.rstrip("/"))
        if sent:
            self.stdout.write(f"{sent} digests sent.")
