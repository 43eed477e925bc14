// Check-in page: offer to add the phone's location when the browser can give it.
(function () {
  const form = document.getElementById("checkin-form");
  const button = form && form.querySelector("[data-locate]");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition((pos) => {
      form.querySelector('input[name="latitude"]').value = pos.coords.latitude.toFixed(5);
      form.querySelector('input[name="longitude"]').value = pos.coords.longitude.toFixed(5);
      button.hidden = true;
      form.querySelector("[data-located]").hidden = false;
    }, () => { button.disabled = true; }, { timeout: 15000, maximumAge: 300000 });
  });
})();
