/* Tracking pages: the live map (refreshes every 10 s) and a device's track with playback.
 * Data arrive in WGS-84; JiedaoMap (maps.js) shifts them to GCJ-02 when the tile layer needs it.
 * Words come from Django's JavaScript catalog (/jsi18n/, domain djangojs). */
(function () {
  "use strict";
  var JM = window.JiedaoMap;
  if (!JM) return;
  var gettext = window.gettext || function (s) { return s; };
  var STATE_COLOURS = { moving: "#12a150", stopped: "#1456d8", offline: "#8a94a6" };

  function zonesLayer(map, data) {
    if (!data || !data.features.length) return null;
    return JM.geoJSON(data, {
      style: function (f) {
        return f.properties.kind === "corridor"
          ? { color: "#0b7285", weight: 1, fillColor: "#66d9e8", fillOpacity: 0.35 }
          : { color: "#5c940d", weight: 1, fillColor: "#c0eb75", fillOpacity: 0.3 };
      },
      onEachFeature: function (f, l) { l.bindTooltip(JM.esc(f.properties.name) + " · " + JM.esc(f.properties.unit)); }
    });
  }

  /* Leaflet draws vector layers only once the map has a view: fit first, then add. */
  function showZones(map, zones, fit) {
    if (!zones) return;
    if (fit) map.fitBounds(zones.getBounds(), { padding: [20, 20] });
    zones.addTo(map);
  }

  function liveMap() {
    var el = document.getElementById("trk-live-map");
    if (!el) return;
    var map = JM.createMap(el, { zoomControl: true });
    var zonesEl = document.getElementById("trk-zones");
    var zones = zonesLayer(map, zonesEl ? JSON.parse(zonesEl.textContent) : null);
    var markers = {}, fitted = !!zones;
    showZones(map, zones, true);
    var table = document.getElementById("trk-devices");

    function update(data) {
      var placed = data.features.filter(function (f) { return f.geometry; });
      if (!fitted && placed.length) {
        map.fitBounds(L.latLngBounds(placed.map(function (f) {
          return JM.toLatLng(f.geometry.coordinates[0], f.geometry.coordinates[1]);
        })), { padding: [30, 30], maxZoom: 16 });
        fitted = true;
      }
      var counts = { moving: 0, stopped: 0, offline: 0 };
      data.features.forEach(function (f) {
        var p = f.properties;
        counts[p.state] += 1;
        var row = table && table.querySelector('tr[data-id="' + p.id + '"]');
        if (row) {
          row.querySelector('[data-field="state"]').innerHTML =
            '<span class="trk-dot trk-dot--' + p.state + '"></span>' + JM.esc(p.state_label);
          row.querySelector('[data-field="fixed_at_text"]').textContent = p.fixed_at_text || "—";
        }
        if (!f.geometry) return;
        var c = f.geometry.coordinates, latlng = JM.toLatLng(c[0], c[1]);
        var html = "<strong>" + JM.esc(p.name) + "</strong><br>" + JM.esc(p.kind_label) +
          (p.unit ? " · " + JM.esc(p.unit) : "") + "<br>" + JM.esc(p.state_label) + " · " +
          (p.speed_kmh == null ? "" : Math.round(p.speed_kmh) + " km/h") + "<br>" + JM.esc(p.fixed_at_text) +
          '<br><a href="' + p.track_url + '">' + JM.esc(gettext("查看轨迹")) + "</a>";
        var style = { radius: 7, color: "#fff", weight: 2, fillColor: STATE_COLOURS[p.state], fillOpacity: 1 };
        if (markers[p.id]) {
          markers[p.id].setLatLng(latlng).setStyle(style).setPopupContent(html);
        } else {
          markers[p.id] = L.circleMarker(latlng, style).bindPopup(html).bindTooltip(JM.esc(p.name)).addTo(map);
        }
      });
      Object.keys(counts).forEach(function (state) {
        var out = document.querySelector('[data-count="' + state + '"]');
        if (out) out.textContent = counts[state];
      });
    }

    function load() {
      fetch(el.dataset.source, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) update(data); })
        .catch(function () {});
    }
    load();
    setInterval(load, parseInt(el.dataset.refresh, 10) || 10000);
  }

  function trackMap() {
    var el = document.getElementById("trk-track-map");
    var dataEl = document.getElementById("trk-track");
    if (!el || !dataEl) return;
    var data = JSON.parse(dataEl.textContent);
    var map = JM.createMap(el, { zoomControl: true });
    var zones = zonesLayer(map, data.zones);
    var latlngs = data.points.map(function (p) { return JM.toLatLng(p[0], p[1]); });
    if (latlngs.length) {
      map.fitBounds(L.latLngBounds(latlngs), { padding: [20, 20], maxZoom: 17 });
      showZones(map, zones, false);
      L.polyline(latlngs, { color: "#1456d8", weight: 3, opacity: 0.8 }).addTo(map);
    } else if (zones) {
      showZones(map, zones, true);
    } else {
      return;
    }
    data.stops.forEach(function (s) {
      L.circleMarker(JM.toLatLng(s.lon, s.lat), { radius: 6, color: "#e59f00", weight: 2, fillColor: "#ffe066", fillOpacity: 1 })
        .bindTooltip(JM.esc(JM.format(gettext("%(start)s – %(end)s 停留 %(minutes)s 分钟"),
          { start: s.start, end: s.end, minutes: s.minutes }))).addTo(map);
    });
    var slider = document.getElementById("trk-slider"), now = document.getElementById("trk-now");
    var play = document.getElementById("trk-play"), speed = document.getElementById("trk-speed");
    if (!latlngs.length || !slider) return;
    var cursor = L.circleMarker(latlngs[0], { radius: 8, color: "#fff", weight: 2, fillColor: "#d92d20", fillOpacity: 1 }).addTo(map);
    function show(i) {
      var p = data.points[i];
      cursor.setLatLng(latlngs[i]);
      now.textContent = new Date(p[2] * 1000).toLocaleString(JM.lang, { hour12: false, timeZone: "Asia/Shanghai" }) + " · " + p[3] + " km/h";
    }
    slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
    var timer = null, playLabel = play.textContent;
    function stop() {
      clearInterval(timer);
      timer = null;
      play.textContent = playLabel;
      play.removeAttribute("aria-label");
    }
    play.addEventListener("click", function () {
      if (timer) { stop(); return; }
      play.textContent = "❚❚";
      play.setAttribute("aria-label", gettext("暂停"));
      timer = setInterval(function () {
        var i = parseInt(slider.value, 10), step = parseInt(speed.value, 10) || 1;
        if (i >= data.points.length - 1) { stop(); return; }
        slider.value = Math.min(i + step, data.points.length - 1);
        show(parseInt(slider.value, 10));
      }, 200);
    });
    show(0);
  }

  liveMap();
  trackMap();
})();
