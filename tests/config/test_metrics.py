"""/metrics: who may read it, and what the HTTP request metrics are labelled with (config/metrics.py)."""

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db


def _samples(text):
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_loopback_without_a_proxy_may_read_the_metrics_when_no_token_is_set(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"dugnad_websocket_connections " in response.content


@pytest.mark.parametrize(("remote", "forwarded"), [("10.0.0.7", None), ("127.0.0.1", "203.0.113.5"), ("::1", "x")])
def test_requests_from_elsewhere_or_through_the_proxy_are_refused_when_no_token_is_set(client, remote, forwarded):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}

    response = client.get("/metrics", REMOTE_ADDR=remote, **headers)

    assert response.status_code == 403
    assert b"dugnad_" not in response.content


@override_settings(DUGNAD_METRICS_TOKEN="s3cret-scrape-token")
def test_with_a_token_set_the_right_bearer_token_reads_the_metrics_from_anywhere(client):
    response = client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")

    assert response.status_code == 200


@override_settings(DUGNAD_METRICS_TOKEN="s3cret-scrape-token")
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Bearer s3cret-scrape-token2", "s3cret-scrape-token"])
def test_with_a_token_set_anything_else_is_refused_even_from_loopback(client, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", **headers)

    assert response.status_code == 403


def test_metrics_answer_only_get(client):
    assert client.post("/metrics").status_code == 405


def test_requests_are_counted_by_url_pattern_never_by_raw_path(client):
    for pk in (101, 202):
        client.get(f"/api/v1/threads/{pk}/")
    client.get("/no/such/page/at/all/")

    samples = _samples(client.get("/metrics").content.decode())

    route = "api/v1/threads/<int:pk>/"
    assert samples[("dugnad_http_requests_total", (("method", "GET"), ("route", route), ("status", "401")))] >= 2
    assert samples[("dugnad_http_request_duration_seconds_count", (("route", route),))] >= 2
    assert samples[("dugnad_http_requests_total", (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))]
    assert not any("101" in str(labels) or "no/such" in str(labels) for _name, labels in samples)


def test_metrics_are_answered_before_host_validation(client):
    """Prometheus scrapes a process by its internal address, which is not one of the public ALLOWED_HOSTS."""
    response = client.get("/metrics", HTTP_HOST="daphne-2:8000")

    assert response.status_code == 200
