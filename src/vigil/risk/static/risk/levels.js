// Security level map: areas drawn from their boundaries, coloured by level, with the level's
// number and word in each area's label (colour is never the only signal).
(function () {
  const COLOURS = { 1: "#1d6b35", 2: "#5a9a3c", 3: "#0b5a8e", 4: "#c98a00", 5: "#c0392b", 6: "#7b0d10" };
  function start() {
    const el = document.getElementById("map");
    if (!el || !window.L) return;
    const map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 12 }).setView([10, 20], 2);
    map.attributionControl.setPrefix(false);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.tilesAttribution || "" }).addTo(map);
    }
    fetch(el.dataset.basemap).then((r) => r.json()).then((data) => {
      L.geoJSON(data, {
        style: { color: "#7d8b99", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: el.dataset.tiles ? 0 : 1 },
        attribution: el.dataset.attribution,
      }).addTo(map).bringToBack();
    });
    fetch(el.dataset.areas, { credentials: "same-origin" }).then((r) => r.json()).then((data) => {
      const layer = L.geoJSON(data, {
        style: (f) => ({ color: "#1b2733", weight: 1, fillOpacity: 0.55,
                         fillColor: COLOURS[f.properties.level] || "#8593a1" }),
        onEachFeature: (f, shape) => {
          const level = f.properties.level ? String(f.properties.level) : el.dataset.noLevel;
          const a = document.createElement("a");
          a.href = el.dataset.detail.replace("/0/", "/" + f.id + "/");
          a.textContent = f.properties.name + " · " + level;
          shape.bindPopup(a);
          shape.bindTooltip(f.properties.name + " · " + level);
        },
      }).addTo(map);
      if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 7 });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
