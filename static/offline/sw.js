/* Paragraf's service worker (served at /sw.js after static/offline/store.js; scope
 * /mina-sammantraden/). It answers from the encrypted offline store when the network fails:
 * network first for pages, the stored copy first for stored files (handlingar, the kallelse).
 * Expired copies are removed when the worker starts and when it is activated. */
(function () {
  "use strict";
  var store = self.ParagrafOfflineStore;
  var OFFLINE_PAGE = "/mina-sammantraden/offline/";
  var FALLBACK = "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>Ingen anslutning – Paragraf</title></head><body><main><h1>Ingen anslutning</h1>" +
    "<p>Sidan är inte sparad för läsning offline. Försök igen när du är ansluten.</p>" +
    "<p><a href=\"/mina-sammantraden/\">Mina sammanträden</a></p></main></body></html>";

  store.purgeExpired().catch(function () {});

  self.addEventListener("install", function () { self.skipWaiting(); });

  self.addEventListener("activate", function (event) {
    event.waitUntil(store.purgeExpired().catch(function () {}).then(function () {
      return self.clients.claim();
    }));
  });

  function key(url) { return url.pathname + url.search; }

  function isPage(request) {
    return request.mode === "navigate" || (request.headers.get("Accept") || "").indexOf("text/html") !== -1;
  }

  function offlineAnswer(request) {
    return store.getResponse(key(new URL(request.url))).catch(function () { return null; }).then(function (found) {
      if (found) { return found; }
      if (!isPage(request)) { return Response.error(); }
      return store.getResponse(OFFLINE_PAGE).catch(function () { return null; }).then(function (page) {
        return page || new Response(FALLBACK, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
      });
    });
  }

  function answer(request) {
    var url = new URL(request.url);
    return store.get("responses", key(url)).catch(function () { return null; }).then(function (record) {
      var storedFile = record && record.type.indexOf("text/html") === -1;
      if (storedFile) {
        // A stored handling or kallelse: the copy, unless it has expired meanwhile.
        return store.get("meetings", record.meeting).then(function (meeting) {
          if (meeting && Date.parse(meeting.expires_at) > Date.now()) { return store.getResponse(record.url); }
          return store.purgeExpired().then(function () { return fetch(request); });
        });
      }
      return fetch(request).catch(function () { return offlineAnswer(request); });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
    if (request.headers.get("X-Paragraf-Save")) { return; }  // saving a copy: from the network
    event.respondWith(answer(request));
  });

  self.addEventListener("message", function (event) {
    if (event.data === "purge") { event.waitUntil(store.purgeExpired().catch(function () {})); }
  });
})();
