/* The start page registers the service worker (static/js/sw.js, served as /sw.js for the whole
   app), so that Veraz can be installed from "My assignments" and works offline from then on.
   Registered after the page has loaded: it never delays the page itself. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  var url = script.dataset.sw;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () { /* the page works without it */ });
  });
})();
