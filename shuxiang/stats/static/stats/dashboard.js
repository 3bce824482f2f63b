/* Draws the dashboard charts with ECharts when it is loaded; the tables stay the source. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("stats-chart");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var events = data.labels.events;
    var compare = document.getElementById("chart-comparison");
    if (compare && data.comparison.names.length) {
      window.echarts.init(compare).setOption({
        tooltip: {}, grid: { left: 140 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: data.comparison.names.slice().reverse() },
        series: [{ type: "bar", name: events, data: data.comparison.values.slice().reverse() }]
      });
    }
    window.echarts.init(document.getElementById("chart-trend")).setOption({
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.trend.days },
      yAxis: { type: "value" },
      dataZoom: [{ type: "inside" }, { type: "slider" }],
      series: [{ type: "line", name: events, showSymbol: false, data: data.trend.values }]
    });
    var hours = [];
    for (var h = 0; h < 24; h += 1) { hours.push(String(h)); }
    window.echarts.init(document.getElementById("chart-heatmap")).setOption({
      tooltip: { position: "top" },
      xAxis: { type: "category", data: hours },
      yAxis: { type: "category", data: data.heatmap.weekdays },
      visualMap: { min: 0, max: data.heatmap.max || 1, orient: "horizontal", left: "center", bottom: 0 },
      grid: { bottom: 70 },
      series: [{ type: "heatmap", name: events, data: data.heatmap.cells }]
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else { draw(); }
}());
