/* 现场记录: the phone screen of a visit (guidance/visit_field.html).
 *
 * Every record is first written to IndexedDB (the outbox), then sent; it leaves the outbox
 * only when the server has answered that it holds the visit. A record made without a signal
 * therefore waits on the phone (待上传) and is sent when the network returns. The server
 * makes one visit per idempotency key (client_key, a UUID made here), so a record sent twice
 * (an answer lost on the way back, two tabs flushing at once) is still one visit.
 *
 * Photos are downscaled here (longest side 1600 px, JPEG) before they are kept or sent.
 * Plain JavaScript, no library: it must run from the service worker's cache offline.
 */
(function () {
  "use strict";
  var form = document.getElementById("field-visit");
  if (!form) return;

  var MAX_SIDE = 1600;
  var QUALITY = 0.82;
  var DB_NAME = "hih-field";
  var user = form.dataset.user;
  var maxPhotos = Number(form.dataset.maxPhotos) || 10;
  var msg = form.dataset;
  var photos = []; // {name, blob, thumb}
  var sending = false;

  // --- IndexedDB -------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "key" });
        if (!db.objectStoreNames.contains("schools")) db.createObjectStore("schools", { keyPath: "user" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function outboxAll() {
    return store("outbox", "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).filter(function (r) { return r.user === user; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }
  function outboxPut(entry) { return store("outbox", "readwrite", function (s) { s.put(entry); }); }
  function outboxDelete(key) { return store("outbox", "readwrite", function (s) { s.delete(key); }); }

  // --- helpers ---------------------------------------------------------------------------
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrfToken() {
    // The cookie is the current token even when this page came from the worker's cache.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  function status(text, kind) {
    var box = document.getElementById("field-status");
    box.className = "alert alert-" + (kind || "info");
    box.textContent = text;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- the school picker -----------------------------------------------------------------
  var schoolId = document.getElementById("school-id");
  var picker = document.getElementById("school-picker");
  var chosen = document.getElementById("school-chosen");
  var search = document.getElementById("school-search");
  var results = document.getElementById("school-results");
  var recentHtml = results.innerHTML; // the recent schools, shown again for the next record

  function choose(id, name) {
    schoolId.value = id;
    schoolId.dataset.name = name;
    document.getElementById("school-chosen-name").textContent = name;
    chosen.classList.remove("d-none");
    picker.classList.add("d-none");
  }
  results.addEventListener("click", function (event) {
    var button = event.target.closest(".hh-school-choice");
    if (button) choose(button.dataset.school, button.dataset.name);
  });
  search.addEventListener("keydown", function (event) {
    // Enter in the search box picks the first match; it never submits the visit.
    if (event.key !== "Enter") return;
    event.preventDefault();
    var first = results.querySelector(".hh-school-choice");
    if (first) choose(first.dataset.school, first.dataset.name);
  });
  document.getElementById("school-change").addEventListener("click", function () {
    schoolId.value = "";
    chosen.classList.add("d-none");
    picker.classList.remove("d-none");
    search.focus();
  });

  function groupId() {
    var field = form.querySelector("[name=group]");
    return field ? field.value : "";
  }

  // Offline, the picker searches the list kept on the phone, by the same rule as the server.
  function localSearch(text) {
    return store("schools", "readonly", function (s) { return s.get(user); }).then(function (row) {
      var list = (row && row.groups && row.groups[groupId()]) || [];
      var needle = text.replace(/\s+/g, "").toLowerCase();
      var hits = list.filter(function (c) {
        if (!needle) return c[4];
        return c[1].toLowerCase().indexOf(needle) >= 0 || c[2].toLowerCase().indexOf(needle) >= 0 || c[3].indexOf(needle) >= 0;
      });
      hits.sort(function (a, b) {
        var ra = a[4] ? 0 : 1, rb = b[4] ? 0 : 1;
        if (ra !== rb) return ra - rb;
        var sa = a[1].indexOf(needle) >= 0 || a[3].indexOf(needle) === 0 ? 0 : 1;
        var sb = b[1].indexOf(needle) >= 0 || b[3].indexOf(needle) === 0 ? 0 : 1;
        return sa - sb;
      });
      results.textContent = "";
      hits.slice(0, 20).forEach(function (c) {
        var button = el("button", { type: "button", "class": "list-group-item list-group-item-action hh-school-choice", "data-school": c[0], "data-name": c[1] }, c[1] + " ");
        button.appendChild(el("span", { "class": "text-muted small" }, c[2] + " · " + msg.msgOfflineSearch));
        results.appendChild(button);
      });
    });
  }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target === search && !navigator.onLine) {
      event.preventDefault();
      localSearch(search.value);
    }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.target === search) localSearch(search.value);
  });

  function keepSchools() {
    if (!navigator.onLine) return Promise.resolve();
    return fetch(form.dataset.schoolsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok && !r.redirected ? r.json() : null; })
      .then(function (data) {
        if (data) return store("schools", "readwrite", function (s) { s.put({ user: user, groups: data.groups }); });
      })
      .then(function () { form.dataset.schoolsKept = "1"; })
      .catch(function () { /* offline: the list kept last time stays */ });
  }

  // --- findings --------------------------------------------------------------------------
  var findingCount = 1;
  document.getElementById("finding-add").addEventListener("click", function () {
    var first = document.querySelector("#finding-list .hh-finding");
    var copy = first.cloneNode(true);
    findingCount += 1;
    copy.querySelectorAll("[id]").forEach(function (node) {
      var old = node.id;
      node.id = old.replace(/-\d+$/, "-" + findingCount);
      var label = copy.querySelector("label[for='" + old + "']");
      if (label) label.setAttribute("for", node.id);
    });
    copy.querySelector("textarea").value = "";
    document.getElementById("finding-list").appendChild(copy);
    copy.querySelector("textarea").focus();
  });

  // --- photos: downscaled in the browser -------------------------------------------------
  var photoInput = document.getElementById("photo-input");
  var photoError = document.getElementById("photo-error");

  function showPhotoError(text) {
    photoError.textContent = text;
    photoError.classList.toggle("d-none", !text);
  }

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = function () { reject(new Error("not an image")); };
        img.src = reader.result; // a data: URL (the CSP allows data: images, not blob:)
      };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(file);
    });
  }

  function downscale(file) {
    return loadImage(file).then(function (img) {
      var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
      canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      var thumbCanvas = document.createElement("canvas");
      var t = 96 / Math.max(canvas.width, canvas.height);
      thumbCanvas.width = Math.round(canvas.width * t);
      thumbCanvas.height = Math.round(canvas.height * t);
      thumbCanvas.getContext("2d").drawImage(canvas, 0, 0, thumbCanvas.width, thumbCanvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve({ blob: blob, thumb: thumbCanvas.toDataURL("image/jpeg", 0.7) });
        }, "image/jpeg", QUALITY);
      });
    });
  }

  function renderThumbs() {
    var box = document.getElementById("photo-thumbs");
    box.textContent = "";
    photos.forEach(function (p, i) {
      var wrap = el("div", { "class": "position-relative" });
      wrap.appendChild(el("img", { src: p.thumb, alt: p.name, "class": "img-thumbnail hh-thumb" }));
      var remove = el("button", { type: "button", "class": "btn btn-sm btn-light position-absolute top-0 end-0 py-0 px-1", "aria-label": msg.msgDelete }, "×");
      remove.addEventListener("click", function () { photos.splice(i, 1); renderThumbs(); });
      wrap.appendChild(remove);
      box.appendChild(wrap);
    });
  }

  photoInput.addEventListener("change", function () {
    showPhotoError("");
    var files = Array.prototype.slice.call(photoInput.files || []);
    photoInput.value = ""; // the downscaled copies are sent, never the originals
    files.reduce(function (chain, file) {
      return chain.then(function () {
        if (photos.length >= maxPhotos) { showPhotoError(msg.msgTooMany); return; }
        return downscale(file).then(function (out) {
          var maxBytes = Number(form.dataset.maxBytes) || 20 * 1024 * 1024; // the policy's limit
          if (!out.blob || out.blob.size > maxBytes) { showPhotoError(msg.msgTooBig); return; }
          var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          photos.push({ name: name, blob: out.blob, thumb: out.thumb });
          renderThumbs();
        }, function () { showPhotoError(msg.msgNotImage + "（" + file.name + "）"); });
      });
    }, Promise.resolve());
  });

  // --- the outbox ------------------------------------------------------------------------
  function renderOutbox() {
    return outboxAll().then(function (rows) {
      var section = document.getElementById("outbox");
      var list = document.getElementById("outbox-list");
      section.classList.toggle("d-none", rows.length === 0);
      document.getElementById("outbox-count").textContent = String(rows.length);
      list.textContent = "";
      rows.forEach(function (r) {
        var item = el("li", { "class": "border-bottom py-2 hh-outbox-item", "data-key": r.key });
        var line = el("div", { "class": "d-flex justify-content-between gap-2" });
        line.appendChild(el("span", {}, r.date + " " + r.schoolName));
        var badge = r.conflict ? msg.msgConflict : r.error ? msg.msgError : msg.msgPending;
        line.appendChild(el("span", { "class": "badge " + (r.conflict || r.error ? "text-bg-danger" : "text-bg-warning") }, badge));
        item.appendChild(line);
        item.appendChild(el("div", { "class": "small text-muted" }, r.findings + " " + msg.msgFindings + " · " + r.photos.length + " " + msg.msgPhotos));
        if (r.conflict || r.error) {
          item.appendChild(el("div", { "class": "small text-danger hh-outbox-reason" }, r.conflict || r.error));
          var remove = el("button", { type: "button", "class": "btn btn-sm btn-link text-danger p-0" }, msg.msgDelete);
          remove.addEventListener("click", function () { outboxDelete(r.key).then(renderOutbox); });
          item.appendChild(remove);
        }
        list.appendChild(item);
      });
    });
  }

  function send(entry) {
    var data = new FormData();
    entry.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    entry.photos.forEach(function (p) { data.append("photos", p.blob, p.name); });
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") >= 0;
      if (response.redirected || !json) {
        entry.error = msg.msgLogin; // signed out: the login page answered
        return outboxPut(entry).then(function () { return null; });
      }
      return response.json().then(function (body) {
        if (body.ok) return outboxDelete(entry.key).then(function () { return body; });
        var text = (body.messages || []).join("；");
        if (response.status === 409) entry.conflict = text;
        else entry.error = text || response.statusText;
        return outboxPut(entry).then(function () { return null; });
      });
    });
    // A network error rejects: the entry stays as it is (待上传).
  }

  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    var sent = [];
    return outboxAll().then(function (rows) {
      return rows.filter(function (r) { return !r.conflict && !r.error; }).reduce(function (chain, r) {
        return chain.then(function () {
          return send(r).then(function (body) { if (body) sent.push(body); });
        });
      }, Promise.resolve());
    }).catch(function () { /* the network dropped again: what is left waits */ })
      .then(function () {
        sending = false;
        if (sent.length) {
          var last = sent[sent.length - 1];
          status(msg.msgSent + "：" + last.message, "success");
          var link = el("a", { href: last.url, "class": "ms-2", id: "field-sent-link" }, msg.msgOpen);
          document.getElementById("field-status").appendChild(link);
        }
        return renderOutbox();
      });
  }

  function resetForm() {
    form.querySelector("[name=client_key]").value = uuid();
    schoolId.value = "";
    chosen.classList.add("d-none");
    picker.classList.remove("d-none");
    search.value = "";
    results.innerHTML = recentHtml;
    document.querySelectorAll("#finding-list .hh-finding").forEach(function (node, i) {
      if (i > 0) node.remove();
      else node.querySelector("textarea").value = "";
    });
    photos = [];
    renderThumbs();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!schoolId.value) {
      status(msg.msgNoSchool, "danger");
      search.focus();
      return;
    }
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      // The token is not kept with the record: it is read from the cookie when it is sent,
      // so a record made before signing in again still goes through.
      var skip = name === "photos" || name === "q" || name === "csrfmiddlewaretoken";
      if (!skip && typeof value === "string") fields.push([name, value]);
    });
    var entry = {
      key: form.querySelector("[name=client_key]").value,
      user: user,
      created: Date.now(),
      date: form.querySelector("[name=date]").value,
      schoolName: schoolId.dataset.name || "",
      findings: Array.prototype.filter.call(form.querySelectorAll("[name=finding_problem]"), function (t) { return t.value.trim(); }).length,
      fields: fields,
      photos: photos.map(function (p) { return { name: p.name, blob: p.blob }; }),
    };
    var button = document.getElementById("field-submit");
    button.disabled = true;
    // Kept first, sent second: nothing typed is lost if the signal drops mid-way.
    outboxPut(entry).then(function () {
      resetForm();
      if (!navigator.onLine) status(msg.msgSaved, "warning");
      return renderOutbox().then(flush).then(function () {
        return outboxAll().then(function (rows) {
          if (rows.some(function (r) { return r.key === entry.key && !r.conflict && !r.error; })) {
            status(msg.msgSaved, "warning");
          } else if (rows.some(function (r) { return r.key === entry.key; })) {
            status(msg.msgError, "danger");
          }
        });
      });
    }).finally(function () { button.disabled = false; });
  });

  document.getElementById("outbox-send").addEventListener("click", function () {
    // A conflict or error shown is tried again only when asked.
    outboxAll().then(function (rows) {
      return Promise.all(rows.map(function (r) { delete r.conflict; delete r.error; return outboxPut(r); }));
    }).then(flush);
  });
  window.addEventListener("online", function () { keepSchools(); flush(); });

  // --- the service worker: this screen, its files and the schools, offline ------------------
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(form.dataset.swUrl).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [location.pathname].concat(
        performance.getEntriesByType("resource").map(function (e) { return e.name; })
          .filter(function (u) { return u.indexOf(location.origin + "/static/") === 0; })
      );
      return new Promise(function (resolve) {
        // The worker answers when the files are kept (the shell is then usable offline).
        var channel = new MessageChannel();
        channel.port1.onmessage = function () { form.dataset.shellKept = "1"; resolve(); };
        registration.active.postMessage({ type: "keep", urls: urls }, [channel.port2]);
      });
    }).catch(function () { /* no worker (old browser, private mode): online only */ });
  }

  form.querySelector("[name=client_key]").value = uuid();
  form.dataset.ready = "1";
  keepSchools();
  renderOutbox().then(flush);
})();
