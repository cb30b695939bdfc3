// A text box above a long list of checkboxes that hides the ones not matching what is typed.
// Progressive enhancement: without JavaScript the whole list shows and nothing is lost. Ticked boxes
// always stay visible, so a filter never hides a choice that will be submitted.
let filters = 0;

function filterCheckboxes(container) {
  const items = Array.from(container.querySelectorAll(".govuk-checkboxes__item"));
  const id = `app-checkbox-filter-${++filters}`;
  const group = document.createElement("div");
  group.className = "govuk-form-group app-checkbox-filter__box";
  const label = document.createElement("label");
  label.className = "govuk-label govuk-label--s";
  label.htmlFor = id;
  label.textContent = container.dataset.filterLabel || "Filter the choices";
  const input = document.createElement("input");
  input.className = "govuk-input govuk-!-width-two-thirds";
  input.type = "search";
  input.id = id;
  input.autocomplete = "off";
  input.spellcheck = false;
  const status = document.createElement("p");
  status.className = "govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  group.append(label, input, status);
  container.prepend(group);

  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of items) {
      const text = item.textContent.toLowerCase();
      const box = item.querySelector("input");
      const match = words.every((word) => text.includes(word)) || (box && box.checked);
      // Not the hidden attribute: GOV.UK's checkbox items are display: flex, which would override it.
      item.style.display = match ? "" : "none";
      if (match) shown += 1;
    }
    status.textContent = words.length ? `${shown} of ${items.length} shown` : "";
  });
}

export function initCheckboxFilters(root = document) {
  root.querySelectorAll('[data-module="app-checkbox-filter"]').forEach(filterCheckboxes);
}
