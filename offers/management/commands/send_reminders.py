from django.conf import settings
from django.core.management.base import BaseCommand

from offers.sessions import session_reminders_send
from requests.agreements import occurrence_reminders_send


class Command(BaseCommand):
    help = (
        "Remind people with a seat at a session, and both sides of an agreement's date, when it starts within "
        "DUGNAD_REMINDER_LEAD_HOURS (a notification and an e-mail). Run it from a timer, e.g. every 15 minutes; "
        "running it twice at once sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True, help="The site's address for links, e.g. https://dugnad.no")

    def handle(self, *args, base_url, **options):
        sessions = session_reminders_send()
        dates = occurrence_reminders_send(base_url=base_url.rstrip("/"))
        self.stdout.write(
            f"{sessions} session reminders and {dates} agreement date reminders sent "
            f"(lead time {settings.DUGNAD_REMINDER_LEAD_HOURS} h)."
        )
