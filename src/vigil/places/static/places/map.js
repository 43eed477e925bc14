// Duty station map: the offline Natural Earth basemap, optional tiles, and station markers.
(function () {
  function start() {
    const el = document.getElementById("map");
    if (!el || !window.L) return;
    const map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 12 }).setView([15, 10], 2);
    map.attributionControl.setPrefix(false);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.tilesAttribution || "" }).addTo(map);
    }
    fetch(el.dataset.basemap).then((r) => r.json()).then((data) => {
      L.geoJSON(data, {
        // Over configured tiles the basemap draws borders only, so the tiles stay visible.
        style: { color: "#7d8b99", weight: 0.6, fillColor: "#f4f1ea",
                 fillOpacity: el.dataset.tiles ? 0 : 1 },
        attribution: el.dataset.attribution,
      }).addTo(map).bringToBack();
    });
    let boundary = null;
    if (el.dataset.boundary) {
      const geometry = JSON.parse(document.getElementById(el.dataset.boundary).textContent);
      boundary = L.geoJSON(geometry, {
        style: { color: "#a4161a", weight: 2, dashArray: "6 4", fillColor: "#a4161a", fillOpacity: 0.08 },
      }).addTo(map);
      map.fitBounds(boundary.getBounds(), { padding: [20, 20] });
    }
    fetch(el.dataset.points, { credentials: "same-origin" }).then((r) => r.json()).then((data) => {
      const layer = L.geoJSON(data, {
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
          radius: feature.properties.kind === "hq" ? 8 : 5, weight: 1.5, color: "#073a5c",
          fillColor: feature.properties.kind === "field" ? "#009edb" : "#0b5a8e", fillOpacity: 0.9,
        }),
        onEachFeature: (feature, marker) => {
          const a = document.createElement("a");
          a.href = el.dataset.detail.replace("/0/", "/" + feature.id + "/");
          a.textContent = feature.properties.name + " (" + feature.properties.code + ")";
          marker.bindPopup(a);
          marker.bindTooltip(feature.properties.name);
        },
      }).addTo(map);
      if (data.features.length && !boundary) {
        map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 6 });
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
