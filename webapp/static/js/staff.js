/* Staff pages: select-all, job progress polling and the dashboard's ECharts charts.
   Every page works without this script: forms still post, tables still show the figures.
   (Confirmations before irreversible actions are confirm.js's, on every page.) */
(function () {
  "use strict";

  // <input type="checkbox" data-select-all="name"> ticks every checkbox called name.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (b) {
        b.checked = box.checked;
      });
    });
  });

  // A queued or running job's page polls its status and reloads when it has ended.
  var job = document.querySelector("[data-job-status]");
  if (job) {
    var bar = job.querySelector("progress");
    var text = job.querySelector("[data-job-text]");
    var poll = function () {
      fetch(job.dataset.jobStatus, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state !== "running" && s.state !== "queued") { window.location.reload(); return; }
          if (s.total) { bar.max = s.total; bar.value = s.done; }
          text.textContent = (job.dataset["stage" + s.stage.charAt(0).toUpperCase() + s.stage.slice(1)] || s.stage) +
            (s.total ? " " + s.done.toLocaleString() + " / " + s.total.toLocaleString() + " (" + s.percent + "%)" : "");
          window.setTimeout(poll, 700);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    poll();
  }

  // Dashboard charts (ECharts is served by the app from webapp/static/vendor; missing, the tables stay).
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#0b5cab", "#4e9ad8", "#1b7f3b", "#a15c00", "#b42318", "#7a5af8"];
  var charts = [];

  function draw(name, option) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el) { return; }
    el.classList.add("drawn");
    // Tooltips drawn by ECharts itself: its HTML tooltips carry style attributes, which the CSP
    // (style-src 'self', no 'unsafe-inline') blocks.
    if (option.tooltip) { option.tooltip.renderMode = "richText"; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({ color: palette, animation: false, textStyle: { fontFamily: "inherit" } }, option));
    charts.push(chart);
    var table = el.parentNode.querySelector("details.data-table");
    if (table) { table.open = false; }
  }

  function bars(part) {
    var names = part.names.slice().reverse();
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, axisLabel: { width: 130, overflow: "truncate" } },
      series: [
        { name: data.labels.orders, type: "bar", data: part.orders.slice().reverse() },
        { name: data.labels.listings, type: "bar", data: part.listings.slice().reverse() },
      ],
    };
  }

  draw("funnel", {
    tooltip: { trigger: "item" },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.funnel.names.slice().reverse() },
    series: [{ type: "bar", data: data.funnel.orders.slice().reverse(), label: { show: true, position: "right" } }],
  });
  draw("weeks", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 40, top: 56, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.weeks.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: data.weeks.series.map(function (s) { return { name: s.name, type: "line", data: s.values, smooth: true }; }),
  });
  if (data.industry.names.length) { draw("industry", bars(data.industry)); }
  if (data.district.names.length) { draw("district", bars(data.district)); }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
