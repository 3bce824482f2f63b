/* Draws the dashboard charts with ECharts when it is loaded; the tables stay the source.
   Each chart container is hidden until its chart is drawn (no empty boxes without script),
   shown before ECharts measures it, and resized with its container (ResizeObserver). */
(function () {
  "use strict";
  function chart(id, option) {
    var box = document.getElementById(id);
    if (!box) { return; }
    box.hidden = false;  // laid out before ECharts reads its size
    var drawn = window.echarts.init(box);
    drawn.setOption(option);
    if (typeof window.ResizeObserver !== "undefined") {
      new window.ResizeObserver(function () { drawn.resize(); }).observe(box);
    } else {
      window.addEventListener("resize", function () { drawn.resize(); });
    }
  }
  function draw() {
    var source = document.getElementById("stats-chart");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var events = data.labels.events;
    var narrow = window.matchMedia && window.matchMedia("(max-width: 40rem)").matches;
    if (data.comparison.names.length) {
      chart("chart-comparison", {
        tooltip: {}, grid: { left: narrow ? 90 : 140, right: 16 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: data.comparison.names.slice().reverse() },
        series: [{ type: "bar", name: events, data: data.comparison.values.slice().reverse() }]
      });
    }
    chart("chart-trend", {
      tooltip: { trigger: "axis" }, grid: { left: 48, right: 16 },
      xAxis: { type: "category", data: data.trend.days },
      yAxis: { type: "value" },
      dataZoom: [{ type: "inside" }, { type: "slider" }],
      series: [{ type: "line", name: events, showSymbol: false, data: data.trend.values }]
    });
    var hours = [];
    for (var h = 0; h < 24; h += 1) { hours.push(String(h)); }
    chart("chart-heatmap", {
      tooltip: { position: "top" },
      xAxis: { type: "category", data: hours },
      yAxis: { type: "category", data: data.heatmap.weekdays },
      visualMap: { min: 0, max: data.heatmap.max || 1, orient: "horizontal", left: "center", bottom: 0 },
      grid: { left: narrow ? 40 : 60, right: 12, bottom: 70 },
      series: [{ type: "heatmap", name: events, data: data.heatmap.cells }]
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
}());
