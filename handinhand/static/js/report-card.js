// The report card's radar chart, drawn from the JSON the page carries (no inline script: CSP).
(function () {
  var data = JSON.parse(document.getElementById("radar-data").textContent);
  var chart = echarts.init(document.getElementById("radar"));
  chart.setOption({
    color: ["#c0392b", "#2980b9", "#7f8c8d"],
    legend: {bottom: 0},
    tooltip: {},
    radar: {indicator: data.indicators, radius: "65%"},
    series: [{type: "radar", data: data.series}]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
