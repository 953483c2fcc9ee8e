"""Bad WebSocket frames at scale, against a real daphne process (DESIGN §4, §8).

Hypothesis generates frames (random text and bytes, JSON of every type, frames of the right types with fields of the
wrong types, huge numbers, deep nesting, oversized frames) and sends them one by one over one connection. After each,
a ``ping`` with a fresh id marks the end of its answers: everything before the ``pong`` is what the server said to
that frame, and each must be an ``error`` frame with a known code or a valid answer. The connection never closes (so
never with 1011), nothing carries a traceback, and afterwards a normal send is acked on the same connection.

Rate limits stay on. The generated-frame run allows a high frame rate so that its ``ping`` markers are answered; the
flood test uses a low one and goes far past it. Examples are derandomized (repeatable in CI): DUGNAD_FUZZ_WS_EXAMPLES
sets how many (``make fuzz`` raises it and explores from DUGNAD_FUZZ_SEED instead).
"""

import contextlib
import json
import os
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chat.models import Message
from tests.factories import NeighbourFactory, chat_thread
from tests.live import daphne

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXAMPLES = int(os.environ.get("DUGNAD_FUZZ_WS_EXAMPLES", "300"))
# `make fuzz` explores from a seed of its choosing (DUGNAD_FUZZ_SEED); `make test` replays the same examples always.
LONG = os.environ.get("DUGNAD_FUZZ", "").lower() == "long"
SEED = int(os.environ.get("DUGNAD_FUZZ_SEED", "20261123"))
FRAME_TYPES = ["ping", "subscribe", "unsubscribe", "send", "read", "typing"]
ANSWER_TYPES = {"error", "pong", "subscribed", "message", "ack", "read", "typing", "notification"}
ERROR_CODES = {"bad_frame", "bad_json", "too_large", "rate_limited", "unknown_type", "not_found", "forbidden",
               "invalid"}
MAX_FRAME_CHARS = 64 * 1024


@pytest.fixture
def people():
    """Ann and Bob share a thread; Cid has one of his own that Ann is not in."""
    ann, bob, cid = (NeighbourFactory(display_name=name) for name in ("Ann", "Bob", "Cid"))
    return {
        "key": Token.objects.create(user=ann).key,
        "thread": chat_thread(ann, bob).pk,
        "foreign_thread": chat_thread(cid, bob).pk,
    }


def ws_url(base_url):
    return base_url.replace("http://", "ws://") + "/ws/"


def open_ws(base_url, key):
    return connect(ws_url(base_url), additional_headers={"Authorization": f"Token {key}"}, max_size=None,
                   open_timeout=20, close_timeout=5)


def answers_to(ws, frame, *, text=True):
    """Sends ``frame`` and then a marker ping; returns the frames the server sent before the marker's pong."""
    marker = uuid.uuid4().hex
    ws.send(frame, text=text)
    ws.send(json.dumps({"type": "ping", "id": marker}))
    answers = []
    deadline = time.monotonic() + 30
    while True:
        raw = ws.recv(timeout=max(deadline - time.monotonic(), 0.1))
        assert "Traceback (most recent call last)" not in raw, f"a traceback reached the client: {raw[:2000]}"
        answer = json.loads(raw)
        if answer == {"type": "pong", "id": marker}:
            return answers
        answers.append(answer)


def assert_valid(answers, frame):
    for answer in answers:
        assert isinstance(answer, dict), (frame[:300], answer)
        assert answer.get("type") in ANSWER_TYPES, (frame[:300], answer)
        if answer["type"] == "error":
            assert answer.get("code") in ERROR_CODES, (frame[:300], answer)
            assert isinstance(answer.get("detail"), str), (frame[:300], answer)


def send_and_ack(ws, thread_id):
    client_id = str(uuid.uuid4())
    answers = answers_to(ws, json.dumps({"type": "send", "thread": thread_id, "client_id": client_id,
                                         "body": "Still here?"}))
    acks = [a for a in answers if a.get("type") == "ack" and a.get("client_id") == client_id]
    assert len(acks) == 1, answers
    return acks[0]


# --- frame strategies --------------------------------------------------------------------------------------------

huge_ints = st.one_of(
    st.integers(), st.integers(min_value=2**63 - 2, max_value=2**63 + 2), st.integers(min_value=-(2**64), max_value=0),
    st.integers(min_value=10**18, max_value=10**300),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), huge_ints, st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=50),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# Text with what databases and encoders choke on: NUL, lone surrogates (as JSON escapes), right-to-left marks.
nasty_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfff", "\u202e", " ", "\n\t", "💥" * 50]),
)


def typed_frames(thread_ids):
    """Frames of the real types whose fields are right, wrong or strange."""
    field = st.one_of(json_values, huge_ints, nasty_text)
    return st.fixed_dictionaries(
        {"type": st.sampled_from(FRAME_TYPES)},
        optional={
            "thread": st.one_of(st.sampled_from(thread_ids), field),
            "after": st.one_of(st.integers(min_value=0, max_value=5), field),
            "seq": st.one_of(st.integers(min_value=0, max_value=5), field),
            "client_id": st.one_of(st.uuids().map(str), field),
            "body": st.one_of(nasty_text, field),
            "id": field,
        },
    )


def frames(thread_ids):
    """(payload, is_text) pairs."""
    as_json = st.builds(lambda value: json.dumps(value), json_values)
    typed = st.builds(lambda value: json.dumps(value), typed_frames(thread_ids))
    nested = st.builds(lambda depth, bracket: bracket[0] * depth + bracket[1] * depth,
                       st.integers(min_value=1, max_value=30000), st.sampled_from(["[]", "{}"]))
    nested_objects = st.builds(lambda depth: '{"type":"send","body":' + "[" * depth + "]" * depth + "}",
                               st.integers(min_value=500, max_value=30000))
    big_numbers = st.builds(lambda digits: '{"type":"read","thread":1,"seq":' + "9" * digits + "}",
                            st.integers(min_value=19, max_value=20000))
    texts = st.one_of(st.text(max_size=300), as_json, typed, typed, typed, nested, nested_objects, big_numbers,
                      st.sampled_from(["", "null", "{}", "[]", '{"type":null}', '{"type":"send"', "NaN", "1e999"]))
    return st.one_of(texts.map(lambda text: (text, True)), st.binary(max_size=300).map(lambda data: (data, False)))


def test_generated_frames_get_an_answer_or_an_error_and_the_connection_lives_on(people):
    """Every generated frame is answered with valid frames or an ``error`` frame with a known code; the connection
    is never closed and carries no traceback; afterwards a send is acked on the same connection."""
    thread_ids = [people["thread"], people["foreign_thread"], 0, -1, 2**31, 2**63]
    with daphne(DUGNAD_WS_FRAMES_PER_SECOND="10000", DUGNAD_WS_FRAME_BURST="10000") as base_url, \
            contextlib.ExitStack() as connections:
        connection = {"ws": connections.enter_context(open_ws(base_url, people["key"]))}

        @settings(max_examples=EXAMPLES, derandomize=not LONG, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @seed(SEED)
        @given(frame=frames(thread_ids))
        def check(frame):
            payload, is_text = frame
            try:
                answers = answers_to(connection["ws"], payload, text=is_text)
            except ConnectionClosed as exc:
                # A fresh connection for the next example, so that Hypothesis can shrink this one on its own.
                connection["ws"] = connections.enter_context(open_ws(base_url, people["key"]))
                pytest.fail(f"the server closed the connection ({exc.rcvd}) after {payload[:300]!r}")
            assert_valid(answers, payload if is_text else repr(payload))
            if not is_text:
                # (besides, maybe, broadcasts of earlier frames: read and typing events come through the layer)
                assert [a["code"] for a in answers if a["type"] == "error"] == ["bad_frame"], answers

        first = connection["ws"]
        check()
        assert connection["ws"] is first  # (never reopened: the connection lived through every frame)
        ack = send_and_ack(first, people["thread"])
    assert Message.objects.filter(thread_id=people["thread"], seq=ack["seq"], body="Still here?").exists()


@pytest.mark.parametrize("size", [MAX_FRAME_CHARS + 1, 1000 * 1000])
def test_frames_over_the_size_limit_get_too_large_and_the_connection_lives_on(people, size):
    """Frames over the consumer's 64 KiB limit (up to daphne's own 1 MiB message limit) get ``too_large``."""
    body = "x" * size
    with daphne() as base_url, open_ws(base_url, people["key"]) as ws:
        frame = json.dumps({"type": "send", "thread": people["thread"], "client_id": str(uuid.uuid4()), "body": body})
        assert [a["code"] for a in answers_to(ws, frame)] == ["too_large"]
        assert [a["code"] for a in answers_to(ws, body.encode(), text=False)] == ["bad_frame"]
        send_and_ack(ws, people["thread"])


def test_a_message_over_daphnes_1_mib_limit_fails_only_that_connection_never_with_1011(people):
    """Above 1 MiB daphne itself refuses the message (RFC 6455 1009, or a dropped connection while the client is
    still sending): never an internal error, and the server goes on serving."""
    with daphne() as base_url:
        with open_ws(base_url, people["key"]) as ws:
            with contextlib.suppress(ConnectionClosed):  # (the server may drop it while it is being sent)
                ws.send("x" * (2 * 1024 * 1024))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
        with open_ws(base_url, people["key"]) as ws:
            send_and_ack(ws, people["thread"])


def test_a_flood_past_the_frame_rate_limit_gets_rate_limited_errors_and_the_connection_lives_on(people):
    """With a limit of 5 frames/s (burst 10), 200 frames at once: the excess is refused with ``rate_limited``,
    nothing else goes wrong, and once the bucket refills a send is acked on the same connection."""
    with daphne(DUGNAD_WS_FRAMES_PER_SECOND="5", DUGNAD_WS_FRAME_BURST="10") as base_url, \
            open_ws(base_url, people["key"]) as ws:
        for number in range(200):
            ws.send(json.dumps({"type": "ping", "id": number}))
        answers = [json.loads(ws.recv(timeout=30)) for _ in range(200)]
        pongs = [a for a in answers if a["type"] == "pong"]
        refused = [a for a in answers if a["type"] == "error"]
        assert refused
        assert all(a["code"] == "rate_limited" for a in refused)
        assert len(pongs) + len(refused) == 200
        assert 10 <= len(pongs) < 200
        time.sleep(2.5)  # the bucket refills (5 frames/s): room for the ping marker and the send
        send_and_ack(ws, people["thread"])


def test_invalid_utf8_in_a_text_frame_closes_with_1007_and_the_server_keeps_serving(people):
    """RFC 6455 §8.1: a text frame that is not UTF-8 fails the connection (daphne's autobahn drops it, or closes
    with 1007; never 1011); the server goes on serving new connections."""
    with daphne() as base_url:
        with open_ws(base_url, people["key"]) as ws:
            ws.send(b'{"type":"ping","id":"\xff\xfe"}', text=True)
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1007
        with open_ws(base_url, people["key"]) as ws:
            send_and_ack(ws, people["thread"])
