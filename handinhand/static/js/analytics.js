// The analytics charts, drawn from the JSON the page carries (no inline script: CSP).
(function () {
  var charts = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad"];
  charts.forEach(function (c) {
    var el = document.getElementById("chart-" + c.key);
    var chart = echarts.init(el);
    var option;
    if (c.type === "heatmap") {
      // The colour scale spans the values present (a fixed 0–100 paints 72–76 one colour);
      // labels are truncated and rotated so that long indicator names never overlap.
      var values = c.data.map(function (d) { return d[2]; }).filter(function (v) { return v !== null; });
      var lo = values.length ? Math.floor(Math.min.apply(null, values)) : 0;
      var hi = values.length ? Math.ceil(Math.max.apply(null, values)) : 100;
      if (hi <= lo) { hi = lo + 1; }
      var wide = el.clientWidth || 600;
      var slot = Math.max(40, (wide - 100) / Math.max(1, c.x.length));
      option = {tooltip: {formatter: function (p) { return c.y[p.value[1]] + " · " + c.x[p.value[0]] + "：" + p.value[2] + "%"; }},
        grid: {left: 100, bottom: 90, top: 10, right: 10},
        xAxis: {type: "category", data: c.x, axisLabel: {interval: 0, rotate: slot < 90 ? 35 : 0, width: slot < 90 ? 80 : slot - 6, overflow: "truncate", fontSize: 11}},
        yAxis: {type: "category", data: c.y, axisLabel: {width: 90, overflow: "truncate", fontSize: 11}},
        visualMap: {min: lo, max: hi, precision: 1, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, inRange: {color: ["#fdecea", "#f1948a", "#c0392b", "#641e16"]}},
        series: [{type: "heatmap", data: c.data, label: {show: c.y.length * c.x.length <= 120, fontSize: 10, formatter: function (p) { return p.value[2].toFixed(1); }}}]};
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
