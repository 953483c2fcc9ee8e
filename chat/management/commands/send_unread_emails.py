from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from chat.services import unread_emails_send


class Command(BaseCommand):
    help = (
        "E-mail participants whose messages have waited unread longer than DUGNAD_UNREAD_EMAIL_AFTER_MINUTES "
        "(default 30). Each message is mentioned at most once. Run it from a timer, e.g. every 10 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True, help="The site's address for links, e.g. https://dugnad.no")

    def handle(self, *args, base_url, **options):
        sent = unread_emails_send(
            base_url=base_url.rstrip("/"),
            older_than=timedelta(minutes=settings.DUGNAD_UNREAD_EMAIL_AFTER_MINUTES),
        )
        if sent:
            self.stdout.write(f"{sent} e-mails about unread messages sent.")
