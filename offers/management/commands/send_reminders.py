from django.conf import settings
from django.core.management.base import BaseCommand

from offers.sessions import session_reminders_send


class Command(BaseCommand):
    help = (
        "Remind people with a seat at a session that starts within DUGNAD_REMINDER_LEAD_HOURS (a notification and an "
        "e-mail). Run it from a timer, e.g. every 15 minutes; running it twice at once sends nothing twice."
    )

    def handle(self, *args, **options):
        sessions = session_reminders_send()
        self.stdout.write(
            f"{sessions} session reminders sent (lead time {settings.DUGNAD_REMINDER_LEAD_HOURS} h)."
        )
