"""Background jobs: the periodic schedule, and a real `manage.py procrastinate worker` running deferred jobs."""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from chat.tasks import send_unread_emails
from requests.models import HelpRequest
from requests.tasks import expire_requests
from tests.factories import help_request
from tests.live import ROOT, database_url, stop

# The schedule of docs/operations.md (cron, UTC).
SCHEDULE = {
    ("requests.tasks.expire_requests", ""): "*/15 * * * *",
    ("offers.tasks.send_reminders", ""): "*/15 * * * *",
    ("chat.tasks.send_unread_emails", ""): "*/10 * * * *",
    ("requests.tasks.send_digests", "daily"): "0 5 * * *",
    ("requests.tasks.send_digests", "weekly"): "0 5 * * 1",
    ("requests.tasks.extend_schedules", ""): "0 2 * * *",
    ("neighbours.tasks.purge_old_data", ""): "30 3 * * *",
}


def test_the_periodic_jobs_run_on_the_documented_schedule():
    registered = {key: periodic.cron for key, periodic in app.periodic_registry.periodic_tasks.items()}

    assert registered == SCHEDULE


def test_digests_get_their_frequency_and_a_lock_each():
    """Daily and weekly digests fall on the same Monday morning: neither may wait for, or skip, the other."""
    periodic = app.periodic_registry.periodic_tasks

    daily, weekly = periodic[("requests.tasks.send_digests", "daily")], periodic[("requests.tasks.send_digests",
                                                                                  "weekly")]

    assert daily.configure_kwargs["task_kwargs"]["frequency"] == "daily"
    assert weekly.configure_kwargs["task_kwargs"]["frequency"] == "weekly"
    assert daily.configure_kwargs["lock"] != weekly.configure_kwargs["lock"]


def test_every_periodic_job_has_a_lock_so_runs_never_overlap():
    locks = [
        periodic.configure_kwargs.get("lock") or periodic.task.lock
        for periodic in app.periodic_registry.periodic_tasks.values()
    ]

    assert all(locks)
    assert len(set(locks)) == len(SCHEDULE)


@contextlib.contextmanager
def worker(**env_overrides):
    """Runs ``manage.py procrastinate worker`` against the test database; yields the path of its log."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "DUGNAD_LOG_FORMAT": "json",
        **env_overrides,
    }
    with tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker"], cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, log_path
    finally:
        stop(process, timeout=20)
        log_path.unlink()


def wait_for_job(process, log_path, job_id, statuses):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = ProcrastinateJob.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        if process.poll() is not None:
            raise AssertionError(f"the worker exited with {process.returncode}:\n{log_path.read_text()}")
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.status} after 60 s:\n{log_path.read_text()}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_runs_a_deferred_job_and_its_effect_is_in_the_database():
    """Given an open request whose time is up and a deferred expiry job, when a worker runs, the request expires."""
    now = timezone.now()
    overdue = help_request(needed_from=now - timedelta(days=2), needed_until=now - timedelta(hours=1))
    job_id = expire_requests.defer()

    with worker() as (process, log_path):
        job = wait_for_job(process, log_path, job_id, {"succeeded", "failed"})

    overdue.refresh_from_db()
    assert job.status == "succeeded"
    assert overdue.status == HelpRequest.Status.EXPIRED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_job_is_retried_then_recorded_as_failed_with_its_error_logged():
    """Given a worker without a usable DUGNAD_BASE_URL, the unread-e-mail job fails, is tried once more (as
    DUGNAD_JOB_RETRIES says), then stays in the queue's table as failed; the error is in the worker's JSON log."""
    job_id = send_unread_emails.defer()

    with worker(DUGNAD_BASE_URL="not-an-address", DUGNAD_JOB_RETRIES="1", DUGNAD_JOB_RETRY_SECONDS="0") as (
        process, log_path,
    ):
        job = wait_for_job(process, log_path, job_id, {"failed", "succeeded"})
        log = log_path.read_text()

    assert job.status == "failed"
    assert job.attempts == 2
    errors = [json.loads(line) for line in log.splitlines() if line.startswith("{") and "exception" in line]
    assert any("DUGNAD_BASE_URL" in entry["exception"] for entry in errors), log
