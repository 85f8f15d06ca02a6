/* Progressive enhancement only: every page works without this file.
   After htmx swaps a step in, move focus to the error summary or the step heading so
   keyboard and screen-reader users land where the new content starts. */
(function () {
  "use strict";
  /* A Change link names the field to change (#email): go to it, as the browser would. */
  function anchoredField(root, path) {
    var hash = (path || "").split("#")[1];
    return hash ? root.querySelector("#" + CSS.escape(hash)) : null;
  }
  function focusStart(root, path) {
    var target = root.querySelector(".error-summary") || anchoredField(root, path) || root.querySelector("h1");
    if (target) { target.focus({ preventScroll: false }); }
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "panel") {
      var config = event.detail.requestConfig || {};
      focusStart(event.detail.target, config.path);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
  /* A request is in flight: stop double submits and show that something is happening. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form");
    if (form) { form.setAttribute("aria-busy", "true"); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form");
    if (form) { form.removeAttribute("aria-busy"); }
  });
})();
