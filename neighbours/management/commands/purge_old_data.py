from django.core.management.base import BaseCommand

from neighbours.data import purge_old_data


class Command(BaseCommand):
    help = (
        "Delete old data as the retention settings say: closed requests and offers "
        "(DUGNAD_RETENTION_CLOSED_REQUEST_DAYS), silent threads (DUGNAD_RETENTION_THREAD_DAYS) and read notifications "
        "(DUGNAD_RETENTION_NOTIFICATION_DAYS). Prints what it deleted. Run it from a daily timer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Only count what would be deleted. (Threads freed by deleting old requests in the same run are "
            "counted only by a real run.)",
        )

    def handle(self, *args, dry_run=False, **options):
        counts = purge_old_data(dry_run=dry_run)
        verb = "would be deleted" if dry_run else "deleted"
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} {verb}")
