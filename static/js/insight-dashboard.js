/* 指挥中心大屏: fetches the dashboard figures and the map layers every N seconds and draws them.
   ECharts for charts, Leaflet for the grids (no tiles unless the instance sets a tile URL).
   Its own words come from Django's JavaScript catalog (/jsi18n/, domain djangojs) in the page's language. */
(function () {
  "use strict";
  var root = document.getElementById("wall");
  if (!root || !window.echarts || !window.L) return;
  var gettext = window.gettext || function (s) { return s; };
  function format(fmt, values) {
    if (window.interpolate) return window.interpolate(fmt, values, true);
    return fmt.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  var lang = document.documentElement.lang || "zh-Hans";
  var refreshMs = (parseInt(root.dataset.refresh, 10) || 60) * 1000;
  var charts = {};
  var theme = { text: "#d7e3ff", axis: "#3b5787", grid: "#17305c" };
  var palette = ["#3f8cff", "#4cd38a", "#ffc53d", "#ff7a45", "#b37feb", "#36cfc9", "#ff4d4f", "#95de64"];

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function kpi(item, extra) {
    var a = el("a", "kpi" + (extra ? " kpi--" + extra : ""));
    a.href = item.url;
    a.appendChild(el("span", "kpi__label", item.label));
    a.appendChild(el("span", "kpi__value", item.display !== undefined ? item.display : String(item.value)));
    return a;
  }

  function fill(id, nodes) {
    var box = document.getElementById(id);
    box.replaceChildren.apply(box, nodes);
  }

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    return charts[id];
  }

  function axisStyle() {
    return { axisLine: { lineStyle: { color: theme.axis } }, axisLabel: { color: theme.text }, splitLine: { lineStyle: { color: theme.grid } } };
  }

  function drawTrend(trend) {
    chart("chart-trend").setOption({
      color: palette, textStyle: { color: theme.text },
      tooltip: { trigger: "axis" }, legend: { textStyle: { color: theme.text }, top: 0 },
      grid: { left: 36, right: 12, top: 28, bottom: 24 },
      xAxis: Object.assign({ type: "category", data: trend.days }, axisStyle()),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axisStyle()),
      series: trend.series.map(function (s) { return { name: s.name, type: "line", symbol: "circle", symbolSize: 4, data: s.data }; })
    });
  }

  function linked(c, items) {
    c.off("click");
    c.on("click", function (p) { var item = items[p.dataIndex]; if (item && item.url) window.location.href = item.url; });
  }

  function empty(items) {
    return { show: !items.length, text: gettext("暂无数据"), left: "center", top: "middle", textStyle: { color: "#8fa3c8", fontSize: 14, fontWeight: "normal" } };
  }

  function drawBar(id, items, horizontal) {
    var top = items.slice(0, 10);
    var c = chart(id);
    var names = top.map(function (i) { return i.name || i.label; });
    var values = top.map(function (i) { return i.value === null ? 0 : Math.round(i.value * 10) / 10; });
    var cat = Object.assign({ type: "category", data: names, inverse: horizontal }, axisStyle());
    if (horizontal) cat.axisLabel = { color: theme.text, width: 150, overflow: "truncate" };
    var val = Object.assign({ type: "value" }, axisStyle());
    c.setOption({
      color: palette, textStyle: { color: theme.text }, tooltip: {}, title: empty(items),
      // containLabel: long (e.g. English) names and the value labels stay inside the panel
      grid: { left: 8, right: horizontal ? 36 : 16, top: 8, bottom: 8, containLabel: true },
      xAxis: horizontal ? val : Object.assign(cat, {
        axisLabel: { color: theme.text, interval: 0, rotate: 30, width: 96, overflow: "truncate" }
      }),
      yAxis: horizontal ? cat : val,
      series: [{ type: "bar", data: values, barMaxWidth: 18, label: { show: horizontal, position: "right", color: theme.text } }]
    }, true);
    linked(c, top);
  }

  function drawPie(id, items) {
    var c = chart(id);
    c.setOption({
      color: palette, textStyle: { color: theme.text }, tooltip: { trigger: "item" }, title: empty(items),
      legend: { orient: "vertical", right: 0, top: "middle", textStyle: { color: theme.text } },
      series: [{ type: "pie", radius: ["38%", "68%"], center: ["38%", "50%"], label: { show: false },
                 data: items.map(function (i) { return { name: i.name, value: i.value }; }) }].filter(function () { return items.length; })
    }, true);
    linked(c, items);
  }

  function render(data) {
    fill("kpi-today", data.kpis.today.map(function (k) { return kpi(k); }));
    fill("kpi-month", data.kpis.month.map(function (k) { return kpi(k); }));
    fill("kpi-clock", data.clock.map(function (k) { return kpi(k, k.key); }));
    document.getElementById("month-label").textContent = data.month;
    drawTrend(data.trend);
    drawBar("chart-categories", data.categories, false);
    drawPie("chart-channels", data.channels);
    drawBar("chart-units", data.units.rows, true);
    fill("overdue-list", data.overdue.length ? data.overdue.map(function (c) {
      var li = el("li");
      var a = el("a", "mono", c.number); a.href = c.url;
      li.appendChild(a);
      li.appendChild(el("span", "", c.category + " · " + (c.community || c.unit)));
      li.appendChild(el("span", "hours", c.overdue_hours + "h"));
      return li;
    }) : [el("li", "", "—")]);
    fill("hot-list", data.hotspots.length ? data.hotspots.map(function (h) {
      var li = el("li");
      li.appendChild(el("span", "n", h.count + " "));
      var what = h.category + (h.place ? " · " + h.place : "");
      li.appendChild(el("span", "", format(gettext("%(what)s(在办 %(open)s)"), { what: what, open: h.open })));
      return li;
    }) : [el("li", "", "—")]);
    var stamp = new Date(data.generated_at);
    document.getElementById("wall-updated").textContent = format(gettext("更新于 %(time)s"), {
      time: stamp.toLocaleTimeString(lang, { hour12: false })
    });
  }

  var map = L.map("wall-map", { zoomControl: false, attributionControl: false });
  var config = JSON.parse(document.getElementById("map-config").textContent || "{}");
  if (config.tileUrl) L.tileLayer(config.tileUrl, { attribution: config.attribution || "" }).addTo(map);
  var layer = null;
  var fitted = false;

  function gridStyle(p) {
    var shades = ["#132a52", "#1b3a6b", "#24508f", "#2f6fe4", "#3f8cff"];
    var level = Math.min(shades.length - 1, p.open === 0 ? 0 : Math.ceil(Math.log2(p.open + 1)));
    return { color: p.overdue ? "#ff4d4f" : "#2d4d80", weight: p.overdue ? 2.5 : 1, fillColor: shades[level], fillOpacity: 0.75 };
  }

  function drawMap(geo) {
    if (layer) map.removeLayer(layer);
    layer = L.geoJSON(geo, {
      style: function (f) { return gridStyle(f.properties); },
      pointToLayer: function (f, latlng) {
        var overdue = f.properties.state === "overdue";
        return L.circleMarker(latlng, { radius: overdue ? 5 : 3.5, color: overdue ? "#ff4d4f" : "#ffc53d", weight: 1, fillOpacity: 0.9 });
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties;
        if (p.kind === "grid") {
          lyr.bindTooltip(esc(format(gettext("%(grid)s(%(community)s)"), { grid: p.name, community: p.community })) + "<br>" +
            esc(format(gettext("在办 %(open)s · 超期 %(overdue)s"), { open: p.open, overdue: p.overdue })), { className: "gridtip", sticky: true });
        } else {
          lyr.on("click", function () { window.location.href = p.url; });
          lyr.bindTooltip(esc(p.number + " " + p.category), { className: "gridtip" });
        }
      }
    }).addTo(map);
    if (!fitted && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); fitted = true; }
  }

  function load() {
    fetch(root.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(render)
      .catch(function () { document.getElementById("wall-updated").textContent = gettext("刷新失败,稍后重试"); });
    fetch(root.dataset.map, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(drawMap)
      .catch(function () {});
  }

  function tick() {
    var now = new Date();
    document.getElementById("wall-clock").textContent = now.toLocaleString(lang, { hour12: false });
  }

  load();
  setInterval(load, refreshMs);
  setInterval(tick, 1000);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    map.invalidateSize();
  });
}());
