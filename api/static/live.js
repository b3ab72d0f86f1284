// Live alert page: each delivery event (SSE, with the session cookie) refreshes the
// server-rendered summary and member list; without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.EventSource) return;
  var source = null;
  var timer = null;
  function isFinal() {
    var state = document.getElementById("live-state");
    return state && state.getAttribute("data-final") === "true";
  }
  function refresh() {
    timer = null;
    fetch(root.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        root.innerHTML = html;
        if (isFinal() && source) { source.close(); source = null; }
      });
  }
  function soon() { if (!timer) timer = setTimeout(refresh, 300); }
  if (isFinal()) return;
  // Calls held (no PBX, no speech, no worker) or released again make no delivery event:
  // look every 10 s as well, so that the page never hides why nothing happens.
  var poll = setInterval(function () {
    if (isFinal()) { clearInterval(poll); return; }
    soon();
  }, 10000);
  source = new EventSource(root.getAttribute("data-events"));
  ["call_started", "call_ended", "acknowledged", "transferred", "heard_on_call_back",
   "call_deferred", "delivery_final",
   "alert_completed", "alert_cancelled", "alert_expired",
   "buddy_relay", "buddy_relay_ended"].forEach(function (kind) {
    source.addEventListener(kind, soon);
  });
  source.onmessage = soon;
  source.onerror = soon;
  // SMS (#22): sent, its receipt, a failure; a reply 1 comes as "acknowledged"
  ["sms_queued", "sms_sent", "sms_delivered", "sms_failed"].forEach(function (kind) {
    source.addEventListener(kind, soon);
  });
})();
