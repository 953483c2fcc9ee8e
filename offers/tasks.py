"""Periodic jobs of sessions and agreement dates (cron times in UTC); the same work as ``manage.py send_reminders``."""

import logging

from procrastinate.contrib.django import app

from config.jobs import RETRY, base_url
from offers.sessions import session_reminders_send
from requests.agreements import occurrence_reminders_send

logger = logging.getLogger(__name__)


@app.periodic(cron="*/15 * * * *")
@app.task(lock="send_reminders", retry=RETRY)
def send_reminders(timestamp=None):
    url = base_url()  # checked first, so that a missing setting fails the job before anything is claimed
    sessions = session_reminders_send()
    dates = occurrence_reminders_send(base_url=url)
    logger.info("%s session reminders and %s agreement date reminders sent", sessions, dates,
                extra={"sessions": sessions, "dates": dates})
