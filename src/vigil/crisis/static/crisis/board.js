// The headcount board: polls its JSON every few seconds (slower when the tab is hidden or the
// network fails) and updates the counts and the rows shown, without reloading the page.
(function () {
  const board = document.getElementById("board");
  if (!board) return;
  let since = board.dataset.since;
  let delay = 5000;
  const setText = (sel, value) => board.querySelectorAll(sel).forEach((el) => { el.textContent = value; });
  function render(data) {
    setText('[data-count="accounted"]', data.accounted);
    setText('[data-count="total"]', data.total);
    setText('[data-count="pct"]', data.pct);
    const meter = board.querySelector("[data-meter]");
    if (meter) meter.style.width = Math.round(data.pct) + "%";
    data.statuses.forEach((s) => setText('[data-status="' + s.key + '"]', s.n));
    ["organizations", "places"].forEach((name) => {
      const body = board.querySelector('[data-groups="' + name + '"]');
      if (!body) return;
      body.replaceChildren(...data[name].map((g) => {
        const tr = document.createElement("tr");
        const th = document.createElement("th");
        th.scope = "row";
        const a = document.createElement("a");
        a.href = "?" + (name === "organizations" ? "organization=" : "place=") + encodeURIComponent(g.key || "");
        a.textContent = name === "organizations" ? g.key : (g.label || "—");
        th.append(a);
        const c1 = document.createElement("td");
        c1.textContent = g.accounted + " / " + g.total + " (" + g.pct + " %)";
        const c2 = document.createElement("td");
        c2.textContent = g.help;
        tr.append(th, c1, c2);
        return tr;
      }));
    });
    data.changed.forEach((e) => {
      const row = document.getElementById("entry-" + e.id);
      if (!row) return;
      const cell = row.querySelector('[data-cell="status"]');
      if (cell) {
        const badge = document.createElement("span");
        badge.className = "badge " + (e.tone || "neutral");
        badge.textContent = e.label;
        cell.replaceChildren(badge);
        if (e.note) { const n = document.createElement("span"); n.className = "muted small"; n.textContent = e.note; cell.append(document.createElement("br"), n); }
      }
      const at = row.querySelector('[data-cell="at"]');
      if (at) at.textContent = e.at || "—";
      const select = row.querySelector('select[name="status"]');
      if (select && document.activeElement !== select) select.value = e.status;
      const version = row.querySelector('input[name="version"]');
      if (version) version.value = e.version;
      row.classList.add("flash");
      setTimeout(() => row.classList.remove("flash"), 2000);
    });
  }
  function poll() {
    fetch(board.dataset.url + "?since=" + encodeURIComponent(since), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then((data) => { render(data); since = data.now; delay = 5000; })
      .catch(() => { delay = Math.min(delay * 2, 60000); })
      .finally(() => setTimeout(poll, document.hidden ? Math.max(delay, 30000) : delay));
  }
  setTimeout(poll, delay);
  // A refused status change (409: changed meanwhile; 400: bad input) still answers with the
  // row as it stands and the reason: show it rather than keep the stale row.
  document.body.addEventListener("htmx:beforeSwap", (evt) => {
    const status = evt.detail.xhr.status;
    if ((status === 409 || status === 400) && evt.detail.elt.closest("form.set-status")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
})();
