// Behaviour the templates ask for with data attributes, so that no page needs an inline
// script or event handler (the Content-Security-Policy allows scripts from our files only).
(function () {
  // One pattern for irreversible actions (issue 14): <form data-confirm="…"> or
  // <button data-confirm="…"> opens the page's <dialog id="hh-confirm"> (core/_confirm.html),
  // which names the action and says what will happen; only its confirm button submits.
  var dialog = null;
  function confirmDialog() {
    dialog = dialog || document.getElementById("hh-confirm");
    return dialog;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var submitter = event.submitter instanceof HTMLElement ? event.submitter : null;
    var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!message) return;
    var holder = submitter || form;
    if (holder.dataset.confirmed === "1") return; // confirmed in the dialog just now
    event.preventDefault();
    event.stopImmediatePropagation();
    var box = confirmDialog();
    if (!box || typeof box.showModal !== "function") {
      // A browser without <dialog>: the plain question, still before anything is sent.
      if (window.confirm(message)) {
        holder.dataset.confirmed = "1";
        form.requestSubmit(submitter || undefined);
      }
      return;
    }
    var label = (submitter && submitter.textContent.trim()) || "";
    box.querySelector("#hh-confirm-title").textContent = label || box.dataset.title;
    box.querySelector("#hh-confirm-text").textContent = message;
    box.querySelector("#hh-confirm-ok").textContent = label || box.dataset.ok;
    box.returnValue = "";
    box.onclose = null;
    box.addEventListener("close", function onClose() {
      box.removeEventListener("close", onClose);
      if (box.returnValue !== "ok") return;
      holder.dataset.confirmed = "1";
      form.requestSubmit(submitter || undefined);
    });
    box.showModal();
  }, true);
  // <button data-open-dialog="id">: open that <dialog> (a return reason's own dialog,
  // core/_reason_dialog.html); [data-close-dialog] inside it closes it.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var opener = target && target.closest("[data-open-dialog]");
    if (opener) {
      var box = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (box && typeof box.showModal === "function") {
        event.preventDefault();
        box.showModal();
        var first = box.querySelector("textarea, input:not([type=hidden])");
        if (first) first.focus();
      }
      return;
    }
    var closer = target && target.closest("[data-close-dialog]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) open.close();
    }
  });
  // <select data-autosubmit>: submit the form on change.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
})();
// <button data-copy="#input" data-copied="…">: copy the input's value, say so on the button.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    };
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
