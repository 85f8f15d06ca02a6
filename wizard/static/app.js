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
  /* Enter on an address of the search results uses it (without JavaScript the page's hidden
     first button does the same while results are listed; see step_form in _macros.html). */
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target.matches || !target.matches('#address-results input[name="premise"]')) { return; }
    var use = document.querySelector("#address-results .use-address");
    if (use) { event.preventDefault(); use.click(); }
  });
  /* The language switch on a step's page sends the step's form (as a whole page, not htmx) with
     the chosen language: what was typed there comes back, in the other language. Without this,
     the switch's own form changes the language and keeps every answer sent so far. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest('.language-switch button[name="switch_language"]');
    var step = document.getElementById("step-form");
    if (!button || !step) { return; }
    event.preventDefault();
    var choice = document.createElement("input");
    choice.type = "hidden";
    choice.name = "switch_language";
    choice.value = button.value;
    step.appendChild(choice);
    HTMLFormElement.prototype.submit.call(step);
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
  /* Inside an affiliate's iframe (body.embedded):
     - htmx requests send the newest session value of the page (X-Embed-Session), for browsers
       that keep no cookie in the frame; forms also carry it in a hidden field.
     - the frame tells the host page its height, and asks to be scrolled to when a new step comes
       in; it posts only to the affiliate's registered origins (the browser drops a message whose
       target origin is not the host page's), and the host's embed.js checks where it came from. */
  var body = document.body;
  if (!body || !body.classList.contains("embedded") || window.parent === window) { return; }
  document.addEventListener("htmx:configRequest", function (event) {
    var field = document.querySelector('#panel input[name="embed_session"]');
    if (field && field.value) { event.detail.headers["X-Embed-Session"] = field.value; }
  });
  var origins = (body.getAttribute("data-embed-origins") || "").split(" ").filter(Boolean);
  function tell(message) {
    origins.forEach(function (origin) { window.parent.postMessage(message, origin); });
  }
  var lastHeight = 0;
  function sendHeight() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== lastHeight) { lastHeight = height; tell({ type: "energy-wizard:height", height: height }); }
  }
  if (window.ResizeObserver) { new ResizeObserver(sendHeight).observe(document.documentElement); }
  window.addEventListener("load", sendHeight);
  document.addEventListener("htmx:afterSettle", function (event) {
    sendHeight();
    if (event.detail.target && event.detail.target.id === "panel") { tell({ type: "energy-wizard:top" }); }
  });
  sendHeight();
})();
