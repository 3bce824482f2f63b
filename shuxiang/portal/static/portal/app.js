/* Shuxiang portal: registers the site's service worker (offline shell and chapters). */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var manifest = document.querySelector('link[rel="manifest"]');
  if (!manifest) return;
  var base = manifest.getAttribute("href").replace(/manifest\.webmanifest$/, "");
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(base + "sw.js", { scope: base }).catch(function () {});
  });
})();
