// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen reader and keyboard users hear it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    // A form action ending in a fragment (#sign) makes the browser scroll there once the page has loaded,
    // which takes focus away again: give it back unless the visitor has already moved on.
    window.addEventListener("load", function () {
      if (document.activeElement === document.body) summary.focus();
    });
  }

  // Clicking an error summary link focuses the field, not just scrolls to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });

  // A second click on a submit button while the first is being sent does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = form.querySelector("[data-prevent-double-click]");
    if (!button) return;
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    window.setTimeout(function () { form.dataset.submitting = "false"; }, 5000);
  });
  // Coming back with the browser's back button re-enables forms.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.dataset.submitting = "false";
    });
  });

  // Sign form: the country list only matters (and only shows) for people outside the UK.
  document.querySelectorAll(".sign-form").forEach(function (form) {
    var outside = form.querySelector("input[name='outside_uk']");
    var country = form.querySelector("[data-country-group]");
    var postcode = form.querySelector("[data-postcode-group]");
    if (!outside || !country || !postcode) return;
    function update() {
      country.hidden = !outside.checked;
      postcode.hidden = outside.checked;
    }
    outside.addEventListener("change", update);
    update();
  });

  // Questionnaires: questions that depend on an answer on the same page appear and disappear
  // as it changes. Without JavaScript they all show, each with a note, and the server decides.
  document.querySelectorAll("[data-questionnaire]").forEach(function (form) {
    var dependants = form.querySelectorAll("[data-condition-question]");
    if (!dependants.length) return;
    function chosen(name) {
      var values = [];
      form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
        if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) values.push(input.value);
      });
      return values;
    }
    function update() {
      dependants.forEach(function (question) {
        var source = question.getAttribute("data-condition-question");
        if (!form.querySelector("[name='" + source + "']")) return; // answered on an earlier page
        var wanted = question.getAttribute("data-condition-values").split(" ");
        var values = chosen(source);
        var overlap = values.some(function (v) { return wanted.indexOf(v) !== -1; });
        var operator = question.getAttribute("data-condition-operator");
        var show = values.length > 0 && (operator === "not_includes" ? !overlap : overlap);
        question.hidden = !show;
        var note = question.querySelector("[data-condition-note]");
        if (note) note.hidden = true;
      });
    }
    form.addEventListener("change", update);
    update();
  });

  // "Copy link" buttons are hidden until this script can make them work. What they say once copied comes
  // from the page (data-copied-text), in the site's language.
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    var label = button.textContent;
    var copied = button.getAttribute("data-copied-text") || "Copied";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = copied;
        window.setTimeout(function () { button.textContent = label; }, 3000);
      });
    });
  });

  // The widget builder: the preview and the snippets follow the options as they change.
  document.querySelectorAll("[data-widget-builder]").forEach(function (form) {
    var preview = document.querySelector("[data-widget-preview]");
    var snippets = document.querySelectorAll("[data-widget-snippet]");
    var base = form.getAttribute("data-embed-url");
    function update() {
      var accent = form.querySelector("[name=accent]").value.replace("#", "");
      var compact = form.querySelector("[name=compact]").checked;
      var query = ["accent=" + accent].concat(compact ? ["compact=1"] : []).join("&");
      if (preview) { preview.src = base + "?" + query; }
      snippets.forEach(function (snippet) {
        snippet.value = snippet.value
          .replace(/\?accent=[0-9a-f]{6}((&amp;|&)compact=1)?/, "?" + query.replace("&", "&amp;"))
          .replace(/ data-accent="[0-9a-f]{6}"( data-compact="1")?/, ' data-accent="' + accent + '"' + (compact ? ' data-compact="1"' : ""));
      });
    }
    form.addEventListener("change", update);
    form.addEventListener("input", update);
  });
  // A preview frame of the widget tells its height, like on any other site.
  window.addEventListener("message", function (event) {
    var preview = document.querySelector("[data-widget-preview]");
    if (!preview || event.origin !== window.location.origin || event.source !== preview.contentWindow) return;
    var height = Number(event.data && event.data.height);
    if (event.data.type === "campaign-widget:resize" && height > 50 && height < 5000) {
      preview.style.height = Math.ceil(height) + "px";
    }
  });
})();
