/* For the affiliate's page that frames our signup: sizes the iframe to its content, so the
   customer scrolls one page, not a page inside a page. Optional: without it the iframe keeps
   the height the snippet gives it and scrolls inside.

   <iframe src="https://.../embed/CODE/" id="energy-wizard-CODE" ...></iframe>
   <script src="https://.../static/embed.js" data-wizard-frame="energy-wizard-CODE" async></script>

   Only messages from that iframe's window and from our origin are read (the frame, for its
   part, posts only to the affiliate's registered origins). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var frameId = script.getAttribute("data-wizard-frame");
  function frame() { return frameId ? document.getElementById(frameId) : null; }
  var iframe = frame();
  if (!iframe) { return; }
  var origin = new URL(iframe.src, document.baseURI).origin;
  window.addEventListener("message", function (event) {
    var target = frame();
    if (!target || event.origin !== origin || event.source !== target.contentWindow) { return; }
    var data = event.data || {};
    if (data.type === "energy-wizard:height" && typeof data.height === "number" && data.height > 0) {
      target.style.height = Math.min(Math.ceil(data.height), 20000) + "px";
    } else if (data.type === "energy-wizard:top" && target.getBoundingClientRect().top < 0) {
      target.scrollIntoView({ block: "start" });
    }
  });
})();
