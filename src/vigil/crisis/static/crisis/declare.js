// Declare form: show only the fields of the chosen kind of zone, and offer duty stations.
(function () {
  const radios = document.querySelectorAll('input[name="zone_kind"]');
  if (!radios.length) return;
  const groups = {
    circle: ["place", "center_latitude", "center_longitude", "radius_km"],
    polygon: ["polygon"],
    areas: ["areas"],
  };
  const place = document.getElementById("id_place");
  if (place) place.setAttribute("list", "stations");
  function show() {
    const kind = (document.querySelector('input[name="zone_kind"]:checked') || {}).value;
    Object.entries(groups).forEach(([name, fields]) => fields.forEach((f) => {
      const input = document.getElementById("id_" + f);
      const box = input && input.closest(".field");
      if (box) box.hidden = name !== kind;
    }));
  }
  radios.forEach((r) => r.addEventListener("change", show));
  show();
})();
// A preview of the zone on the offline basemap: the circle round the duty station chosen (or
// the coordinates typed), or the polygon pasted. The server decides; this only shows.
(function () {
  const el = document.getElementById("zone-map");
  if (!el || !window.L) return;
  const map = L.map(el, { worldCopyJump: true, minZoom: 1, maxZoom: 12 }).setView([5, 20], 2);
  map.attributionControl.setPrefix(false);
  fetch(el.dataset.basemap).then((r) => r.json()).then((data) => {
    L.geoJSON(data, { style: { color: "#7d8b99", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
                      attribution: el.dataset.attribution }).addTo(map).bringToBack();
  });
  let shape = null;
  const value = (id) => (document.getElementById(id) || {}).value || "";
  function centre() {
    const lat = parseFloat(value("id_center_latitude"));
    const lon = parseFloat(value("id_center_longitude"));
    if (!isNaN(lat) && !isNaN(lon)) return [lat, lon];
    const typed = value("id_place").trim().toLowerCase();
    const option = Array.from(document.querySelectorAll("#stations option")).find((o) =>
      o.value.toLowerCase() === typed || o.value.toLowerCase().split(" · ")[1] === typed ||
      o.value.toLowerCase().split(" · ")[0] === typed);
    return option ? [parseFloat(option.dataset.lat), parseFloat(option.dataset.lon)] : null;
  }
  function draw() {
    if (shape) { map.removeLayer(shape); shape = null; }
    const kind = (document.querySelector('input[name="zone_kind"]:checked') || {}).value;
    if (kind === "circle") {
      const c = centre();
      const radius = parseFloat(value("id_radius_km"));
      if (c && radius > 0) shape = L.circle(c, { radius: radius * 1000, color: "#a4161a" });
    } else if (kind === "polygon") {
      try { shape = L.geoJSON(JSON.parse(value("id_polygon")), { style: { color: "#a4161a" } }); }
      catch (e) { shape = null; }
    }
    if (shape) { shape.addTo(map); map.fitBounds(shape.getBounds(), { padding: [20, 20] }); }
  }
  ["id_place", "id_center_latitude", "id_center_longitude", "id_radius_km", "id_polygon"].forEach((id) => {
    const input = document.getElementById(id);
    if (input) input.addEventListener("input", draw);
  });
  document.querySelectorAll('input[name="zone_kind"]').forEach((r) => r.addEventListener("change", draw));
  draw();
})();
