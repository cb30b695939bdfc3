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
  var waiting = document.getElementById("import-waiting");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.redirected) {
          // Signed out (polling never keeps a session alive): reload, so the page sends them to sign in.
          window.location.reload();
          throw new Error("signed out");
        }
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
        if (waiting) {
          waiting.textContent = status.waiting || "";
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 1000);
})();
