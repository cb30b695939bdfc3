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

// The plan preview's inspection choice: each radio shows the fields it needs (GOV.UK's conditional reveal
// markup and classes). Not GOV.UK Frontend's own radios script: it sets aria-expanded on the radios, which
// ARIA does not allow there and axe-core reports (govuk-frontend#979); aria-controls, which is allowed,
// still ties each radio to its fields. Without JavaScript every field shows.
(function () {
  "use strict";
  var radios = document.querySelectorAll("input.govuk-radios__input[data-reveal]");
  if (!radios.length) {
    return;
  }
  function sync() {
    Array.prototype.forEach.call(radios, function (radio) {
      var target = document.getElementById(radio.getAttribute("data-reveal"));
      if (target) {
        target.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
      }
    });
  }
  Array.prototype.forEach.call(radios, function (radio) {
    var group = document.querySelectorAll('input[name="' + radio.name + '"]');
    Array.prototype.forEach.call(group, function (other) {
      other.addEventListener("change", sync);
    });
  });
  sync();
})();
