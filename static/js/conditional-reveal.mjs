// GOV.UK radios with conditional content, shown under the chosen radio and hidden under the others.
// GOV.UK Frontend's own script marks each radio aria-expanded, an attribute ARIA does not allow on a
// radio (axe-core: aria-allowed-attr), so the radios name their content in data-app-reveals and this
// script only shows and hides it. The content follows its radio, so it is read next in order. Without
// JavaScript every conditional part shows (GOV.UK hides them only when .govuk-frontend-supported).
function sync(radios) {
  for (const radio of radios) {
    const content = document.getElementById(radio.dataset.appReveals);
    if (content) content.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
  }
}

export function initConditionalReveals(root = document) {
  const groups = new Map();
  root.querySelectorAll("input[type=radio][data-app-reveals]").forEach((radio) => {
    const name = radio.name;
    if (!groups.has(name)) groups.set(name, Array.from(root.querySelectorAll(`input[type=radio][name="${CSS.escape(name)}"]`)));
  });
  for (const radios of groups.values()) {
    const revealing = radios.filter((radio) => radio.dataset.appReveals);
    radios.forEach((radio) => radio.addEventListener("change", () => sync(revealing)));
    // Back to a page the browser kept: the radios may be restored after the script first ran.
    window.addEventListener("pageshow", () => sync(revealing));
    sync(revealing);
  }
}
