// The map (#23): Leaflet (vendored), tiles from the configured URL (none: the areas are still
// drawn as vector layers). Every map is a <div class="map" data-mode="..."> whose data
// attributes say what to draw; the page's form fields stay the truth, the map only fills them.
//   data-mode="place"  the send form: a click sets #place_lat/#place_lon and asks for the BINs
//   data-mode="show"   an alert's place (data-lat, data-lon, data-radius) and route (data-route)
//   data-mode="draw"   the area editor: clicks add corners to #area-geojson
(function () {
  "use strict";
  var BELGIUM = [[49.5, 2.54], [51.51, 6.41]];

  function number(value) {
    var parsed = parseFloat(String(value || "").replace(",", "."));
    return isFinite(parsed) ? parsed : null;
  }

  function makeMap(el) {
    var map = L.map(el, { keyboard: true, attributionControl: true });
    map.fitBounds(BELGIUM);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    return map;
  }

  function drawAreas(el, map, fit) {
    if (!el.dataset.areas) { return Promise.resolve(null); }
    return fetch(el.dataset.areas, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (areas) {
        var layer = L.featureGroup();
        areas.forEach(function (a) {
          if (!a.area) { return; }
          var shape = L.geoJSON(a.area, { style: { color: "#1d4ed8", weight: 2, fillOpacity: 0.12 } });
          shape.bindTooltip(a.name || String(a.bin_id));
          shape.addTo(layer);
        });
        layer.addTo(map);
        if (fit && layer.getLayers().length) { map.fitBounds(layer.getBounds(), { maxZoom: 15 }); }
        el.dataset.areasDrawn = String(layer.getLayers().length);
        return layer;
      });
  }

  function placeMode(el, map) {
    var lat = document.getElementById("place_lat");
    var lon = document.getElementById("place_lon");
    var radius = document.getElementById("radius_m");
    var find = document.getElementById("find-bins");
    var shown = null;
    function drawPlace() {
      var y = number(lat.value), x = number(lon.value), r = number(radius.value) || 2000;
      if (shown) { map.removeLayer(shown); shown = null; }
      if (y === null || x === null) { return false; }
      shown = L.circle([y, x], { radius: r, color: "#b91c1c", weight: 2, fillOpacity: 0.08 }).addTo(map);
      return true;
    }
    var route = document.getElementById("route_points");
    var drawRoute = document.getElementById("draw-route");
    var routeLine = null;
    function routePoints() {
      return route.value.split("\n").map(function (line) {
        var parts = line.trim().split(/\s*[,; ]\s*/);
        return parts.length === 2 ? [number(parts[0]), number(parts[1])] : null;
      }).filter(function (p) { return p && p[0] !== null && p[1] !== null; });
    }
    function showRoute() {
      if (routeLine) { map.removeLayer(routeLine); routeLine = null; }
      var points = routePoints();
      if (points.length) { routeLine = L.polyline(points, { color: "#b91c1c", weight: 4 }).addTo(map); }
    }
    showRoute();
    route.addEventListener("change", showRoute);
    var undoPoint = document.getElementById("undo-route-point");
    undoPoint.addEventListener("click", function () {
      var lines = route.value.split("\n").filter(function (l) { return l.trim(); });
      lines.pop();
      route.value = lines.join("\n");
      showRoute();
    });
    var hasPlace = drawPlace();
    drawAreas(el, map, !hasPlace && !routeLine).then(function () {
      if (hasPlace) { map.fitBounds(shown.getBounds(), { maxZoom: 15 }); }
      else if (routeLine) { map.fitBounds(routeLine.getBounds(), { maxZoom: 15 }); }
      el.dataset.ready = "1";
    });
    map.on("click", function (event) {
      if (drawRoute.checked) {  // a point of the route; the button asks for its BINs
        var point = event.latlng.lat.toFixed(5) + ", " + event.latlng.lng.toFixed(5);
        route.value = (route.value.trim() ? route.value.trim() + "\n" : "") + point;
        showRoute();
        return;
      }
      lat.value = event.latlng.lat.toFixed(5);
      lon.value = event.latlng.lng.toFixed(5);
      drawPlace();
      if (find && find.form.requestSubmit) { find.form.requestSubmit(find); }
    });
    [lat, lon, radius].forEach(function (input) { input.addEventListener("change", drawPlace); });
  }

  function showMode(el, map) {
    var y = number(el.dataset.lat), x = number(el.dataset.lon);
    var group = L.featureGroup().addTo(map);
    if (y !== null && x !== null) {
      L.circle([y, x], { radius: number(el.dataset.radius) || 0, color: "#b91c1c", weight: 2, fillOpacity: 0.08 }).addTo(group);
      L.circleMarker([y, x], { radius: 5, color: "#b91c1c" }).addTo(group);
    }
    if (el.dataset.route) {
      L.geoJSON(JSON.parse(el.dataset.route), { style: { color: "#b91c1c", weight: 4 } }).addTo(group);
    }
    drawAreas(el, map, false).then(function () {
      if (group.getLayers().length) { map.fitBounds(group.getBounds(), { maxZoom: 15 }); }
      el.dataset.ready = "1";
    });
  }

  function drawMode(el, map) {
    var text = document.getElementById("area-geojson");
    var corners = [];
    var shape = null;
    function fromText() {
      try {
        var data = JSON.parse(text.value);
        var geometry = data.type === "Feature" ? data.geometry : data;
        if (geometry.type === "Polygon") {
          corners = geometry.coordinates[0].slice(0, -1).map(function (p) { return [p[1], p[0]]; });
        }
      } catch (e) { corners = []; }
    }
    function redraw() {
      if (shape) { map.removeLayer(shape); }
      shape = corners.length ? L.polygon(corners, { color: "#15803d", weight: 2 }).addTo(map) : null;
    }
    function toText() {
      if (corners.length < 3) { text.value = ""; return; }
      var ring = corners.map(function (c) { return [Number(c[1].toFixed(6)), Number(c[0].toFixed(6))]; });
      ring.push(ring[0]);
      text.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }
    fromText();
    redraw();
    drawAreas(el, map, !corners.length).then(function () {
      if (shape) { map.fitBounds(shape.getBounds(), { maxZoom: 16 }); }
      el.dataset.ready = "1";
    });
    map.on("click", function (event) {
      corners.push([event.latlng.lat, event.latlng.lng]);
      redraw();
      toText();
    });
    var undo = document.getElementById("undo-corner");
    var clear = document.getElementById("clear-corners");
    if (undo) { undo.addEventListener("click", function () { corners.pop(); redraw(); toText(); }); }
    if (clear) { clear.addEventListener("click", function () { corners = []; redraw(); toText(); }); }
    text.addEventListener("change", function () { fromText(); redraw(); });
  }

  document.querySelectorAll("div.map").forEach(function (el) {
    if (typeof L === "undefined") { return; }
    el.hidden = false;
    var map = makeMap(el);
    var mode = el.dataset.mode;
    if (mode === "place") { placeMode(el, map); }
    else if (mode === "draw") { drawMode(el, map); }
    else { showMode(el, map); }
  });
})();
