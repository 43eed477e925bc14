// Who is where: the offline basemap and one marker per person presumed in the place.
(function () {
  function start() {
    const el = document.getElementById("map");
    if (!el || !window.L) return;
    const map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 14 }).setView([0, 20], 2);
    map.attributionControl.setPrefix(false);
    fetch(el.dataset.basemap).then((r) => r.json()).then((data) => {
      L.geoJSON(data, { style: { color: "#7d8b99", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
                        attribution: el.dataset.attribution }).addTo(map).bringToBack();
    });
    const colours = { transit: "#a4161a", stay: "#e0800f", residence: "#0b5a8e", duty_station: "#5b6b7a" };
    fetch(el.dataset.points, { credentials: "same-origin" }).then((r) => r.json()).then((data) => {
      const layer = L.geoJSON(data, {
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
          radius: 6, weight: 1, color: "#073a5c", fillColor: colours[feature.properties.basis] || "#009edb", fillOpacity: 0.85 }),
        onEachFeature: (feature, marker) => marker.bindTooltip(feature.properties.name + " · " + feature.properties.where),
      }).addTo(map);
      if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 11 });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
