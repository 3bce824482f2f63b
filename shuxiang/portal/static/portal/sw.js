/* Shuxiang service worker (SHELL is prepended by the server: the app shell's URLs).
 * Static files: cache first. Chapters (/read/…): network first, kept for offline reading
 * unless the server says no-store (chapters that needed a login or a library's network).
 * Other pages: network, falling back to the cache, then to the offline page. API: network only.
 */
"use strict";
var VERSION = "shuxiang-v2";  // v1 caches may hold restricted chapters: dropped
var SHELL_CACHE = VERSION + "-shell";
var PAGES_CACHE = VERSION + "-pages";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf(VERSION) !== 0; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, keep) {
  return fetch(request).then(function (response) {
    var control = response.headers.get("Cache-Control") || "";
    if (keep && response.ok && control.indexOf("no-store") === -1) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || caches.match(SHELL[SHELL.length - 1]);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") !== -1) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, /\/read\/[^/]+\/\d+\/$/.test(url.pathname)));
  }
});
