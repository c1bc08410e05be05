// The analytics charts, drawn from the JSON the page carries (no inline script: CSP).
(function () {
  var charts = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad"];
  charts.forEach(function (c) {
    var el = document.getElementById("chart-" + c.key);
    var chart = echarts.init(el);
    var option;
    if (c.type === "heatmap") {
      option = {tooltip: {}, grid: {left: 90, bottom: 70, top: 10, right: 10},
        xAxis: {type: "category", data: c.x, axisLabel: {interval: 0, rotate: 30}},
        yAxis: {type: "category", data: c.y},
        visualMap: {min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: {color: ["#fdecea", "#c0392b"]}},
        series: [{type: "heatmap", data: c.data, label: {show: true}}]};
    } else if (c.type === "hbar") {
      option = {tooltip: {}, grid: {left: 220, right: 20, top: 10, bottom: 20},
        xAxis: {type: "value", max: 100}, yAxis: {type: "category", data: c.x.slice().reverse(), axisLabel: {width: 200, overflow: "truncate"}},
        series: c.series.map(function (s) { return {type: "bar", name: s.name, data: s.data.slice().reverse()}; })};
    } else {
      option = {color: palette, tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 50, right: 10, top: 30, bottom: 50},
        xAxis: {type: "category", data: c.x, axisLabel: {interval: 0, rotate: c.x.length > 6 ? 30 : 0}}, yAxis: {type: "value"},
        series: c.series.map(function (s) { return {type: "bar", name: s.name, data: s.data, stack: c.type === "stack" ? "all" : undefined}; })};
    }
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
