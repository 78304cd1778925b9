/* 随手拍: category search, photo previews and the tap-to-pin map. The form works without any of it. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn); else fn();
  }

  /* --- category search: type a word, tap a match, the select (and htmx) follow ---------------------- */
  function categorySearch() {
    var input = document.getElementById("category-search");
    var hits = document.getElementById("category-hits");
    var select = document.getElementById("id_category");
    var indexEl = document.getElementById("category-index");
    if (!input || !hits || !select || !indexEl) return;
    var index = JSON.parse(indexEl.textContent);
    input.addEventListener("input", function () {
      var terms = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      hits.innerHTML = "";
      if (!terms.length) return;
      var found = index.filter(function (c) {
        return terms.every(function (t) { return c.words.indexOf(t) >= 0 || c.name.toLowerCase().indexOf(t) >= 0; });
      }).slice(0, 8);
      if (!found.length) {
        var none = document.createElement("p");
        none.className = "hint";
        none.textContent = input.dataset.none || "没有找到,请在下面的列表中选择";
        hits.appendChild(none);
        return;
      }
      found.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "catsearch__hit";
        b.setAttribute("role", "listitem");
        b.innerHTML = "<span></span><small></small>";
        b.firstChild.textContent = c.name;
        b.lastChild.textContent = c.group;
        b.addEventListener("click", function () {
          select.value = String(c.id);
          select.dispatchEvent(new Event("change", { bubbles: true }));
          hits.innerHTML = "";
          input.value = "";
          select.focus();
        });
        hits.appendChild(b);
      });
    });
  }

  /* --- photos: preview what was picked, allow removing one, warn over the limit ------------------------ */
  function photos() {
    var inputs = Array.prototype.slice.call(document.querySelectorAll(".photo-input"));
    var preview = document.getElementById("photo-preview");
    if (!inputs.length || !preview) return;
    var max = parseInt(preview.dataset.max || "6", 10);

    function render() {
      preview.innerHTML = "";
      var total = 0;
      inputs.forEach(function (input) {
        Array.prototype.forEach.call(input.files || [], function (file, i) {
          total += 1;
          var item = document.createElement("figure");
          item.className = "photo-preview__item";
          var img = document.createElement("img");
          img.alt = file.name;
          img.onerror = function () { item.classList.add("is-broken"); };
          if (/^image\//.test(file.type)) img.src = URL.createObjectURL(file); else item.classList.add("is-broken");
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "photo-preview__remove";
          remove.setAttribute("aria-label", (preview.dataset.removeLabel || "移除") + " " + file.name);
          remove.textContent = "×";
          remove.addEventListener("click", function () {
            try {
              var keep = new DataTransfer();
              Array.prototype.forEach.call(input.files, function (f, j) { if (j !== i) keep.items.add(f); });
              input.files = keep.files;
            } catch (e) { input.value = ""; }
            render();
          });
          var caption = document.createElement("figcaption");
          caption.textContent = file.name;
          item.appendChild(img); item.appendChild(remove); item.appendChild(caption);
          preview.appendChild(item);
        });
      });
      if (total > max) {
        var warn = document.createElement("p");
        warn.className = "field-error";
        warn.textContent = (preview.dataset.tooMany || "最多只能上传 {n} 张照片").replace("{n}", max);
        preview.appendChild(warn);
      }
    }
    inputs.forEach(function (input) { input.addEventListener("change", render); });
  }

  /* --- the map: tap to put a pin; the hidden lon/lat carry WGS-84 ------------------------------------ */
  function pickMap() {
    var el = document.getElementById("pick-map");
    if (!el || !window.L || !window.JiedaoMap) return;
    var M = window.JiedaoMap;
    var lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
    var status = document.getElementById("pick-status");
    var clear = document.getElementById("clear-pin");
    var locate = document.getElementById("locate-me");
    var map = M.createMap(el, { scrollWheelZoom: false, tap: true });
    var marker = null;

    function setPoint(wgsLon, wgsLat, pan) {
      lon.value = wgsLon.toFixed(6);
      lat.value = wgsLat.toFixed(6);
      var ll = M.toLatLng(wgsLon, wgsLat);
      if (marker) marker.setLatLng(ll); else marker = L.marker(ll, { icon: M.pin("pin--pick"), keyboard: false }).addTo(map);
      if (pan) map.setView(ll, Math.max(map.getZoom(), 17));
      status.textContent = (status.dataset.chosen || "已标记位置") + " " + lon.value + ", " + lat.value;
      status.classList.add("is-set");
      clear.hidden = false;
    }

    map.on("click", function (e) { var p = M.fromLatLng(e.latlng); setPoint(p[0], p[1], false); });
    clear.addEventListener("click", function () {
      lon.value = ""; lat.value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      status.textContent = status.dataset.empty || "尚未选点";
      status.classList.remove("is-set");
      clear.hidden = true;
    });
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = locate.dataset.unsupported || "此浏览器无法定位,请在地图上点选"; return; }
      status.textContent = locate.dataset.busy || "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPoint(pos.coords.longitude, pos.coords.latitude, true);  // phones report WGS-84
      }, function () {
        status.textContent = locate.dataset.failed || "定位失败,请在地图上点选";
      }, { enableHighAccuracy: true, timeout: 10000 });
    });

    fetch(el.dataset.area).then(function (r) { return r.json(); }).then(function (data) {
      var area = M.geoJSON(data, {
        style: function () { return { color: "#1456d8", weight: 1.2, fillColor: "#dce8ff", fillOpacity: 0.35 }; },
        onEachFeature: function (f, l) { if (f.properties && f.properties.name) l.bindTooltip(M.esc(f.properties.name)); }
      }).addTo(map);
      area.on("click", function (e) { var p = M.fromLatLng(e.latlng); setPoint(p[0], p[1], false); });
      if (area.getLayers().length) map.fitBounds(area.getBounds(), { padding: [8, 8] });
      if (lon.value && lat.value) setPoint(parseFloat(lon.value), parseFloat(lat.value), true);
    }).catch(function () {
      if (lon.value && lat.value) setPoint(parseFloat(lon.value), parseFloat(lat.value), true);
    });
    if (!lon.value) map.setView([31.3, 120.6], 13);
  }

  ready(function () { categorySearch(); photos(); pickMap(); });
})();
