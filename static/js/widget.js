/* campaign widget loader.
   <div data-campaign-petition="SLUG"></div>
   <script async src="https://PETITIONS.EXAMPLE/widget.js"></script>
   Options (data attributes): data-accent="#0b5394", data-compact="true", data-title="…".
   Each becomes a lazy-loaded frame that resizes to fit, trusting size messages only from its own frame.
   Without data-title the frame is named by the widget itself (in the site's language) once it loads. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    var scripts = document.querySelectorAll("script[src$='/widget.js']");
    script = scripts[scripts.length - 1];
  }
  if (!script) { return; }
  var origin = new URL(script.src, document.baseURI).origin;
  var registry = (window.__campaignWidgets = window.__campaignWidgets || {});
  if (registry[origin]) { registry[origin].scan(); return; }  // included twice: one listener is enough

  var frames = [];
  var slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var accentPattern = /^#?[0-9a-fA-F]{6}$/;

  function build(host) {
    if (host.getAttribute("data-campaign-ready")) { return; }
    var slug = host.getAttribute("data-campaign-petition") || "";
    if (!slugPattern.test(slug) || slug.length > 80) { return; }
    var params = [];
    var accent = host.getAttribute("data-accent");
    if (accent && accentPattern.test(accent)) { params.push("accent=" + accent.replace("#", "")); }
    var compactValue = (host.getAttribute("data-compact") || "").toLowerCase();
    var compact = compactValue === "true" || compactValue === "1";
    if (compact) { params.push("compact=1"); }
    var frame = document.createElement("iframe");
    frame.src = origin + "/embed/petitions/" + slug + (params.length ? "?" + params.join("&") : "");
    // Until the widget names itself in the site's language (see the message listener below).
    frame.title = host.getAttribute("data-title") || "Petition";
    frame.loading = "lazy";
    frame.setAttribute("scrolling", "no");
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.display = "block";
    frame.style.height = (compact ? 200 : 640) + "px";
    host.setAttribute("data-campaign-ready", "true");
    host.appendChild(frame);
    frames.push(frame);
  }

  // The frame tells its height and its name (in the site's language), unless the host page named it.
  function fit(frame, height, title) {
    frame.style.height = Math.ceil(height) + "px";
    if (typeof title === "string" && title && title.length <= 300 && !frame.parentNode.getAttribute("data-title")) {
      frame.title = title;
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) { return; }
    var data = event.data;
    if (!data || data.type !== "campaign-widget:resize") { return; }
    var height = Number(data.height);
    if (!isFinite(height) || height < 50 || height > 5000) { return; }
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) { fit(frames[i], height, data.title); }
    }
  });

  function scan() {
    var hosts = document.querySelectorAll("[data-campaign-petition]");
    for (var i = 0; i < hosts.length; i++) { build(hosts[i]); }
  }
  registry[origin] = { scan: scan };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
})();
