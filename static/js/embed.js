/* Inside the widget's frame: fit the frame to the content, keep the count live, and fall back to a link
   where the host's sandbox forbids forms. No cookies, no storage, no third parties. */
(function () {
  "use strict";
  var body = document.body;

  // A frame sandboxed without "allow-same-origin" (as WordPress and others frame embeds) has no origin
  // of its own and, usually, no "allow-forms" either: the form could not be sent, so offer a link.
  if (window.origin === "null") {
    document.querySelectorAll("[data-sign-form]").forEach(function (node) { node.hidden = true; });
    document.querySelectorAll("[data-sandbox-fallback]").forEach(function (node) { node.hidden = false; });
  }

  function postHeight() {
    if (window.parent === window) { return; }
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    // Only a height and the frame's title (public, in the site's language) go out, so any page may hear
    // them; the loader checks who they came from.
    var message = { type: "campaign-widget:resize", height: height };
    if (body.getAttribute("data-frame-title")) { message.title = body.getAttribute("data-frame-title"); }
    window.parent.postMessage(message, "*");
  }
  if (window.ResizeObserver) {
    new ResizeObserver(postHeight).observe(document.documentElement);
  }
  window.addEventListener("load", postHeight);
  postHeight();

  var countUrl = body.getAttribute("data-count-url");
  var refresh = Math.max(parseInt(body.getAttribute("data-refresh-seconds"), 10) || 15, 5) * 1000;
  var count = document.querySelector("[data-count]");
  var progress = document.querySelector("[data-progress]");
  // Numbers as the page writes them: the site's language is on <html lang>.
  var format = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "en-GB") : { format: String };
  function refreshCount() {
    if (!countUrl || !window.fetch || document.hidden) { return; }
    fetch(countUrl, { credentials: "omit" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || typeof data.signature_count !== "number") { return; }
      if (count) { count.textContent = format.format(data.signature_count); }
      if (progress) { progress.value = Math.min(data.signature_count, data.target); progress.textContent = format.format(data.signature_count); }
    }).catch(function () { /* offline for a moment: the next tick tries again */ });
  }
  window.setInterval(refreshCount, refresh);
  document.addEventListener("visibilitychange", refreshCount);
})();
