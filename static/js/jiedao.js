/* Small enhancements shared by all pages. Everything works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn); else fn();
  }

  /* Workbench: select all, and count what is ticked for bulk dispatch. */
  function bulk(root) {
    var form = (root || document).querySelector("#bulk-form");
    if (!form || form.dataset.wired) return;
    form.dataset.wired = "1";
    var all = form.querySelector("[data-check-all]");
    var count = form.querySelector("[data-bulk-count]");
    function boxes() { return form.querySelectorAll('input[name="numbers"]'); }
    function update() {
      if (count) count.textContent = form.querySelectorAll('input[name="numbers"]:checked').length;
    }
    if (all) all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      update();
    });
    form.addEventListener("change", update);
    update();
  }

  /* Plain (non-htmx) forms: one submission at a time. */
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return;
    if (form.dataset.busy) { e.preventDefault(); return; }
    form.dataset.busy = "1";
    form.classList.add("is-busy");
    setTimeout(function () { delete form.dataset.busy; form.classList.remove("is-busy"); }, 8000);
  });

  /* After htmx swaps: show the first problem of the report form; re-wire the workbench. */
  function afterSwap() {
    var feedback = document.getElementById("report-feedback");
    if (feedback && feedback.textContent.trim()) feedback.scrollIntoView({ behavior: "smooth", block: "start" });
    bulk(document);
  }
  document.addEventListener("htmx:after:swap", afterSwap);
  document.addEventListener("htmx:afterSwap", afterSwap);

  ready(function () { bulk(document); });
})();
