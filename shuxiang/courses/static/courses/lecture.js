/* Lecture page: keyword time codes seek the video; live questions arrive by server-sent events,
   or by polling the JSON since-id endpoint when the event stream cannot be kept. */
(function () {
  "use strict";
  var player = document.getElementById("player");
  document.querySelectorAll("button.seek").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!player) { return; }
      player.currentTime = parseFloat(button.dataset.seconds) || 0;
      player.play().catch(function () {});
    });
  });

  var box = document.getElementById("questions");
  if (!box) { return; }
  var list = document.getElementById("question-list");
  var status = document.getElementById("live-status");
  var host = box.dataset.host === "1";
  var seq = parseInt(box.dataset.seq, 10) || 0;
  var csrf = document.querySelector("#ask [name=csrfmiddlewaretoken]");
  var polling = null;

  function badge(text) {
    var span = document.createElement("span");
    span.className = "badge";
    span.textContent = text;
    return span;
  }

  function button(action, label) {
    var b = document.createElement("button");
    b.type = "button";
    b.dataset.action = action;
    b.textContent = label;
    return b;
  }

  function render(item, q) {
    item.textContent = "";
    item.dataset.id = q.id;
    item.dataset.state = q.state;
    item.className = "q-" + q.state + (q.answered ? " q-answered" : "");
    var name = document.createElement("span");
    name.className = "q-name";
    name.textContent = q.name || "";
    var text = document.createElement("span");
    text.className = "q-text";
    text.textContent = q.text || "";
    item.append(name, " ", text);
    if (q.state === "approved") { item.append(badge(box.dataset.labelApproved)); }
    if (q.answered) { item.append(badge(box.dataset.labelAnswered)); }
    if (host) {
      var actions = document.createElement("span");
      actions.className = "q-actions";
      var hidden = q.state === "hidden";
      actions.append(button("approve", box.dataset.labelApprove),
        button(hidden ? "show" : "hide", hidden ? box.dataset.labelShow : box.dataset.labelHide),
        button("answered", box.dataset.labelAnswer));
      item.append(actions);
    }
  }

  function apply(q) {
    if (q.seq > seq) { seq = q.seq; }
    var item = list.querySelector('li[data-id="' + q.id + '"]');
    if (q.state === "hidden" && !host) {
      if (item) { item.remove(); }
      return;
    }
    if (q.state === "hidden" && item) {  // the host keeps the text it already has
      item.dataset.state = "hidden";
      item.className = "q-hidden";
      var toggle = item.querySelector('[data-action="hide"]');
      if (toggle) { toggle.dataset.action = "show"; toggle.textContent = box.dataset.labelShow; }
      return;
    }
    if (!item) { item = document.createElement("li"); list.append(item); }
    render(item, q);
  }

  function poll() {
    fetch(box.dataset.poll + "?since=" + seq, {headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) { rows.forEach(apply); })
      .catch(function () {});
  }

  function startPolling() {
    if (polling) { return; }
    status.textContent = "";
    polling = window.setInterval(poll, 1000);
  }

  function listen() {
    if (!window.EventSource) { startPolling(); return; }
    var failures = 0;
    var source = new EventSource(box.dataset.events);
    source.addEventListener("question", function (e) { apply(JSON.parse(e.data)); });
    source.addEventListener("open", function () { failures = 0; status.textContent = "●"; poll(); });
    source.addEventListener("error", function () {
      failures += 1;
      if (failures >= 3 || source.readyState === EventSource.CLOSED) {
        source.close();
        startPolling();
      }
    });
  }

  var form = document.getElementById("ask");
  if (form && !host) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = new FormData(form);
      fetch(form.action, {method: "POST", body: body,
        headers: {Accept: "application/json", "X-CSRFToken": csrf.value}})
        .then(function (r) { return r.json(); })
        .then(function (q) {
          if (q.id) { apply(q); form.reset(); } else if (q.detail) { window.alert(q.detail); }
        });
    });
  }

  list.addEventListener("click", function (e) {
    var target = e.target.closest("button[data-action]");
    if (!target || !host) { return; }
    var id = target.closest("li").dataset.id;
    var body = new FormData();
    body.append("action", target.dataset.action);
    fetch(box.dataset.moderate.replace("/0/", "/" + id + "/"), {method: "POST", body: body,
      headers: {Accept: "application/json", "X-CSRFToken": csrf.value}})
      .then(function (r) { return r.json(); })
      .then(function (q) { if (q.id) { apply(q); } });
  });

  listen();
})();
