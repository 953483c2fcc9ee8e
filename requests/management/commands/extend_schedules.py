from django.core.management.base import BaseCommand

from requests.agreements import agreement_schedules_extend


class Command(BaseCommand):
    help = (
        "Add the dates of repeating agreements without an end that came within the horizon "
        "(DUGNAD_OCCURRENCE_HORIZON_DAYS). Run it from a timer, e.g. daily; running it twice at once is harmless."
    )

    def handle(self, *args, **options):
        added = agreement_schedules_extend()
        if added:
            self.stdout.write(f"{added} dates added.")
