// Keeps the import status page up to date without reloading it. Without JavaScript the page
// refreshes itself every two seconds (a meta refresh inside <noscript>) and has a "Refresh the page" link.
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box || box.getAttribute("data-running") !== "true" || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var phase = document.getElementById("import-phase");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        if (!status.running) {
          window.location.href = status.next_url;
          return;
        }
        if (bar) {
          bar.max = status.progress_total || 3;
          bar.value = status.progress;
          bar.textContent = status.percent + "%";
        }
        if (phase) {
          phase.textContent = status.state_label + (status.phase ? ": " + status.phase + " (step " + (status.progress + 1) + " of " + status.progress_total + ")" : "");
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 1000);
})();
