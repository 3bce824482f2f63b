// Resumable recording upload (tus 1.0 against /resources/uploads/): a phone that loses its
// connection goes on from the last byte the server holds. Without fetch, or when the server
// refuses the recording, the form is sent the ordinary way (which shows the reason).
(function () {
  "use strict";
  var form = document.getElementById("recording-form");
  if (!form || !window.fetch || !window.btoa) return;
  var status = document.getElementById("recording-status");
  var CHUNK = 512 * 1024;

  function b64(text) { return btoa(unescape(encodeURIComponent(String(text)))); }
  function say(text) { if (status) status.textContent = text; }
  function headers(extra) {
    var base = { "Tus-Resumable": "1.0.0", "X-CSRFToken": form.csrfmiddlewaretoken.value };
    for (var key in extra) base[key] = extra[key];
    return base;
  }
  function wait(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  function offsetOf(location) {
    return fetch(location, { method: "HEAD", headers: headers({}), credentials: "same-origin" })
      .then(function (r) { return parseInt(r.headers.get("Upload-Offset") || "0", 10); });
  }

  function send(location, file, offset, tries) {
    if (offset >= file.size) return Promise.resolve(null);
    var body = file.slice(offset, Math.min(file.size, offset + CHUNK));
    return fetch(location, {
      method: "PATCH", credentials: "same-origin", body: body,
      headers: headers({ "Upload-Offset": String(offset),
                         "Content-Type": "application/offset+octet-stream" })
    }).then(function (r) {
      if (r.status !== 204) throw new Error("status " + r.status);
      var next = parseInt(r.headers.get("Upload-Offset"), 10);
      say(Math.round(100 * next / file.size) + "%");
      if (next >= file.size) return r;
      return send(location, file, next, 0);
    }).catch(function (error) {
      if (tries >= 8) throw error;
      return wait(1000 * Math.pow(2, tries)).then(function () { return offsetOf(location); })
        .then(function (at) { return send(location, file, at, tries + 1); });
    });
  }

  form.addEventListener("submit", function (event) {
    var file = form.recording.files[0];
    if (!file || form.dataset.plain) return;
    event.preventDefault();
    var meta = ["purpose " + b64("activities.recording"), "filename " + b64(file.name),
                "entrant " + b64(form.entrant.value), "poem " + b64(form.poem.value)].join(",");
    fetch(form.dataset.tus, { method: "POST", credentials: "same-origin",
      headers: headers({ "Upload-Length": String(file.size), "Upload-Metadata": meta }) })
      .then(function (r) {
        if (r.status !== 201) throw new Error("refused");
        return send(r.headers.get("Location"), file, 0, 0);
      })
      .then(function (last) {
        var done = last && last.headers.get("X-Upload-Location");
        if (done) { window.location.href = done; return; }
        throw new Error("refused");
      })
      .catch(function () { form.dataset.plain = "1"; form.submit(); });
  });
})();
