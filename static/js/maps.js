/* Jiedao maps: Leaflet with no tile server by default — the instance's own layers on a plain background.
 * When a tile layer is configured in GCJ-02 (AMap/Tencent style), WGS-84 data is shifted for drawing and
 * clicks are shifted back, with the public eviltransform formulas (same as jiedao.lib.geo).
 * Words come from Django's JavaScript catalog (/jsi18n/, domain djangojs) when the page loads it. */
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };

  /* "%(name)s" placeholders, as Django's interpolate(fmt, obj, true). */
  function format(fmt, values) {
    if (window.interpolate) return window.interpolate(fmt, values, true);
    return fmt.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;

  function withinChina(lon, lat) {
    return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }

  function offset(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLat += common + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    dLon += common + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var rad = lat * PI / 180.0;
    var magic = 1.0 - EE * Math.sin(rad) * Math.sin(rad);
    dLat = dLat * 180.0 / ((A * (1.0 - EE)) / (magic * Math.sqrt(magic)) * PI);
    dLon = dLon * 180.0 / (A / Math.sqrt(magic) * Math.cos(rad) * PI);
    return [dLon, dLat];
  }

  function wgs84ToGcj02(lon, lat) {
    if (!withinChina(lon, lat)) return [lon, lat];
    var d = offset(lon, lat);
    return [lon + d[0], lat + d[1]];
  }

  function gcj02ToWgs84(lon, lat) {
    if (!withinChina(lon, lat)) return [lon, lat];
    var wLon = lon, wLat = lat;
    for (var i = 0; i < 10; i++) {
      var g = wgs84ToGcj02(wLon, wLat), eLon = g[0] - lon, eLat = g[1] - lat;
      wLon -= eLon; wLat -= eLat;
      if (Math.abs(eLon) < 1e-10 && Math.abs(eLat) < 1e-10) break;
    }
    return [wLon, wLat];
  }

  var configEl = document.getElementById("map-config");
  var config = configEl ? JSON.parse(configEl.textContent) : {};
  var gcj = !!config.tileUrl && config.tileCrs === "gcj02";

  function toLatLng(lon, lat) {
    var p = gcj ? wgs84ToGcj02(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  }

  function fromLatLng(latlng) {
    return gcj ? gcj02ToWgs84(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
  }

  function createMap(el, options) {
    var map = L.map(el, Object.assign({ maxZoom: 19, minZoom: 3, zoomSnap: 0.5,
      attributionControl: !!config.tileUrl }, options || {}));
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.attribution || "" }).addTo(map);
    } else {
      el.classList.add("map--plain");
    }
    return map;
  }

  function geoJSON(data, options) {
    return L.geoJSON(data, Object.assign({
      coordsToLatLng: function (c) { return toLatLng(c[0], c[1]); }
    }, options || {}));
  }

  function pin(extraClass) {
    return L.divIcon({ className: "pin " + (extraClass || ""), html: "<span></span>",
      iconSize: [28, 38], iconAnchor: [14, 36] });
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  window.JiedaoMap = { createMap: createMap, geoJSON: geoJSON, toLatLng: toLatLng, fromLatLng: fromLatLng,
    wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, pin: pin, esc: esc, format: format, config: config,
    lang: document.documentElement.lang || "zh-Hans" };

  var CLOCK_COLOURS = { overdue: "#d92d20", warning: "#e59f00", normal: "#12a150", paused: "#8a94a6",
    none: "#8a94a6" };

  function gridFill(open) {
    if (!open) return "#eef4ff";
    if (open <= 2) return "#c7dafc";
    if (open <= 5) return "#8fb4f5";
    return "#4d86e8";
  }

  /* The small map on a case page: its grid and its point. */
  function caseMap() {
    var el = document.getElementById("case-map");
    var dataEl = document.getElementById("case-map-data");
    if (!el || !dataEl) return;
    var data = JSON.parse(dataEl.textContent);
    var map = createMap(el, { scrollWheelZoom: false });
    var layer = geoJSON(data, {
      style: function () { return { color: "#1456d8", weight: 1.5, fillColor: "#dce8ff", fillOpacity: 0.5 }; },
      pointToLayer: function (_f, latlng) { return L.marker(latlng, { icon: pin("pin--case"), keyboard: false }); },
      onEachFeature: function (f, l) {
        if (f.properties && f.properties.name) l.bindTooltip(esc(f.properties.name));
      }
    }).addTo(map);
    var points = data.features.filter(function (f) { return f.geometry.type === "Point"; });
    if (data.features.length > points.length) {
      map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 17 });
    } else if (points.length) {
      var c = points[0].geometry.coordinates;
      map.setView(toLatLng(c[0], c[1]), 17);
    }
  }

  /* The full-screen map: grids coloured by open/overdue cases, cases coloured by their clock. */
  function fullMap() {
    var el = document.getElementById("full-map");
    if (!el) return;
    var form = document.getElementById("map-filters");
    var count = document.getElementById("map-count");
    var map = createMap(el, { zoomControl: true });
    var gridLayer = null, caseLayer = null, fitted = false;
    var legend = document.getElementById("map-legend");
    if (legend && window.matchMedia("(min-width: 601px)").matches) legend.open = true;

    fetch(el.dataset.grids, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      gridLayer = geoJSON(data, {
        style: function (f) {
          var p = f.properties;
          return { color: p.overdue ? "#d92d20" : "#1456d8", weight: p.overdue ? 2.5 : 1, opacity: 0.9,
            fillColor: gridFill(p.open), fillOpacity: 0.55 };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindPopup("<strong>" + esc(p.name) + "</strong><br>" + esc(p.community) + "<br><span class=\"muted\">" + esc(p.code) +
            "</span><br>" + esc(format(gettext("在办 %(open)s · 超期 %(overdue)s"), { open: p.open, overdue: p.overdue })));
        }
      }).addTo(map);
      // Grid names as labels when there are few enough of them to read.
      if (data.features.length <= 60) {
        data.features.forEach(function (f) {
          var b = geoJSON(f).getBounds();
          L.marker(b.getCenter(), { interactive: false, keyboard: false,
            icon: L.divIcon({ className: "gridlabel", html: "<span>" + esc(f.properties.name) + "</span>", iconSize: null })
          }).addTo(map);
        });
      }
      gridLayer.bringToBack();
      if (gridLayer.getLayers().length) { map.fitBounds(gridLayer.getBounds(), { padding: [20, 20] }); fitted = true; }
      loadCases();
    });

    function loadCases() {
      var params = new URLSearchParams(new FormData(form));
      fetch(el.dataset.cases + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); }).then(function (data) {
          if (caseLayer) map.removeLayer(caseLayer);
          caseLayer = geoJSON(data, {
            pointToLayer: function (f, latlng) {
              var p = f.properties;
              var colour = p.open ? (p.status === "reported" ? "#8a94a6" : CLOCK_COLOURS[p.clock] || "#8a94a6") : "#5b7bd5";
              return L.circleMarker(latlng, { radius: p.open ? 7 : 5, color: "#fff", weight: 2,
                fillColor: colour, fillOpacity: p.open ? 0.95 : 0.6 });
            },
            onEachFeature: function (f, l) {
              var p = f.properties;
              l.bindPopup(
                '<div class="mappop"><a class="mappop__number" href="' + esc(p.url) + '">' + esc(p.label) + "</a>" +
                '<p class="mappop__cat">' + esc(p.category) + "</p>" +
                '<p><span class="chip chip--sm">' + esc(p.status_label) + "</span> " +
                (p.clock_label ? '<span class="clock clock--' + esc(p.clock) + '"><span class="clock__dot"></span>' + esc(p.clock_label) +
                  (p.clock_hint ? ' <span class="clock__hint">' + esc(p.clock_hint) + "</span>" : "") + "</span>" : "") + "</p>" +
                '<p class="mappop__desc">' + esc(p.description) + "</p></div>");
            }
          }).addTo(map);
          var n = data.features.length;
          if (count) count.textContent = format(ngettext("案件 %(count)s", "案件 %(count)s", n), { count: n + (data.truncated ? "+" : "") });
          if (!fitted && caseLayer.getLayers().length) { map.fitBounds(caseLayer.getBounds(), { padding: [20, 20] }); fitted = true; }
        });
    }

    if (form) {
      form.addEventListener("change", function () {
        var params = new URLSearchParams(new FormData(form));
        history.replaceState(null, "", "?" + params.toString());
        loadCases();
      });
      form.addEventListener("submit", function (e) { e.preventDefault(); loadCases(); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { caseMap(); fullMap(); });
  if (document.readyState !== "loading") { caseMap(); fullMap(); }
})();
