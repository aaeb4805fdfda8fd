/* An offline base map: Natural Earth country outlines (world-atlas, 1:110m) drawn by Leaflet,
   no tile server. CoopMap.create(el) resolves to {map, highlight(codes), points(pts)}; countries are
   found by their ISO 3166-1 alpha-3 code (cg:iso3166Alpha3) through Debian's iso-codes table. */
window.CoopMap = (function () {
  "use strict";
  let atlas = null;
  function loadAtlas() {
    if (!atlas) {
      atlas = Promise.all([
        fetch("/static/vendor/world-atlas/countries-110m.json").then(function (r) { return r.json(); }),
        fetch("/static/vendor/iso-codes/alpha3-numeric.json").then(function (r) { return r.json(); }),
      ]).then(function (both) {
        const world = topojson.feature(both[0], both[0].objects.countries);
        world.features.forEach(unwrapFeature);
        return {world: world, numeric: both[1]};
      });
    }
    return atlas;
  }
  /* Rings that cross the antimeridian (Fiji, Russia, Antarctica) jump by ~360° of longitude;
     made continuous, Leaflet no longer draws a line across the whole world. */
  function unwrap(ring) {
    let offset = 0;
    for (let i = 1; i < ring.length; i++) {
      const jump = ring[i][0] + offset - ring[i - 1][0];
      if (jump > 180) offset -= 360;
      else if (jump < -180) offset += 360;
      ring[i] = [ring[i][0] + offset, ring[i][1]];
    }
  }
  function unwrapFeature(f) {
    const g = f.geometry;
    if (!g) return;
    const polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    polygons.forEach(function (poly) { poly.forEach(unwrap); });
  }
  function create(el) {
    const map = L.map(el, {worldCopyJump: false, attributionControl: true, minZoom: 1});
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth via world-atlas");
    map.setView([20, 10], 2);
    return loadAtlas().then(function (loaded) {
      const layer = L.geoJSON(loaded.world, {style: {color: "#8796ad", weight: 0.6,
        fillColor: "#f4f1ea", fillOpacity: 1}}).addTo(map);
      const byCode = {};  /* ISO 3166-1 numeric (the atlas's feature ids) → layer */
      layer.eachLayer(function (l) { byCode[String(l.feature.id)] = l; });
      const marks = L.layerGroup().addTo(map);
      return {
        map: map,
        /* codes: {ISO 3166-1 alpha-3: popupHtml}; returns how many countries were drawn */
        highlight: function (codes) {
          const bounds = [];
          Object.keys(codes).forEach(function (code) {
            const l = byCode[loaded.numeric[code]];
            if (!l) return;
            l.setStyle({fillColor: "#2f7bd1", fillOpacity: 0.55, color: "#14325c", weight: 1});
            l.bindPopup(codes[code]);
            bounds.push(l.getBounds());
          });
          if (bounds.length) {
            let b = bounds[0];
            bounds.forEach(function (x) { b = b.extend(x); });
            map.fitBounds(b, {maxZoom: 4, padding: [20, 20]});
          }
          return bounds.length;
        },
        /* points: [{lat, lon, html}] */
        points: function (pts) {
          pts.forEach(function (p) {
            L.circleMarker([p.lat, p.lon], {radius: 6, color: "#b3261e"}).bindPopup(p.html)
              .addTo(marks);
          });
          if (pts.length) {
            map.fitBounds(L.latLngBounds(pts.map(function (p) { return [p.lat, p.lon]; })),
                          {maxZoom: 7, padding: [30, 30]});
          }
          return pts.length;
        },
      };
    });
  }
  return {create: create};
})();
