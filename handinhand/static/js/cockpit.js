// The cockpit's charts, drawn from the JSON the page carries (no inline script: CSP). The map
// was registered with ECharts by the boundary script loaded before this one.
(function () {
  var data = JSON.parse(document.getElementById("cockpit-data").textContent);
  var config = document.getElementById("cockpit-config");
  var dark = document.body.classList.contains("hh-screen");
  var text = dark ? "#e8eef7" : "#333";
  var L = data.labels;
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var chart = echarts.init(el, dark ? "dark" : null, {renderer: "canvas"});
    option.backgroundColor = "transparent";
    option.textStyle = {color: text, fontSize: dark ? 16 : 12};
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function range(values) {
    var v = values.filter(function (x) { return x !== null && x !== undefined; });
    if (!v.length) { return [0, 1]; }
    var lo = Math.floor(Math.min.apply(null, v)), hi = Math.ceil(Math.max.apply(null, v));
    return [lo, hi > lo ? hi : lo + 1];
  }

  var map = data.map;
  if (map.of && echarts.getMap(map.name)) {
    var byName = {};
    map.regions.forEach(function (r) { byName[r.name] = r; });
    var span = range(map.regions.map(function (r) { return r.value; }));
    var chart = draw("cockpit-map", {
      tooltip: {trigger: "item", formatter: function (p) {
        var r = byName[p.name];
        if (!r) { return p.name + "：" + L.nodata; }
        return r.name + "<br>" + L.average + "：" + (r.value === null ? "—" : r.value) + "<br>" + L.schools + "：" + r.schools;
      }},
      // The colour scale spans the values present, not a fixed 0–100.
      visualMap: {min: span[0], max: span[1], calculable: true, precision: 1, left: 10, bottom: 10,
        text: [String(span[1]), String(span[0])], inRange: {color: ["#fde0c5", "#f59e4c", "#c0392b"]},
        textStyle: {color: text}},
      series: [{type: "map", map: map.name, roam: false, layoutCenter: ["50%", "50%"], layoutSize: "95%",
        label: {show: true, fontSize: dark ? 14 : 10, color: dark ? "#fff" : "#222"},
        itemStyle: {areaColor: dark ? "#2a3f5a" : "#eee", borderColor: dark ? "#0b1a2e" : "#fff"},
        emphasis: {label: {show: true}},
        data: map.regions.map(function (r) { return {name: r.name, value: r.value}; })}]
    });
    if (chart) {
      chart.on("click", function (p) {
        var r = byName[p.name];
        if (r) { window.location.search = r.url.slice(1) + (dark ? "&screen=1" : ""); }
      });
    }
  }

  var l1 = data.l1;
  var lspan = range(l1.rates);
  draw("cockpit-l1", {
    tooltip: {trigger: "axis"}, grid: {left: 130, right: 30, top: 10, bottom: 30},
    xAxis: {type: "value", min: Math.max(0, lspan[0] - 5), max: Math.min(100, lspan[1] + 2), name: "%"},
    yAxis: {type: "category", data: l1.x.slice().reverse(), axisLabel: {width: 120, overflow: "truncate"}},
    visualMap: {show: false, min: lspan[0], max: lspan[1], dimension: 0, inRange: {color: ["#f59e4c", "#c0392b"]}},
    series: [{type: "bar", name: L.rate, data: l1.rates.slice().reverse(), label: {show: true, position: "right", color: text}}]
  });
  draw("cockpit-grades", {
    tooltip: {trigger: "axis"}, grid: {left: 50, right: 20, top: 20, bottom: 30},
    xAxis: {type: "category", data: data.grades.x}, yAxis: {type: "value"},
    series: [{type: "bar", data: data.grades.values, label: {show: true, position: "top", color: text},
      itemStyle: {color: function (p) { return ["#27ae60", "#2980b9", "#f1c40f", "#c0392b", "#8e44ad"][p.dataIndex % 5]; }}}]
  });
  var yoy = data.yoy;
  var yspan = range(yoy.now.concat(yoy.before));
  draw("cockpit-yoy", {
    tooltip: {trigger: "axis"}, legend: {top: 0, textStyle: {color: text}}, grid: {left: 50, right: 20, top: 30, bottom: 50},
    xAxis: {type: "category", data: yoy.x, axisLabel: {interval: 0, rotate: yoy.x.length > 6 ? 35 : 0, width: 70, overflow: "truncate"}},
    yAxis: {type: "value", min: Math.max(0, yspan[0] - 2), max: yspan[1] + 1},
    series: [{type: "bar", name: yoy.labels[0], data: yoy.before, itemStyle: {color: "#8ea9c8"}},
             {type: "bar", name: yoy.labels[1], data: yoy.now, itemStyle: {color: "#c0392b"}}]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  var seconds = parseInt(config.getAttribute("data-refresh"), 10);
  if (seconds > 0) {
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
    if (document.documentElement.requestFullscreen) {
      document.addEventListener("click", function once() {
        document.documentElement.requestFullscreen().catch(function () {});
        document.removeEventListener("click", once);
      });
    }
  }
})();
