/* The service worker of the field screen (served at /guidance/sw.js, scope /guidance/).
 *
 * It keeps only what the field screen needs offline: the screen itself, the list of the
 * instructor's schools and the static files (CSS, scripts). Other pages of a signed-in user
 * are never cached (no personal data left behind beyond what the screen needs). Network
 * first: a page or list is always fresh when there is a signal, the kept copy answers when
 * there is none. A copy is dropped as soon as the server answers with the login page.
 */
"use strict";
var CACHE = "hih-field-v1";
var KEPT = ["/guidance/visits/field/", "/guidance/visits/field/schools.json"];

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keepable(url) {
  if (url.origin !== self.location.origin) return false;
  return url.pathname.indexOf("/static/") === 0 || KEPT.indexOf(url.pathname) >= 0;
}

// The page asks for the files it loaded before the worker controlled it.
self.addEventListener("message", function (event) {
  if (!event.data || event.data.type !== "keep") return;
  var urls = (event.data.urls || []).filter(function (u) { return keepable(new URL(u, self.location.origin)); });
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (u) {
        return fetch(u, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) return cache.put(u, response);
        }).catch(function () { /* offline already: kept as it was */ });
      }));
    }).then(function () {
      if (event.ports && event.ports[0]) event.ports[0].postMessage("kept");
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (!keepable(url)) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.redirected && KEPT.indexOf(url.pathname) >= 0) {
        // Signed out: forget the screen and the list of schools.
        caches.delete(CACHE);
      } else if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname + url.search, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname + url.search, { ignoreSearch: url.pathname.indexOf("/static/") !== 0 }).then(function (kept) {
          return kept || Response.error();
        });
      });
    })
  );
});
