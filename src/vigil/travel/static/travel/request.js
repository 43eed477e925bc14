// Travel request form: add segments from a template, and show the advisories in force for a
// destination as soon as it is typed. Works without this script, with one segment.
(function () {
  function start() {
    const form = document.querySelector(".trip-form");
    if (!form) return;
    const list = document.getElementById("segments");
    const template = document.getElementById("segment-template");
    const total = form.querySelector("input[name$='-TOTAL_FORMS']");
    document.getElementById("add-segment").addEventListener("click", () => {
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, index).replace(/__n__/g, index + 1);
      list.insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      const added = list.lastElementChild;
      // A new segment starts where the previous one arrived.
      const previous = added.previousElementSibling;
      if (previous) {
        const to = previous.querySelector("input[name$='-destination_station']");
        const from = added.querySelector("input[name$='-origin_station']");
        if (to && from) from.value = to.value;
      }
      const first = added.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    });
    form.addEventListener("change", (event) => {
      const field = event.target.closest("[data-advisories]");
      if (!field) return;
      const segment = event.target.closest("[data-segment]");
      const station = segment.querySelector("input[name$='-destination_station']").value;
      const country = segment.querySelector("select[name$='-destination_country']").value;
      const query = new URLSearchParams({ station: station, country: country });
      fetch(form.dataset.advisoriesUrl + "?" + query, { credentials: "same-origin" })
        .then((r) => r.text())
        .then((html) => { segment.querySelector(".advisory-box").innerHTML = html; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
