/* Keeps one part of a server-rendered page up to date, attached through data- attributes (no inline scripts).
 *
 *   <div data-live-refresh data-live-kinds="session_promoted session_changed" data-live-key="session"
 *        data-live-value="12">…server-rendered part…</div>
 *
 * Listens on the WebSocket (/ws/, the session cookie) for this person's notifications; when one of the given kinds
 * arrives whose payload[key] equals the value (e.g. "you now have a seat" for this session), it fetches the page
 * again and replaces the part with the fresh one. The part's role="status" lines announce the change to screen
 * readers. After a lost connection it reconnects with back-off and refreshes once, in case it missed a notification.
 * Without JavaScript nothing changes: the page is up to date when it is loaded.
 */
(function () {
  "use strict";

  var MAX_BACKOFF_MS = 30000;

  function LivePart(element) {
    this.element = element;
    this.kinds = (element.dataset.liveKinds || "").split(/\s+/).filter(Boolean);
    this.key = element.dataset.liveKey;
    this.value = element.dataset.liveValue;
    this.backoff = 1000;
    this.connectedBefore = false;
  }

  LivePart.prototype.start = function () {
    var part = this;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/");
    socket.addEventListener("open", function () {
      if (part.connectedBefore) {
        part.refresh();
      }
      part.connectedBefore = true;
      part.backoff = 1000;
      part.element.dataset.liveConnected = "1";
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (frame.type === "notification" && part.kinds.indexOf(frame.kind) !== -1 &&
          String(frame[part.key]) === part.value) {
        part.refresh();
      }
    });
    socket.addEventListener("close", function () {
      part.element.dataset.liveConnected = "0";
      var delay = part.backoff + Math.random() * 500;
      part.backoff = Math.min(part.backoff * 2, MAX_BACKOFF_MS);
      window.setTimeout(function () { part.start(); }, delay);
    });
  };

  LivePart.prototype.refresh = function () {
    var part = this;
    window.fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live-refresh]");
        // Our own server-rendered markup (already escaped by the templates), so moving its nodes is safe.
        if (fresh) {
          part.element.replaceChildren.apply(part.element, Array.prototype.slice.call(fresh.childNodes));
        }
      })
      .catch(function () { /* offline: the next notification or reconnect tries again */ });
  };

  function init() {
    if (!("WebSocket" in window) || !window.fetch || !window.DOMParser) {
      return;
    }
    var element = document.querySelector("[data-live-refresh]");
    if (element) {
      new LivePart(element).start();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
