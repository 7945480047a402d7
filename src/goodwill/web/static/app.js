// Goodwill's own script: progressive touches only (the pages work without it).
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      canvas.dataset.drawn = "1";
      var type = spec.type || "line";
      var datasets = spec.datasets || [{ label: spec.label || "health", data: spec.values,
        borderColor: "#2f6f4f", backgroundColor: "rgba(47,111,79,.15)", fill: true, tension: 0.25 }];
      new Chart(canvas, {
        type: type,
        data: { labels: spec.labels, datasets: datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: datasets.length > 1 } },
          scales: spec.scales || { y: { suggestedMin: 0, suggestedMax: 100 } }
        }
      });
    });
  }

  function wire(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (select.dataset.wired) return;
      select.dataset.wired = "1";
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    root.querySelectorAll("[data-print]").forEach(function (link) {
      link.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
    });
    drawCharts(root);
  }

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSettle", function (event) { wire(event.target); });
  // Back to a page HTMX restored from its history: its snapshot has the markup as first
  // sent, so a form's fields are set again from the address (the filters it pushed there).
  document.addEventListener("htmx:historyRestore", function () {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[hx-push-url]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.type === "hidden") return;
        field.value = params.get(field.name) || "";
      });
    });
  });
  // A new request clears the last error shown.
  document.addEventListener("htmx:beforeRequest", function () {
    var flash = document.getElementById("flash");
    if (flash) flash.innerHTML = "";
  });
})();
