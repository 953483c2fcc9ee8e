"""What the background jobs (the apps' ``tasks.py``, run by ``manage.py procrastinate worker``) share.

Every periodic job runs the same service function as its management command. Jobs of one task carry the same
``lock``, so a run that takes longer than its period makes the next one wait instead of overlapping it; the services
claim what they send as well, so a repeated run sends nothing twice. (No ``queueing_lock``: a failed job that is
retried goes back to the queue, where a queueing lock could clash with the next periodic one.)
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from procrastinate import BaseRetryStrategy, RetryDecision


class SettingsRetry(BaseRetryStrategy):
    """Tries a failed job again ``DUGNAD_JOB_RETRIES`` times, ``DUGNAD_JOB_RETRY_SECONDS`` apart (read when a job
    fails, not at import); then the job stays in the queue's table as failed, with its error in the worker's log."""

    def get_retry_decision(self, *, exception, job):
        if job.attempts >= settings.DUGNAD_JOB_RETRIES:
            return None
        return RetryDecision(retry_in={"seconds": settings.DUGNAD_JOB_RETRY_SECONDS})


RETRY = SettingsRetry()


def base_url():
    """The site's public address for links in e-mails (``DUGNAD_BASE_URL``, without a trailing slash)."""
    url = settings.DUGNAD_BASE_URL.strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "Set DUGNAD_BASE_URL to the site's address, e.g. https://dugnad.example.kommune.no "
            f"(not {settings.DUGNAD_BASE_URL!r})."
        )
    return url
