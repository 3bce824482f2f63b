/* Draws the behaviour charts with ECharts (the tables stay the source; suppressed cells are
   left out of the charts as they are dashes in the tables). */
(function () {
  "use strict";
  function chart(id, option) {
    var box = document.getElementById(id);
    if (!box) { return; }
    box.hidden = false;
    var drawn = window.echarts.init(box);
    drawn.setOption(option);
    if (typeof window.ResizeObserver !== "undefined") {
      new window.ResizeObserver(function () { drawn.resize(); }).observe(box);
    }
  }
  function bars(id, pairs) {
    if (!pairs.length) { return; }
    chart(id, {
      tooltip: {}, grid: { left: 80, right: 16 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: pairs.map(function (p) { return p[0]; }).reverse() },
      series: [{ type: "bar", data: pairs.map(function (p) { return p[1]; }).reverse() }]
    });
  }
  function draw() {
    var source = document.getElementById("analytics-chart");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var hours = [], max = 1;
    for (var h = 0; h < 24; h += 1) { hours.push(String(h)); }
    data.heat.forEach(function (c) { if (c[2] > max) { max = c[2]; } });
    var narrow = window.matchMedia && window.matchMedia("(max-width: 40rem)").matches;
    chart("chart-heatmap", {
      tooltip: { position: "top" },
      xAxis: { type: "category", data: hours },
      yAxis: { type: "category", data: data.weekdays },
      visualMap: { min: 0, max: max, orient: "horizontal", left: "center", bottom: 0 },
      grid: { left: narrow ? 30 : 50, right: 12, bottom: 70 },
      series: [{ type: "heatmap", data: data.heat }]
    });
    bars("chart-channels", data.channels);
    bars("chart-types", data.types);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
}());
