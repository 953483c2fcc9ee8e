/* Live conversation on the thread page, attached through data- attributes (no inline scripts).
 *
 *   <section data-chat data-thread="7" data-last-seq="12" data-me="3" data-others-read="10" data-live="1"
 *            data-label-…="translated text">
 *     <ol data-chat-messages>…server-rendered messages…</ol>
 *     <p data-chat-typing></p> <p data-chat-status></p>
 *   </section>
 *   <form data-chat-form>…textarea name=body, hidden client_id…</form>
 *
 * Protocol (DESIGN §4): one WebSocket at /ws/; "subscribe" with "after" = the last sequence number shown, so the
 * server sends what was missed, then live messages. A message typed here gets a client_id and waits in an outbox
 * (kept in localStorage, so a reload or lost connection loses nothing) until the server acks it; after a reconnect
 * it is sent again with the same client_id and the server stores it only once. Text is always inserted with
 * textContent, never as HTML. Without JavaScript the form posts and the page reloads.
 */
(function () {
  "use strict";

  var TYPING_EVERY_MS = 3000;
  var TYPING_SHOWN_MS = 5000;
  var PING_EVERY_MS = 25000;
  var PONG_WITHIN_MS = 10000;
  var MAX_BACKOFF_MS = 30000;

  function newClientId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" +
      hex.slice(20);
  }

  function Outbox(threadId) {
    this.key = "dugnad.outbox." + threadId;
  }
  Outbox.prototype.all = function () {
    try {
      return JSON.parse(window.localStorage.getItem(this.key) || "[]");
    } catch (e) {
      return [];
    }
  };
  Outbox.prototype.save = function (items) {
    try {
      if (items.length) {
        window.localStorage.setItem(this.key, JSON.stringify(items));
      } else {
        window.localStorage.removeItem(this.key);
      }
    } catch (e) { /* private mode: the outbox lives as long as the page */ }
  };
  Outbox.prototype.add = function (item) {
    var items = this.all();
    items.push(item);
    this.save(items);
  };
  Outbox.prototype.remove = function (clientId) {
    this.save(this.all().filter(function (item) { return item.client_id !== clientId; }));
  };

  function Chat(section, form) {
    this.section = section;
    this.form = form;
    this.list = section.querySelector("[data-chat-messages]");
    this.typingLine = section.querySelector("[data-chat-typing]");
    this.statusLine = section.querySelector("[data-chat-status]");
    this.textarea = form.querySelector("textarea[name=body]");
    this.threadId = parseInt(section.dataset.thread, 10);
    this.me = parseInt(section.dataset.me, 10);
    this.lastSeq = parseInt(section.dataset.lastSeq || "0", 10);
    this.othersRead = parseInt(section.dataset.othersRead || "0", 10);
    this.labels = section.dataset;
    this.outbox = new Outbox(this.threadId);
    this.socket = null;
    this.attempt = 0;
    this.subscribed = false;
    this.lastTypingSent = 0;
    this.typingTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.reconnectTimer = null;
    this.readBy = {};  // neighbour id → how far they have read (the others only)
    this.readSent = this.lastSeq;
  }

  Chat.prototype.start = function () {
    var chat = this;
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      chat.submit();
    });
    this.textarea.addEventListener("input", function () { chat.typed(); });
    this.textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        chat.submit();
      }
    });
    document.addEventListener("visibilitychange", function () { chat.markRead(); });
    // Back on the network: try at once instead of waiting out the back-off.
    window.addEventListener("online", function () {
      if (!chat.socket) {
        window.clearTimeout(chat.reconnectTimer);
        chat.attempt = 0;
        chat.connect();
      }
    });
    this.outbox.all().forEach(function (item) { chat.showPending(item); });
    this.connect();
  };

  // --- connection ---------------------------------------------------------------------------------------------

  Chat.prototype.connect = function () {
    var chat = this;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/");
    this.socket = socket;
    socket.addEventListener("open", function () {
      chat.attempt = 0;
      chat.send({ type: "subscribe", thread: chat.threadId, after: chat.lastSeq });
      chat.pingTimer = window.setInterval(function () { chat.ping(); }, PING_EVERY_MS);
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      chat.receive(frame);
    });
    socket.addEventListener("close", function () {
      window.clearInterval(chat.pingTimer);
      window.clearTimeout(chat.pongTimer);
      chat.subscribed = false;
      chat.socket = null;
      chat.setStatus(chat.labels.labelReconnecting);
      chat.markWaiting();
      // Exponential back-off with jitter, so that a server restart is not met by every client at once.
      var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, chat.attempt)) * (0.5 + Math.random() / 2);
      chat.attempt += 1;
      chat.reconnectTimer = window.setTimeout(function () { chat.connect(); }, delay);
    });
  };

  // A connection can die without a close (a sleeping laptop, a dropped mobile network): without a pong in time,
  // it is closed here, which starts the reconnect.
  Chat.prototype.ping = function () {
    var socket = this.socket;
    if (this.send({ type: "ping" })) {
      window.clearTimeout(this.pongTimer);
      this.pongTimer = window.setTimeout(function () { socket.close(); }, PONG_WITHIN_MS);
    }
  };

  Chat.prototype.send = function (frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  };

  Chat.prototype.setStatus = function (text) {
    this.statusLine.textContent = text || "";
  };

  // --- frames from the server ---------------------------------------------------------------------------------

  Chat.prototype.receive = function (frame) {
    if (frame.thread !== undefined && frame.thread !== this.threadId && frame.type !== "notification") {
      return;
    }
    switch (frame.type) {
      case "message":
        this.showMessage(frame);
        break;
      case "subscribed":
        this.subscribed = true;
        this.setStatus(this.labels.labelLive);
        this.readPositions(frame.read);
        this.flushOutbox();
        this.markRead();
        break;
      case "ack":
        this.acked(frame);
        break;
      case "read":
        if (frame.neighbour !== this.me) {
          this.readBy[frame.neighbour] = Math.max(this.readBy[frame.neighbour] || 0, frame.seq);
          this.updateSeen();
        }
        break;
      case "pong":
        window.clearTimeout(this.pongTimer);
        break;
      case "typing":
        if (frame.neighbour && frame.neighbour.id !== this.me) {
          this.showTyping(frame.neighbour.display_name);
        }
        break;
      case "error":
        if (frame.client_id) {
          this.failed(frame);
        }
        break;
      default:
        break;
    }
  };

  // The read positions of everyone in the thread, sent with "subscribed": "read" frames that went out while this
  // page was disconnected are lost, so the marks are brought up to date here.
  Chat.prototype.readPositions = function (positions) {
    var chat = this;
    Object.keys(positions || {}).forEach(function (id) {
      if (parseInt(id, 10) !== chat.me) {
        chat.readBy[id] = Math.max(chat.readBy[id] || 0, positions[id]);
      }
    });
    this.updateSeen();
  };

  // "Seen" means seen by everyone else, as the server renders it: the lowest read position of the others.
  Chat.prototype.updateSeen = function () {
    var readBy = this.readBy;
    var positions = Object.keys(readBy).map(function (id) { return readBy[id]; });
    var seq = positions.length ? Math.min.apply(null, positions) : 0;
    if (seq > this.othersRead) {
      this.othersRead = seq;
      this.showSeen();
    }
  };

  Chat.prototype.showMessage = function (frame) {
    if (frame.seq <= this.lastSeq) {
      if (frame.hidden && frame.hidden_reason === "moderator") {
        this.hideMessage(frame);
      }
      return;
    }
    var item = frame.client_id ? this.pendingItem(frame.client_id) : null;
    if (item) {
      this.outbox.remove(frame.client_id);
      this.list.appendChild(item);  // keep the order of the sequence numbers
    } else if (frame.hidden) {
      // Hidden by a moderator (the body says so), or in a group conversation by someone on the other side of a
      // block: neutral words only.
      item = this.buildItem(frame.author, frame.hidden_reason === "moderator" ? frame.body
        : frame.hidden_reason === "you_blocked" ? this.labels.labelHiddenBlocked : this.labels.labelHidden,
        "text", frame.sent_at, null);
      item.classList.add("chat-hidden");
      if (!frame.author) { item.querySelector(".chat-author").textContent = this.labels.labelSomeone; }
      this.list.appendChild(item);
    } else {
      item = this.buildItem(frame.author, frame.body, frame.kind, frame.sent_at, frame.data);
      if (frame.kind === "proposal" && frame.data && frame.data.proposal) {
        item.insertBefore(this.proposalCard(frame.data, frame.author), item.querySelector(".chat-state"));
      }
      this.list.appendChild(item);
    }
    if (frame.kind === "system" && frame.data && frame.data.proposal && frame.data.status) {
      this.updateProposal(frame.data);
    }
    this.settle(item, frame.seq);
    this.lastSeq = frame.seq;
    this.clearTyping();
    this.markRead();
  };

  Chat.prototype.acked = function (frame) {
    this.outbox.remove(frame.client_id);
    var item = this.pendingItem(frame.client_id);
    if (item && frame.seq === this.lastSeq + 1) {
      // Stored right after the last message shown: it takes its place now (its own message frame is then skipped).
      this.list.appendChild(item);
      this.settle(item, frame.seq);
      this.lastSeq = frame.seq;
    }
    // Otherwise other messages come first; the message frame that follows puts this one in its place.
  };

  Chat.prototype.failed = function (frame) {
    var item = this.pendingItem(frame.client_id);
    if (frame.code === "rate_limited") {
      // Kept in the outbox; sent again after the next reconnect or the next message.
      if (item) { this.setState(item, this.labels.labelWaiting); }
      return;
    }
    this.outbox.remove(frame.client_id);
    if (item) {
      item.classList.add("failed");
      this.setState(item, this.labels.labelFailed + " " + frame.detail);
    }
  };

  // --- sending ------------------------------------------------------------------------------------------------

  Chat.prototype.submit = function () {
    var body = this.textarea.value;
    if (!body.trim()) {
      this.textarea.focus();
      return;
    }
    var item = { client_id: newClientId(), body: body };
    this.outbox.add(item);
    this.showPending(item);
    this.textarea.value = "";
    this.textarea.focus();
    if (this.subscribed) {
      this.send({ type: "send", thread: this.threadId, client_id: item.client_id, body: item.body });
    }
  };

  Chat.prototype.flushOutbox = function () {
    var chat = this;
    this.outbox.all().forEach(function (item) {
      chat.send({ type: "send", thread: chat.threadId, client_id: item.client_id, body: item.body });
    });
  };

  Chat.prototype.typed = function () {
    var now = Date.now();
    if (this.subscribed && now - this.lastTypingSent > TYPING_EVERY_MS) {
      this.lastTypingSent = now;
      this.send({ type: "typing", thread: this.threadId });
    }
  };

  Chat.prototype.markRead = function () {
    if (document.visibilityState === "visible" && this.subscribed && this.lastSeq > this.readSent) {
      this.readSent = this.lastSeq;
      this.send({ type: "read", thread: this.threadId, seq: this.lastSeq });
    }
  };

  // --- rendering (textContent only) ---------------------------------------------------------------------------

  Chat.prototype.buildItem = function (author, body, kind, sentAt, data) {
    var item = document.createElement("li");
    item.className = "chat-message kind-" + (kind || "text");
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var name = document.createElement("span");
    name.className = "chat-author";
    var onBehalfOf = data && data.on_behalf_of;
    if (onBehalfOf && this.labels.labelVia) {
      // A coordinator writing for a person without a device (a session's group thread).
      // Replacement functions, so that "$" in a name is taken literally.
      name.textContent = this.labels.labelVia
        .replace("%(via)s", function () { return author ? author.display_name : "–"; })
        .replace("%(name)s", function () { return String(onBehalfOf.name); });
      if (author && author.id === this.me) { item.classList.add("mine"); }
    } else if (author) {
      name.textContent = author.display_name;
      if (author.id === this.me) { item.classList.add("mine"); }
    } else {
      name.textContent = kind === "system" ? this.labels.labelSystem : this.labels.labelDeleted;
    }
    meta.appendChild(name);
    var time = document.createElement("time");
    var date = sentAt ? new Date(sentAt) : new Date();
    time.dateTime = date.toISOString();
    time.textContent = date.toLocaleString(document.documentElement.lang || undefined,
      { dateStyle: "short", timeStyle: "short" });
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    item.appendChild(meta);
    var text = document.createElement("p");
    text.className = "chat-body";
    text.textContent = body;
    item.appendChild(text);
    var state = document.createElement("p");
    state.className = "chat-state";
    item.appendChild(state);
    var empty = this.list.querySelector("[data-chat-empty]");
    if (empty) { empty.remove(); }
    return item;
  };

  // --- proposals (threads about an agreement) ----------------------------------------------------------------
  // A proposal message gets a card with its status and, for the other side while it waits, Accept / Decline:
  // plain forms posting to the same URLs as the server-rendered ones (data-proposal-url is the one of proposal 0).

  Chat.prototype.decisionForm = function (proposalId, decision, label, secondary) {
    var form = document.createElement("form");
    form.method = "post";
    form.className = "inline-form";
    form.action = this.labels.proposalUrl.replace("/0/accept/", "/" + proposalId + "/" + decision + "/");
    var csrf = this.form.querySelector("input[name=csrfmiddlewaretoken]");
    [["csrfmiddlewaretoken", csrf ? csrf.value : ""], ["next", this.labels.next || ""]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    var button = document.createElement("button");
    button.type = "submit";
    if (secondary) { button.className = "button-secondary"; }
    button.textContent = label;
    form.appendChild(button);
    return form;
  };

  Chat.prototype.proposalCard = function (data, author) {
    var id = parseInt(data.proposal, 10);
    var card = document.createElement("div");
    card.className = "proposal-card";
    card.dataset.proposal = String(id);
    var status = document.createElement("p");
    status.className = "proposal-status";
    status.setAttribute("data-proposal-status", "");
    status.textContent = (this.labels.labelStatus || "") + " ";
    var strong = document.createElement("strong");
    strong.textContent = this.labels.labelStatusPending || "";
    status.appendChild(strong);
    card.appendChild(status);
    if (!this.labels.proposalUrl) { return card; }
    var mine = author && author.id === this.me;
    var sides = (this.labels.mySides || "").split(" ").filter(function (side) { return side; });
    var otherSide = sides.some(function (side) { return side !== data.side; });
    var actions = document.createElement("div");
    actions.className = "actions";
    actions.setAttribute("data-proposal-actions", "");
    if (!mine && otherSide) {
      actions.appendChild(this.decisionForm(id, "accept", this.labels.labelAccept, false));
      actions.appendChild(this.decisionForm(id, "decline", this.labels.labelDecline, true));
      card.appendChild(actions);
    } else if (mine) {
      actions.appendChild(this.decisionForm(id, "withdraw", this.labels.labelWithdraw, true));
      card.appendChild(actions);
    }
    return card;
  };

  // A decision (a system message naming the proposal) updates the proposal's card: its status, and no buttons.
  Chat.prototype.updateProposal = function (data) {
    var card = this.list.querySelector('.proposal-card[data-proposal="' + parseInt(data.proposal, 10) + '"]');
    if (!card) { return; }
    var status = String(data.status);
    var label = this.labels["labelStatus" + status.charAt(0).toUpperCase() + status.slice(1)] || status;
    var strong = card.querySelector("[data-proposal-status] strong");
    if (strong) { strong.textContent = label; }
    var actions = card.querySelector("[data-proposal-actions]");
    if (actions) { actions.remove(); }
  };

  Chat.prototype.showPending = function (outboxItem) {
    if (this.pendingItem(outboxItem.client_id)) { return; }
    var item = this.buildItem({ id: this.me, display_name: this.labels.myName }, outboxItem.body, "text", null);
    item.classList.add("pending");
    item.dataset.clientId = outboxItem.client_id;
    this.setState(item, this.subscribed ? this.labels.labelSending : this.labels.labelWaiting);
    this.list.appendChild(item);
  };

  Chat.prototype.pendingItem = function (clientId) {
    var items = this.list.querySelectorAll("li.pending");
    for (var i = 0; i < items.length; i += 1) {
      if (items[i].dataset.clientId === clientId) { return items[i]; }
    }
    return null;
  };

  // A moderator hid a message already on the page: its text goes, a short notice (the frame's body) stays.
  Chat.prototype.hideMessage = function (frame) {
    var item = document.getElementById("message-" + frame.seq);
    if (!item || !this.list.contains(item)) {
      return;
    }
    var body = item.querySelector(".chat-body");
    if (body) {
      body.textContent = frame.body;
      body.classList.add("chat-hidden");
    }
    item.querySelectorAll(".proposal-card, .report-link").forEach(function (node) { node.remove(); });
  };

  Chat.prototype.settle = function (item, seq) {
    item.classList.remove("pending", "failed");
    item.id = "message-" + seq;
    item.dataset.seq = String(seq);
    this.setState(item, item.classList.contains("mine") && seq <= this.othersRead ? this.labels.labelSeen : "");
  };

  Chat.prototype.markWaiting = function () {
    var chat = this;
    this.list.querySelectorAll("li.pending").forEach(function (item) {
      chat.setState(item, chat.labels.labelWaiting);
    });
  };

  Chat.prototype.setState = function (item, text) {
    var state = item.querySelector(".chat-state");
    if (!state) {
      state = document.createElement("p");
      state.className = "chat-state";
      item.appendChild(state);
    }
    state.textContent = text || "";
  };

  Chat.prototype.showSeen = function () {
    var chat = this;
    this.list.querySelectorAll("li.mine[data-seq]").forEach(function (item) {
      if (parseInt(item.dataset.seq, 10) <= chat.othersRead) {
        chat.setState(item, chat.labels.labelSeen);
      }
    });
  };

  Chat.prototype.showTyping = function (name) {
    var chat = this;
    this.typingLine.textContent = this.labels.labelTyping.replace("%(name)s", name);
    window.clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(function () { chat.clearTyping(); }, TYPING_SHOWN_MS);
  };

  Chat.prototype.clearTyping = function () {
    window.clearTimeout(this.typingTimer);
    this.typingLine.textContent = "";
  };

  function init() {
    var section = document.querySelector("[data-chat]");
    var form = document.querySelector("[data-chat-form]");
    if (!section || !form || section.dataset.live !== "1" || !("WebSocket" in window)) {
      return;
    }
    new Chat(section, form).start();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
