// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./govuk-frontend.min.js";
import { initCheckboxFilters } from "./checkbox-filter.mjs";
import { initConditionalReveals } from "./conditional-reveal.mjs";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
initCheckboxFilters();
initConditionalReveals();
