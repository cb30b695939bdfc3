// Draws each chart from the figure JSON the server put in the page (a json_script element), so the
// page needs no inline script. Without JavaScript the table under the chart gives the same figures.
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") {
    return;
  }
  document.querySelectorAll("[data-chart-figure]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-chart-figure"));
    if (!source) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, figure.data, figure.layout, figure.config);
  });
})();
