// Evidence-based proposals beside a likelihood: "Use the proposal" sets the select it names
// (nothing is saved until the officer saves), and on a risk's form the proposal shown follows
// the threat category chosen. Without JavaScript the proposals are read and the select is
// set by hand.
(function () {
  function start() {
    document.querySelectorAll("[data-use-proposal]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        const select = document.getElementById(button.dataset.target);
        if (!select) return;
        select.value = button.dataset.useProposal;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        select.focus();
      });
    });
    const category = document.getElementById("id_threat_category");
    if (!category) return;
    const proposals = document.querySelectorAll("[data-category]");
    const follow = () => {
      const known = Array.from(proposals).some((p) => p.dataset.category === category.value);
      proposals.forEach((p) => { p.hidden = known && p.dataset.category !== category.value; });
    };
    category.addEventListener("change", follow);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
