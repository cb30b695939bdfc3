// Draws each chart from the figure JSON the server put in the page (a json_script element), so the
// page needs no inline script. Without JavaScript the table under the chart gives the same figures.
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") {
    return;
  }

  // A checkbox that shows or hides every trace of one legend group (the board meetings), kept in step
  // with the legend entry, which does the same on a click. Hidden until the chart is drawn: without
  // the chart it would do nothing.
  function connectToggle(element, figure, input) {
    var group = input.getAttribute("data-chart-group");
    var indices = [];
    figure.data.forEach(function (trace, index) {
      if (trace.legendgroup === group) {
        indices.push(index);
      }
    });
    if (!indices.length) {
      return;
    }
    input.addEventListener("change", function () {
      window.Plotly.restyle(element, { visible: input.checked ? true : "legendonly" }, indices);
    });
    element.on("plotly_restyle", function () {
      input.checked = element.data[indices[0]].visible === true;
    });
    var wrapper = input.closest("[hidden]");
    if (wrapper) {
      wrapper.hidden = false;
    }
  }

  document.querySelectorAll("[data-chart-figure]").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-chart-figure"));
    if (!source) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(element, figure.data, figure.layout, figure.config).then(function () {
      document.querySelectorAll('[data-chart-toggle="' + element.id + '"]').forEach(function (input) {
        connectToggle(element, figure, input);
      });
    });
  });
})();
