// The score sheet (issue 14). Every cell is saved as it is typed, with the version the page
// was loaded at (the server answers the next version, or 409 when another device saved first).
// What could not be sent yet stays in localStorage and is sent again when the network returns
// or the page is opened again, so a dropped connection loses no typing. Evidence files are
// uploaded as soon as they are chosen. The progress "已填 n/N" follows the score cells.
(function () {
  "use strict";
  var form = document.getElementById("score-sheet");
  if (!form) return;

  var errors = document.getElementById("sheet-errors");
  if (errors) errors.focus();

  var filled = document.getElementById("sheet-filled");
  var scoreCells = Array.prototype.slice.call(form.querySelectorAll("input[name^='score_']"));
  function countFilled() {
    if (!filled) return;
    filled.textContent = String(scoreCells.filter(function (el) { return el.value.trim() !== ""; }).length);
  }
  countFilled();

  var url = form.dataset.autosave;
  if (!url) return; // not editable now: nothing is saved from here
  var msg = form.dataset;
  var key = "hh-sheet:" + form.dataset.sheetKey;
  var version = form.querySelector("input[name=expected_version]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var state = document.getElementById("sheet-save-state");
  var conflictBox = document.getElementById("sheet-conflict");
  var cellName = /^(score|explanation|comment)_\d+$/;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(key) || "{}") || {}; } catch (e) { return {}; }
  }
  function store() {
    try {
      if (Object.keys(pending).length) window.localStorage.setItem(key, JSON.stringify(pending));
      else window.localStorage.removeItem(key);
    } catch (e) { /* storage full or denied: the request queue still holds the change */ }
  }
  function say(text) { if (state) state.textContent = text; }
  function liveError(el, text) {
    var box = el.parentNode.querySelector(".hh-live-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "text-danger small hh-live-error";
      el.parentNode.appendChild(box);
    }
    box.textContent = text || "";
  }

  var pending = load();
  var conflict = false;
  var inflight = 0;
  var waiting = []; // callbacks to run when no request is in flight (a submit waits for them)
  var timer = null;

  // Values typed here earlier and never saved come back into their cells and are sent again.
  var restored = 0;
  Object.keys(pending).forEach(function (name) {
    var el = form.elements[name];
    if (!el || !cellName.test(name)) { delete pending[name]; return; }
    if (el.value !== pending[name]) {
      el.value = pending[name];
      el.classList.add("hh-restored");
      restored += 1;
    }
  });
  store();
  countFilled();
  if (restored) say(msg.msgRestored + "（" + restored + "）");

  function idle() {
    if (inflight) return;
    var run = waiting;
    waiting = [];
    run.forEach(function (fn) { fn(); });
  }
  function schedule(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, ms);
  }
  function post(target, body) {
    inflight += 1;
    return window.fetch(target, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" },
    }).then(function (resp) {
      return resp.json().then(
        function (data) { return { resp: resp, data: data }; },
        function () { return { resp: resp, data: {} }; }
      );
    }).finally(function () { inflight -= 1; });
  }

  function flush() {
    if (inflight || conflict) return;
    var names = Object.keys(pending);
    if (!names.length) { idle(); return; }
    var name = names[0];
    var value = pending[name];
    var el = form.elements[name];
    var body = new FormData();
    body.append("name", name);
    body.append("value", value);
    body.append("expected_version", version.value);
    say(msg.msgSaving);
    post(url, body).then(function (r) {
      if (r.resp.ok) {
        version.value = r.data.version;
        if (pending[name] === value) delete pending[name];
        store();
        if (el) { el.classList.remove("hh-restored"); liveError(el, ""); }
        say(msg.msgSaved);
        flush();
      } else if (r.resp.status === 409) {
        conflict = true; // another device saved first: never overwrite it from here
        conflictBox.textContent = msg.msgConflict;
        var again = document.createElement("a");
        again.href = window.location.pathname;
        again.className = "alert-link ms-1";
        again.textContent = "↻";
        again.setAttribute("aria-label", msg.msgConflict);
        conflictBox.appendChild(again);
        conflictBox.classList.remove("d-none");
        say("");
        idle();
      } else if (r.resp.status === 400) {
        // A value the rules refuse (out of range, say): shown at the cell; it is not sent
        // again until it changes, and the submit lists it at the top like any error.
        delete pending[name];
        store();
        if (el) liveError(el, r.data.error);
        say("");
        flush();
      } else {
        retryLater();
      }
    }, retryLater);
  }
  function retryLater() {
    say(Object.keys(pending).length + " " + msg.msgPending);
    idle();
    schedule(10000);
  }

  form.addEventListener("input", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLElement) || !cellName.test(el.name || "")) return;
    if (el.name.indexOf("score_") === 0) countFilled();
    pending[el.name] = el.value;
    store();
    schedule(800);
  });
  window.addEventListener("online", function () { schedule(0); });
  if (Object.keys(pending).length) schedule(0);

  // Evidence: uploaded when chosen. A file refused by the checker says why at once; a file
  // that could not be sent (no network) stays in its field and goes with the form.
  var uploadUrl = form.dataset.upload;
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    if (!/^evidence_\d+$/.test(input.name) || !input.files || !input.files.length) return;
    var id = input.name.slice(9);
    var list = document.getElementById("files-" + id);
    var box = document.getElementById("upload-error-" + id);
    box.textContent = msg.msgUploading;
    var files = Array.prototype.slice.call(input.files);
    var uploads = files.map(function (file) {
      var body = new FormData();
      body.append("indicator", id);
      body.append("file", file);
      return post(uploadUrl, body);
    });
    Promise.all(uploads).then(function (results) {
      var problems = [];
      results.forEach(function (r) {
        if (r.resp.ok) {
          var a = document.createElement("a");
          a.href = r.data.url;
          a.textContent = r.data.name;
          list.appendChild(a);
          list.appendChild(document.createElement("br"));
        } else {
          problems.push(r.data.error || msg.msgUploadFailed);
        }
      });
      input.value = "";
      box.textContent = problems.join("；");
      idle();
    }, function () {
      box.textContent = msg.msgUploadFailed;
      idle();
    });
  });

  // A save or submit of the whole form carries every value; it waits for a request in flight
  // (whose answer moves the version the form must carry), then the queue is no longer needed.
  form.addEventListener("submit", function (event) {
    if (inflight) {
      event.preventDefault();
      var submitter = event.submitter;
      waiting.push(function () { form.requestSubmit(submitter); });
      return;
    }
    window.clearTimeout(timer);
    pending = {};
    store();
  });
})();
