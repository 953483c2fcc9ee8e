"""Periodic jobs of the chat (cron times in UTC); the same work as ``manage.py send_unread_emails``."""

import logging
from datetime import timedelta

from django.conf import settings
from procrastinate.contrib.django import app

from chat.services import unread_emails_send
from config.jobs import RETRY, base_url

logger = logging.getLogger(__name__)


@app.periodic(cron="*/10 * * * *")
@app.task(lock="send_unread_emails", retry=RETRY)
def send_unread_emails(timestamp=None):
    sent = unread_emails_send(
        base_url=base_url(), older_than=timedelta(minutes=settings.DUGNAD_UNREAD_EMAIL_AFTER_MINUTES)
    )
    logger.info("%s e-mails about unread messages sent", sent, extra={"sent": sent})
