"""JSON log lines, request ids and the logging filter (config/logging.py, config/request_id.py)."""

import json
import logging

import pytest

from config.logging import ContextFilter, JsonFormatter, PlainFormatter, logging_config
from config.request_id import connection_id, request_id, request_id_from


def _record(message="Hello %s", args=("there",), exc_info=None, **extra):
    record = logging.LogRecord("dugnad.test", logging.WARNING, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    ContextFilter().filter(record)
    return record


def test_a_json_line_holds_time_in_utc_level_logger_message_and_extra_fields():
    line = JsonFormatter().format(_record(thread_id=7, who={"id": 3}))

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["time"].endswith("Z")
    assert entry["time"][10] == "T"
    assert (entry["level"], entry["logger"], entry["message"]) == ("WARNING", "dugnad.test", "Hello there")
    assert (entry["thread_id"], entry["who"]) == (7, {"id": 3})
    assert "request_id" not in entry
    assert "exception" not in entry


def test_a_json_line_carries_the_request_id_of_the_current_request():
    token = request_id.set("abc123")
    try:
        entry = json.loads(JsonFormatter().format(_record()))
    finally:
        request_id.reset(token)

    assert entry["request_id"] == "abc123"


def test_a_json_line_carries_the_connection_id_of_the_current_websocket_connection():
    token = connection_id.set("c0ffee")
    try:
        entry = json.loads(JsonFormatter().format(_record()))
    finally:
        connection_id.reset(token)

    assert entry["connection_id"] == "c0ffee"


def test_a_json_line_holds_the_exception_text_and_survives_values_json_cannot_hold():
    try:
        raise ValueError("broken\nacross lines")
    except ValueError:
        import sys

        record = _record(exc_info=sys.exc_info(), request=object())

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert "ValueError: broken" in entry["exception"]
    assert "Traceback" in entry["exception"]
    assert entry["request"].startswith("<object object")


def test_a_plain_line_shows_the_request_id():
    token = request_id.set("abc123")
    try:
        line = PlainFormatter().format(_record())
    finally:
        request_id.reset(token)

    assert "WARNING dugnad.test [abc123] Hello there" in line


def test_the_log_format_is_json_or_plain():
    from django.core.exceptions import ImproperlyConfigured

    assert logging_config(log_format="json", level="INFO")["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ImproperlyConfigured):
        logging_config(log_format="xml", level="INFO")


@pytest.mark.parametrize("value", ["req-42.a:b_C", "a" * 128])
def test_a_sane_incoming_request_id_is_kept(value):
    assert request_id_from(value) == value


@pytest.mark.parametrize("value", [None, "", "a" * 129, "has space", "new\nline", "<script>", "ünïcode"])
def test_an_unusable_incoming_request_id_is_replaced_by_a_new_one(value):
    new = request_id_from(value)

    assert new != value
    assert len(new) == 32
    assert int(new, 16) >= 0


@pytest.mark.django_db
def test_the_response_returns_the_proxys_request_id(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-1234")

    assert response["X-Request-ID"] == "proxy-1234"


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_new_one_each_time(client):
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]

    assert len(first) == len(second) == 32
    assert first != second


@pytest.mark.django_db
def test_records_written_while_handling_a_request_carry_its_id(client, caplog):
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.INFO, logger="dugnad.access"):
        client.get("/healthz", HTTP_X_REQUEST_ID="trace-me")

    access = [r for r in caplog.records if r.name == "dugnad.access"]
    assert [(r.request_id, r.status, r.route) for r in access] == [("trace-me", 200, "healthz")]
    assert request_id.get() is None  # and the id is gone once the request is over


def test_production_settings_default_to_json_logs():
    import os
    import subprocess
    import sys

    from tests.test_management import PRODUCTION_ENV, ROOT

    env = {k: v for k, v in {**os.environ, **PRODUCTION_ENV}.items() if k != "DUGNAD_LOG_FORMAT"}
    code = "import logging, django; django.setup(); logging.getLogger('dugnad.probe').warning('probe')"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60, check=True)

    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert (entry["logger"], entry["message"], entry["level"]) == ("dugnad.probe", "probe", "WARNING")
