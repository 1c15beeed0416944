/* Veraz service worker: the fill page opens with no connection.
   - Pages an auditor works in (/audits/<id>/fill, /my/assignments): network first, a copy kept;
     offline, the kept copy (fill.js then restores unsynced answers from localStorage).
   - Fingerprinted assets (/assets/<digest>/...): cache first; a new version has a new URL.
   - Everything else goes to the network untouched. Logging out empties the cache.
   - "My assignments" asks it to prepare each open assignment: its fill page (or the page to start
     it offline, /my/assignments/<id>/offline) and the list of what waits, always fetched afresh.
   - Background Sync ("veraz-outbox"): the phone's queue (outbox.js) is sent when the connection
     returns, even with no page open. docs/offline.md */
"use strict";
var CACHE = "veraz-v1";
var KEPT_PAGES = /^\/(audits\/\d+\/fill|my\/assignments|my\/assignments\/\d+\/offline|my\/unplanned\/[\w-]+\/offline|my\/outbox)$/;
var ASSET_IN_PAGE = /(?:href|src)="(\/assets\/[^"]+)"/g;
try { importScripts("/static/js/outbox.js"); } catch (e) { /* no queue here: the pages send it */ }

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  return new Response("<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>Veraz</title><h1>Sin conexión / Offline</h1>" +
    "<p>Esta página no está guardada en el teléfono. / This page is not kept on this phone.</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// The fill page names itself and the files it loaded; they are fetched and kept here, not in the
// page, so that keeping them costs the page nothing.
self.addEventListener("message", function (event) {
  var urls = event.data && event.data.keep;
  if (!Array.isArray(urls) || !event.source) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.slice(0, 20).map(function (url) {
      var target = new URL(url, self.location.origin);
      if (target.origin !== self.location.origin) return null;
      // the keys the fetch handler below looks up: an asset by its URL, a page by its path
      var key = target.pathname.indexOf("/assets/") === 0 ? target.href : target.pathname;
      return cache.match(key).then(function (hit) {
        if (hit) return null;
        return fetch(target.href, { credentials: "same-origin" }).then(function (response) {
          if (!response.ok || response.redirected) return null;
          return cache.put(key, response);
        }).catch(function () { /* offline now: the cache keeps its last copy */ });
      });
    }));
  }));
});

// A page to prepare, fetched afresh, and the fingerprinted files it loads (kept once: their URL
// changes with their content). Resolves with the page's path when it is kept.
function prepare(cache, url) {
  var target = new URL(url, self.location.origin);
  if (target.origin !== self.location.origin || !KEPT_PAGES.test(target.pathname)) return Promise.resolve(null);
  return fetch(target.href, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok || response.redirected) return null;
    return response.clone().text().then(function (html) {
      var assets = [], match;
      ASSET_IN_PAGE.lastIndex = 0;
      while ((match = ASSET_IN_PAGE.exec(html)) && assets.length < 30) assets.push(new URL(match[1], self.location.origin).href);
      return Promise.all(assets.map(function (asset) {
        return cache.match(asset).then(function (hit) {
          return hit || fetch(asset).then(function (r) { return r.ok ? cache.put(asset, r) : null; });
        });
      })).then(function () { return cache.put(target.pathname, response); }).then(function () { return target.pathname; });
    });
  }).catch(function () { return null; });
}

self.addEventListener("message", function (event) {
  var urls = event.data && event.data.prepare;
  if (!Array.isArray(urls) || !event.source) return;
  var source = event.source;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.slice(0, 40).map(function (url) { return prepare(cache, url); }));
  }).then(function (kept) {
    source.postMessage({ prepared: kept.filter(Boolean), at: Date.now() });
  }));
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "veraz-outbox" || !self.VerazOutbox) return;
  event.waitUntil(self.VerazOutbox.send().then(function (result) {
    if (result.offline) throw new Error("offline"); // the browser tries again later
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout") {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf("/assets/") === 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
      });
    }));
    return;
  }
  if (request.mode === "navigate" && KEPT_PAGES.test(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected && response.type === "basic") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname).then(function (hit) { return hit || offlinePage(); });
      });
    }));
  }
});
