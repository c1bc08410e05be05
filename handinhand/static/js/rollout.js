// 推进路径: cities and schools covered per batch, cumulative, from the page's json_script data
// (no inline script: the Content-Security-Policy allows only our own files). Batches still in
// preparation (筹备中) are drawn lighter: they are the plan, not yet in force.
(function () {
  function draw() {
    var source = document.getElementById("rollout-data");
    var el = document.getElementById("rollout-chart");
    if (!source || !el || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var words = data.words;
    var chart = echarts.init(el);
    var cities = data.cities.map(function (v, i) {
      return data.planned[i]
        ? {value: v, itemStyle: {color: "rgba(192,57,43,0.3)", borderColor: "#c0392b", borderType: "dashed"}}
        : {value: v};
    });
    chart.setOption({
      color: ["#c0392b", "#d4a017"],
      tooltip: {trigger: "axis"},
      legend: {data: [words.cities_covered, words.schools_covered], bottom: 0},
      grid: {left: 40, right: 70, top: 40, bottom: 60},
      xAxis: {type: "category", data: data.labels, axisLabel: {interval: 0, fontSize: 11}},
      yAxis: [
        {type: "value", name: words.cities, max: data.cities_total, minInterval: 1},
        {type: "value", name: words.schools, position: "right"}
      ],
      series: [
        {type: "bar", name: words.cities_covered, data: cities, barMaxWidth: 40,
          markLine: {symbol: "none", data: [{yAxis: data.cities_total, name: words.full}],
            label: {formatter: words.full, position: "insideEndTop"}, lineStyle: {type: "dashed"}}},
        {type: "line", name: words.schools_covered, yAxisIndex: 1, data: data.schools}
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
