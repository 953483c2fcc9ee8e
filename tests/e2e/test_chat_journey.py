"""Two neighbours chat on a thread page: live delivery, typing and read marks, a lost connection, no JavaScript."""

import contextlib
import re
import socket
import struct
import threading
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from chat.models import Message
from chat.services import thread_open
from tests.factories import PASSWORD, NeighbourFactory, OrganisationFactory

LIVE = "New messages appear here by themselves."
LOST = "The connection was lost. Trying again…"
NOT_SENT_YET = "Not sent yet: it will be sent when the connection is back."
# The client retries with exponential back-off (1 s, 2 s, 4 s … each with jitter), so coming back takes a while.
RECONNECT_TIMEOUT_MS = 30_000


class Link:
    """A TCP relay between one browser context and the live server: that person's network connection.

    Chromium's offline emulation (``BrowserContext.set_offline(True)``) makes new requests and new WebSocket handshakes
    fail, but it leaves an open WebSocket open: its frames are held back and delivered once the context is online
    again, so the page never learns that anything happened (checked with Debian's Chromium 156 and Playwright 1.65; see
    microsoft/playwright#4910). A lost connection is something else: the socket closes and the client must reconnect
    and catch up. ``unplug()`` therefore resets every TCP connection passing through (browser and daphne both see
    it end) and refuses new ones until ``plug_in()``. ``lose_replies()`` drops what the server sends while still
    passing on what the browser sends, as a connection that dies between a request and its answer.
    """

    def __init__(self, live_url):
        target = urlsplit(live_url)
        self.target = (target.hostname, target.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.lock = threading.Lock()
        self.plugged_in = True
        self.replies_lost = False
        self.sockets = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def unplug(self):
        with self.lock:
            self.plugged_in = False
            sockets, self.sockets = self.sockets, set()
        for sock in sockets:
            _reset(sock)

    def plug_in(self):
        with self.lock:
            self.plugged_in = True
            self.replies_lost = False

    def lose_replies(self):
        self.replies_lost = True

    def close(self):
        self.unplug()
        self.listener.close()

    def _accept(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:  # the listener was closed
                return
            with self.lock:
                if not self.plugged_in:
                    _reset(client)
                    continue
                try:
                    server = socket.create_connection(self.target)
                except OSError:
                    _reset(client)
                    continue
                self.sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source, destination, replies):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if not (replies and self.replies_lost):
                    destination.sendall(data)
        for sock in (source, destination):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _reset(sock):
    """Ends a connection with a TCP reset, as when the network goes away under it."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)  # wakes the relay thread blocked in recv()
    sock.close()


@pytest.fixture
def open_browser(browser, live_url, live_db):
    """``open_browser(neighbour, javascript=True)`` → a page logged in as ``neighbour`` in a browser context of its
    own, reaching the server through a :class:`Link` (``page.link``)."""
    opened = []

    def open_(neighbour, *, javascript=True):
        link = Link(live_url)
        context = browser.new_context(base_url=link.url, locale="en-GB", java_script_enabled=javascript)
        opened.append((context, link))
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.link = link
        log_in(page, neighbour.email)
        return page

    yield open_
    for context, link in opened:
        context.close()
        link.close()


def log_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def go_offline(page):
    page.link.unplug()
    page.context.set_offline(True)


def go_online(page):
    page.context.set_offline(False)
    page.link.plug_in()


@pytest.fixture
def astrid(live_db):
    return NeighbourFactory(display_name="Astrid")


@pytest.fixture
def bjorn(live_db):
    return NeighbourFactory(display_name="Bjørn")


@pytest.fixture
def thread(astrid, bjorn):
    return thread_open(subject=OrganisationFactory(), participants=[astrid, bjorn], title="Cleaning the beach")


def open_thread(page, thread):
    page.goto(f"/messages/{thread.pk}/")
    expect(page.get_by_role("heading", name="Cleaning the beach")).to_be_visible()


def wait_until_live(page, timeout=5_000):
    expect(chat(page).get_by_role("status")).to_have_text(LIVE, timeout=timeout)


def chat(page):
    return page.get_by_role("region", name="Messages")


def messages(page):
    return chat(page).get_by_role("listitem")


def message(page, body):
    return messages(page).filter(has_text=body)


def write(page, body):
    page.get_by_label("Your message").fill(body)
    page.get_by_role("button", name="Send").click()


def exactly(*bodies):
    """Expected texts of the message list: one item per body, in this order."""
    return [re.compile(re.escape(body)) for body in bodies]


def test_two_neighbours_see_each_others_messages_typing_and_read_marks_live(open_browser, astrid, bjorn, thread):
    # Given Astrid and Bjørn both have the conversation open
    a, b = open_browser(astrid), open_browser(bjorn)
    open_thread(a, thread)
    open_thread(b, thread)
    wait_until_live(a)
    wait_until_live(b)

    # When Astrid types, Bjørn sees that she is writing
    a.get_by_label("Your message").fill("Shall we meet at ten?")
    expect(chat(b).get_by_text("Astrid is writing…")).to_be_visible()

    # When she sends it, it appears on Bjørn's page without a reload, and the typing hint goes away
    a.get_by_role("button", name="Send").click()
    expect(message(b, "Shall we meet at ten?")).to_be_visible()
    expect(chat(b).get_by_text("Astrid is writing…")).to_be_hidden()

    # Then Astrid's message is marked as seen, since Bjørn has it on screen
    expect(message(a, "Shall we meet at ten?")).to_contain_text("Seen")

    # And the same the other way round
    b.get_by_label("Your message").fill("Ten is fine, I bring bags")
    expect(chat(a).get_by_text("Bjørn is writing…")).to_be_visible()
    b.get_by_role("button", name="Send").click()
    expect(message(a, "Ten is fine, I bring bags")).to_be_visible()
    expect(message(b, "Ten is fine, I bring bags")).to_contain_text("Seen")
    expect(messages(a)).to_have_text(exactly("Shall we meet at ten?", "Ten is fine, I bring bags"))
    expect(messages(b)).to_have_text(exactly("Shall we meet at ten?", "Ten is fine, I bring bags"))


def test_a_neighbour_who_lost_the_connection_gets_every_missed_message_once_in_order(
    open_browser, astrid, bjorn, thread
):
    """The connection is really lost (see ``Link``): the client notices, reconnects with back-off, subscribes with
    the last sequence number it shows, and the server sends what came after it."""
    # Given both have the conversation open and Bjørn has Astrid's first message
    a, b = open_browser(astrid), open_browser(bjorn)
    open_thread(a, thread)
    open_thread(b, thread)
    wait_until_live(a)
    wait_until_live(b)
    write(a, "Are you there?")
    expect(message(b, "Are you there?")).to_be_visible()

    # When Bjørn's connection drops and Astrid sends several messages meanwhile
    go_offline(b)
    expect(chat(b).get_by_role("status")).to_have_text(LOST)
    for body in ("Bring gloves", "And a thermos", "See you at the pier"):
        write(a, body)
        expect(message(a, body)).not_to_contain_text("Sending…")
    assert Message.objects.filter(thread=thread).count() == 4
    expect(messages(b)).to_have_text(exactly("Are you there?"))

    # Then, once he is back online and the client has reconnected, he has each of them once, in order
    go_online(b)
    wait_until_live(b, timeout=RECONNECT_TIMEOUT_MS)
    expect(messages(b)).to_have_text(exactly("Are you there?", "Bring gloves", "And a thermos", "See you at the pier"))
    expect(message(a, "See you at the pier")).to_contain_text("Seen")


def test_a_message_written_while_offline_is_delivered_once_when_the_connection_is_back(
    open_browser, astrid, bjorn, thread
):
    """A message written without a connection waits in the outbox and is sent, with its client_id, after the
    reconnect; the server stores it once."""
    # Given both have the conversation open
    a, b = open_browser(astrid), open_browser(bjorn)
    open_thread(a, thread)
    open_thread(b, thread)
    wait_until_live(a)
    wait_until_live(b)

    # When Astrid's connection drops and she writes a message
    go_offline(a)
    expect(chat(a).get_by_role("status")).to_have_text(LOST)
    write(a, "I am on the bus, back soon")

    # Then it shows as not sent yet
    expect(message(a, "I am on the bus, back soon")).to_contain_text(NOT_SENT_YET)
    assert not Message.objects.filter(body="I am on the bus, back soon").exists()

    # And when she is back online it is sent, stored once, and Bjørn has it once
    go_online(a)
    wait_until_live(a, timeout=RECONNECT_TIMEOUT_MS)
    expect(message(b, "I am on the bus, back soon")).to_be_visible()
    expect(message(a, "I am on the bus, back soon")).not_to_contain_text(NOT_SENT_YET)
    assert Message.objects.filter(thread=thread, body="I am on the bus, back soon").count() == 1
    expect(messages(a)).to_have_text(exactly("I am on the bus, back soon"))
    expect(messages(b)).to_have_text(exactly("I am on the bus, back soon"))


def test_a_message_whose_acknowledgement_was_lost_is_neither_stored_nor_shown_twice(
    open_browser, astrid, bjorn, thread
):
    """The message reaches the server but the connection dies before the ack comes back. After the reconnect the
    catch-up brings the stored message with its client_id, and it takes the place of the one waiting to be sent."""
    # Given both have the conversation open
    a, b = open_browser(astrid), open_browser(bjorn)
    open_thread(a, thread)
    open_thread(b, thread)
    wait_until_live(a)
    wait_until_live(b)

    # When Astrid sends a message whose answer from the server never reaches her, and then her connection drops
    a.link.lose_replies()
    write(a, "Did this arrive?")
    expect(message(b, "Did this arrive?")).to_be_visible()
    expect(message(a, "Did this arrive?")).to_contain_text("Sending…")
    go_offline(a)
    expect(message(a, "Did this arrive?")).to_contain_text(NOT_SENT_YET)

    # Then after the reconnect she has it once, as sent and seen, and it is stored once
    go_online(a)
    wait_until_live(a, timeout=RECONNECT_TIMEOUT_MS)
    expect(messages(a)).to_have_text(exactly("Did this arrive?"))
    expect(message(a, "Did this arrive?")).to_contain_text("Seen")
    assert Message.objects.filter(thread=thread, body="Did this arrive?").count() == 1
    expect(messages(b)).to_have_text(exactly("Did this arrive?"))


def test_without_javascript_the_form_sends_a_message_and_shows_it_after_the_redirect(open_browser, astrid, thread):
    # Given Astrid's browser runs no JavaScript
    a = open_browser(astrid, javascript=False)
    open_thread(a, thread)

    # When she writes a message and sends the form
    write(a, "Written without JavaScript")

    # Then the page she is sent back to shows it, and it is stored
    expect(a).to_have_url(re.compile(rf"/messages/{thread.pk}/#message-1$"))
    expect(messages(a)).to_have_text(exactly("Written without JavaScript"))
    assert Message.objects.filter(thread=thread, body="Written without JavaScript").count() == 1


def test_without_javascript_posting_the_same_form_twice_stores_the_message_once(open_browser, astrid, thread):
    # Given Astrid's browser runs no JavaScript and she has filled in the form
    a = open_browser(astrid, javascript=False)
    open_thread(a, thread)
    a.get_by_label("Your message").fill("Only once, please")
    form = {
        name: a.locator(f"form[data-chat-form] input[name={name}]").input_value()
        for name in ("csrfmiddlewaretoken", "client_id")
    }

    # When the form is sent, and then the same form (same hidden client_id) is posted again, as a double click or
    # a retried request would
    a.get_by_role("button", name="Send").click()
    expect(messages(a)).to_have_text(exactly("Only once, please"))
    again = a.request.post(f"/messages/{thread.pk}/", form={**form, "body": "Only once, please"}, max_redirects=0)

    # Then the second post leads to the same message, and there is still only one
    assert again.status == 302
    assert again.headers["location"] == f"/messages/{thread.pk}/#message-1"
    assert Message.objects.filter(thread=thread, body="Only once, please").count() == 1
    a.reload()
    expect(messages(a)).to_have_text(exactly("Only once, please"))


def test_html_in_a_message_is_shown_as_text(open_browser, astrid, bjorn, thread):
    # Given both have the conversation open, and any dialog a script might open is recorded
    a, b = open_browser(astrid), open_browser(bjorn)
    dialogs = []
    for page in (a, b):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_thread(a, thread)
    open_thread(b, thread)
    wait_until_live(a)
    wait_until_live(b)
    html = "<img src=x onerror=alert(1)>"

    # When Astrid sends a message that looks like HTML
    write(a, html)

    # Then both see it as text, delivered live and rendered by the server alike, and no image was created
    expect(message(b, html)).to_be_visible()
    expect(message(a, html)).to_contain_text("Seen")
    expect(chat(b).locator("img")).to_have_count(0)
    b.reload()
    expect(message(b, html)).to_be_visible()
    for page in (a, b):
        expect(chat(page).get_by_text(html, exact=True)).to_be_visible()
        expect(chat(page).locator("img")).to_have_count(0)
    assert dialogs == []


def test_a_read_mark_given_while_the_writer_was_offline_shows_after_the_reconnect(open_browser, astrid, bjorn, thread):
    """The ``read`` frame sent while the writer was offline is lost with the connection; the ``subscribed`` frame
    after the reconnect carries every participant's read position instead."""
    # Given Astrid sent a message Bjørn has not read yet
    a, b = open_browser(astrid), open_browser(bjorn)
    open_thread(a, thread)
    wait_until_live(a)
    write(a, "Did you find the key?")
    expect(message(a, "Did you find the key?")).not_to_contain_text("Sending…")
    expect(message(a, "Did you find the key?")).not_to_contain_text("Seen")

    # When Bjørn reads it while Astrid's connection is down
    go_offline(a)
    expect(chat(a).get_by_role("status")).to_have_text(LOST)
    open_thread(b, thread)
    wait_until_live(b)

    # Then Astrid sees it marked as seen once she is back online
    go_online(a)
    wait_until_live(a, timeout=RECONNECT_TIMEOUT_MS)
    expect(message(a, "Did you find the key?")).to_contain_text("Seen")


def test_in_a_group_conversation_a_blocked_persons_live_message_arrives_hidden(open_browser, astrid, bjorn):
    from neighbours.services import block_create

    # Given Astrid blocked Bjørn, and both have a group conversation (a session's) open
    group = thread_open(subject=OrganisationFactory(), participants=[astrid, bjorn], title="Cleaning the beach",
                        is_group=True)
    block_create(blocker=astrid, blocked=bjorn)
    a, b = open_browser(astrid), open_browser(bjorn)
    open_thread(a, group)
    open_thread(b, group)
    wait_until_live(a)
    wait_until_live(b)

    # When Bjørn writes, his message is stored and shown to him
    write(b, "Words Astrid should not read")
    expect(message(b, "Words Astrid should not read")).to_be_visible()

    # Then it appears live on Astrid's page as hidden, without its words
    expect(message(a, "Hidden (you blocked this person).")).to_be_visible()
    expect(chat(a)).not_to_contain_text("Words Astrid should not read")

    # And Astrid's answer reaches Bjørn neutrally, without her name or words
    write(a, "Words Bjørn should not read")
    expect(message(b, "This message is hidden.")).to_be_visible()
    expect(message(b, "This message is hidden.")).to_contain_text("Someone")
    expect(chat(b)).not_to_contain_text("Words Bjørn should not read")
