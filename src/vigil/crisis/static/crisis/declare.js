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
