/* Shuxiang reader: applies the reader's settings at once and keeps the reading position.
 * Logged-in readers: settings and position live on the server (API), so any device resumes.
 * Anonymous readers: the same in localStorage. Without this script the page still works.
 */
(function () {
  "use strict";
  var root = document.getElementById("reader");
  if (!root) return;
  var d = root.dataset;
  var loggedIn = d.loggedIn === "1";
  var item = d.item;
  var chapter = parseInt(d.chapter, 10);
  var api = d.api;
  var prefs = { font_size: parseInt(d.fontSize, 10), theme: d.theme, line_spacing: parseFloat(d.lineSpacing) };

  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  function call(method, path, body, keepalive) {
    var options = { method: method, credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Accept": "application/json", "X-CSRFToken": cookie("csrftoken") } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (r) { return r.ok ? r.json() : null; });
  }
  function local(key, value) {
    try {
      if (value === undefined) return JSON.parse(localStorage.getItem("sx:" + key) || "null");
      localStorage.setItem("sx:" + key, JSON.stringify(value));
    } catch (e) { return null; }
  }

  function apply() {
    root.style.setProperty("--reader-size", prefs.font_size + "px");
    root.style.setProperty("--reader-leading", String(prefs.line_spacing));
    root.className = root.className.replace(/theme-\w+/, "theme-" + prefs.theme);
    var out = document.getElementById("font-size-now");
    if (out) out.textContent = prefs.font_size + "px";
    root.querySelectorAll("#reader-settings button").forEach(function (b) {
      if (b.dataset.step) b.value = String(prefs.font_size + parseInt(b.dataset.step, 10));
      if (b.name === "theme") b.setAttribute("aria-pressed", String(b.value === prefs.theme));
      if (b.name === "line_spacing") b.setAttribute("aria-pressed", String(parseFloat(b.value) === prefs.line_spacing));
    });
  }

  function change(name, value) {
    if (name === "font_size") value = Math.min(40, Math.max(12, parseInt(value, 10)));
    if (name === "line_spacing") value = parseFloat(value);
    prefs[name] = value;
    apply();
    var patch = {}; patch[name] = value;
    if (loggedIn) return call("PATCH", "me/preferences", patch);
    local("prefs", prefs);
  }

  var form = document.getElementById("reader-settings");
  if (form) form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !button.name) return;
    event.preventDefault();
    change(button.name, button.value);
  });

  function progress() {
    var article = document.getElementById("chapter");
    var top = article.getBoundingClientRect().top + window.scrollY;
    var span = Math.max(article.offsetHeight - window.innerHeight, 1);
    return Math.min(1, Math.max(0, (window.scrollY - top) / span));
  }
  function save(keepalive) {
    var locator = { chapter: chapter, progress: Math.round(progress() * 1000) / 1000 };
    if (loggedIn) return call("PUT", "me/positions", { item_key: item, locator: locator }, keepalive);
    local("pos:" + item, locator);
  }
  function restore(locator) {
    if (!locator || locator.chapter !== chapter || !locator.progress) return;
    var article = document.getElementById("chapter");
    var top = article.getBoundingClientRect().top + window.scrollY;
    window.scrollTo(0, top + locator.progress * Math.max(article.offsetHeight - window.innerHeight, 1));
  }

  var timer = null;
  window.addEventListener("scroll", function () {
    if (timer) return;
    timer = setTimeout(function () { timer = null; save(); }, 1500);
  }, { passive: true });
  // Leaving for another chapter of this item saves nothing: the page that opens saves its own
  // position, and a save sent while this one unloads could reach the server after it and win.
  var moving = false;
  var base = window.location.pathname.replace(/[^\/]+\/$/, "");
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && event.button === 0 && !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) {
      moving = link.pathname.indexOf(base) === 0;
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.classList.contains("jump")) moving = true;
  });
  window.addEventListener("pageshow", function () { moving = false; });
  window.addEventListener("pagehide", function () { if (!moving) save(true); });
  document.addEventListener("keydown", function (event) {
    if (/INPUT|SELECT|TEXTAREA|BUTTON/.test(event.target.tagName) || event.altKey || event.ctrlKey || event.metaKey) return;
    var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
    var link = rel && document.querySelector('a[rel="' + rel + '"]');
    if (link) { moving = true; window.location.href = link.href; }
  });

  if (loggedIn) {
    call("GET", "me/positions?item_key=" + encodeURIComponent(item)).then(function (found) {
      restore(found && found.length ? found[0].locator : null);
      root.dataset.positionReady = "1";
      save();
    });
  } else {
    var saved = local("prefs");
    if (saved) { prefs = saved; apply(); }
    restore(local("pos:" + item));
    root.dataset.positionReady = "1";
    save();
  }
})();
