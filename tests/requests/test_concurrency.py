"""Accepting answers at the same moment, each request on its own database connection (threads released together):
the invariants hold by row locks and constraints, not by luck.

(The other concurrency invariants live beside their features: parallel sign-ups for the last seats and parallel
cancellations in tests/offers/test_signups.py, parallel decisions on one proposal in tests/requests/test_proposals.py.)
"""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from chat.models import Thread
from requests.models import Agreement, HelpRequest, Response
from requests.services import response_accept, response_create
from tests.factories import NeighbourFactory, help_request

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def at_once(*calls):
    """Runs each call in its own thread (so on its own database connection), released together by a barrier.
    Returns their results, or the exceptions they raised, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a call never finished (a deadlock?)"
    return results


def accept_over_http(response, by):
    """POST /api/v1/responses/{id}/accept/ as ``by``, from a client of its own: returns the status code."""
    def call():
        client = APIClient()
        client.force_authenticate(by)
        return client.post(reverse("api:response-accept", args=[response.pk])).status_code
    return call


@pytest.fixture
def lawn():
    """Ann's request, answered by Bob and by Cid."""
    ann = NeighbourFactory(display_name="Ann")
    wanted = help_request(author=ann, notify_nearby=False)
    bob, cid = NeighbourFactory(display_name="Bob"), NeighbourFactory(display_name="Cid")
    answers = [response_create(help_request=wanted, responder=helper, message="I can") for helper in (bob, cid)]
    return ann, wanted, answers


@pytest.mark.parametrize("attempts", [2, 6])
def test_one_answer_accepted_at_once_from_several_devices_makes_one_agreement_and_the_rest_get_409(lawn, attempts):
    """Given Ann's request with Bob's answer, when Ann presses Accept on several devices at the same moment, then
    exactly one press makes the agreement, every other one gets 409, and Bob is the request's one helper."""
    ann, wanted, (bobs, _cids) = lawn

    codes = at_once(*[accept_over_http(bobs, ann)] * attempts)

    assert sorted(codes) == [201] + [409] * (attempts - 1)
    agreement = Agreement.objects.get(request=wanted)
    assert agreement.response_id == bobs.pk
    assert agreement.helper_id == bobs.responder_id
    assert Response.objects.get(pk=bobs.pk).status == Response.Status.ACCEPTED
    assert HelpRequest.objects.get(pk=wanted.pk).status == HelpRequest.Status.MATCHED
    assert Thread.objects.filter(pk=agreement.thread_id).count() == 1


def test_two_answers_accepted_at_once_each_make_one_agreement_serialised_by_the_request_lock(lawn):
    """Given Ann's request with answers from Bob and Cid, when both are accepted at the same moment (a request may
    have more than one helper: DESIGN §2), then the request's row lock serialises them: both succeed, each answer
    has exactly one agreement with its own helper and thread, and nothing deadlocks."""
    ann, wanted, answers = lawn

    codes = at_once(*[accept_over_http(answer, ann) for answer in answers])

    assert codes == [201, 201]
    agreements = list(Agreement.objects.filter(request=wanted).order_by("helper__display_name"))
    assert [(a.response_id, a.helper.display_name) for a in agreements] == [(answers[0].pk, "Bob"),
                                                                              (answers[1].pk, "Cid")]
    assert len({a.thread_id for a in agreements}) == 2
    assert HelpRequest.objects.get(pk=wanted.pk).status == HelpRequest.Status.MATCHED


def test_accepting_while_the_request_is_cancelled_never_leaves_an_agreement_on_an_unmatched_request(lawn):
    """Given Ann's answered request, when she accepts Bob's answer on one device while cancelling on another, then
    either the accept came first (an agreement, the request cancelled afterwards) or the cancel did (409, no
    agreement): never an agreement made after the cancellation."""
    ann, wanted, (bobs, _cids) = lawn

    def cancel():
        client = APIClient()
        client.force_authenticate(ann)
        return client.delete(reverse("api:request-detail", args=[wanted.pk])).status_code

    accepted, cancelled = at_once(accept_over_http(bobs, ann), cancel)

    assert cancelled == 204
    assert accepted in {201, 409}
    assert Agreement.objects.filter(request=wanted).count() == (1 if accepted == 201 else 0)
    assert HelpRequest.objects.get(pk=wanted.pk).status == HelpRequest.Status.CANCELLED


def test_the_database_refuses_a_second_agreement_for_one_answer_or_one_helper(lawn):
    """The constraints behind the invariants, without the service's checks: one agreement per answer, one per
    helper and request."""
    ann, wanted, (bobs, cids) = lawn
    first = response_accept(response=bobs, by=ann)

    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(request=wanted, response=bobs, requester=ann, helper=cids.responder)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(request=wanted, response=cids, requester=ann, helper=first.helper)
