"""Periodic jobs of help requests and agreements (``manage.py procrastinate worker`` runs them; cron times in UTC).

Each runs the service its management command runs (``expire_requests``, ``extend_schedules``, ``send_digests``).
"""

import logging

from procrastinate.contrib.django import app

from config.jobs import RETRY, base_url
from requests.agreements import agreement_schedules_extend
from requests.services import digests_send, help_requests_expire

logger = logging.getLogger(__name__)


@app.periodic(cron="*/15 * * * *")
@app.task(lock="expire_requests", retry=RETRY)
def expire_requests(timestamp=None):
    expired, reminded = help_requests_expire()
    logger.info("%s requests expired, %s authors reminded", expired, reminded,
                extra={"expired": expired, "reminded": reminded})


@app.periodic(cron="0 2 * * *")
@app.task(lock="extend_schedules", retry=RETRY)
def extend_schedules(timestamp=None):
    added = agreement_schedules_extend()
    logger.info("%s agreement dates added", added, extra={"added": added})


@app.periodic(cron="0 5 * * *", periodic_id="daily", task_kwargs={"frequency": "daily"}, lock="send_digests.daily")
@app.periodic(cron="0 5 * * 1", periodic_id="weekly", task_kwargs={"frequency": "weekly"},
              lock="send_digests.weekly")
@app.task(lock="send_digests", retry=RETRY)
def send_digests(frequency, timestamp=None):
    sent = digests_send(frequency=frequency, base_url=base_url())
    logger.info("%s %s digests sent", sent, frequency, extra={"sent": sent, "frequency": frequency})
