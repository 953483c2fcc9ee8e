"""The API's JSON parser (config.parsers): bodies that parse in Python but that nothing downstream can store get a
400, never a 500. Found by fuzzing the API (tests/contract/test_schemathesis.py and by hand)."""

import pytest
from django.urls import reverse

from chat.models import Message
from requests.models import HelpRequest
from tests.factories import NeighbourFactory, chat_thread

pytestmark = pytest.mark.django_db


def post_raw(client, url, raw):
    return client.post(url, raw, content_type="application/json")


def test_a_category_slug_with_a_nul_is_a_400_not_a_failed_query(authed_client):
    raw = '{"category": "gar\\u0000den", "title": "Mow my lawn", "location": {"lat": 62.4722, "lon": 6.1495}}'

    answer = post_raw(authed_client, reverse("api:request-list"), raw)

    assert answer.status_code == 400
    assert "detail" in answer.json()
    assert not HelpRequest.objects.exists()


@pytest.mark.parametrize("body", ['"\\ud800"', '"half \\udfff a pair"', '"a\\u0000b"'])
def test_a_message_body_with_a_lone_surrogate_or_nul_is_a_400(authed_client, neighbour, body):
    thread = chat_thread(neighbour, NeighbourFactory())

    answer = post_raw(authed_client, reverse("api:thread-messages", args=[thread.pk]), '{"body": ' + body + "}")

    assert answer.status_code == 400
    assert not Message.objects.filter(thread=thread).exists()


def test_a_token_request_with_a_lone_surrogate_is_a_400_not_a_failed_rate_limit_key(api_client):
    answer = post_raw(api_client, reverse("api:token"), '{"email": "\\ud800", "password": "x"}')

    assert answer.status_code == 400


def test_a_body_nested_deeper_than_the_parser_can_go_is_a_400(authed_client):
    answer = post_raw(authed_client, reverse("api:request-list"), "[" * 100_000 + "]" * 100_000)

    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error")


def test_an_escaped_surrogate_pair_is_an_ordinary_character(authed_client, neighbour):
    thread = chat_thread(neighbour, NeighbourFactory())

    answer = post_raw(authed_client, reverse("api:thread-messages", args=[thread.pk]), '{"body": "Hi \\ud83d\\ude00"}')

    assert answer.status_code == 201
    assert Message.objects.get(thread=thread).body == "Hi \U0001f600"
