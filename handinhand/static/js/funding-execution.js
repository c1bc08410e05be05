// 经费执行: spending by month and by category, from the page's json_script data (no inline
// script: the Content-Security-Policy allows only our own files).
(function () {
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var yuan = function (v) {
    return "¥" + Number(v).toLocaleString(data.locale === "en" ? "en" : "zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  };
  var month = echarts.init(document.getElementById("chart-month"));
  month.setOption({
    color: ["#c0392b"],
    tooltip: {trigger: "axis", valueFormatter: yuan},
    grid: {left: 60, right: 10, top: 10, bottom: 30},
    xAxis: {type: "category", data: data.months},
    yAxis: {type: "value"},
    series: [{type: "bar", name: data.series, data: data.by_month}]
  });
  var category = echarts.init(document.getElementById("chart-category"));
  category.setOption({
    tooltip: {trigger: "item", valueFormatter: yuan},
    series: [{type: "pie", radius: ["35%", "65%"], data: data.categories}]
  });
  window.addEventListener("resize", function () {
    month.resize();
    category.resize();
  });
})();
