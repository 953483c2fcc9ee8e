"""Periodic jobs of data retention (cron times in UTC); the same work as ``manage.py purge_old_data``."""

import logging

from procrastinate.contrib.django import app

from config.jobs import RETRY
from neighbours.data import purge_old_data as purge

logger = logging.getLogger(__name__)


@app.periodic(cron="30 3 * * *")
@app.task(lock="purge_old_data", retry=RETRY)
def purge_old_data(timestamp=None):
    counts = purge()
    logger.info("Old data deleted: %s", ", ".join(f"{label}: {count}" for label, count in counts.items()),
                extra={"deleted": {str(label): count for label, count in counts.items()}})
