// The desk's keyboard: Enter in the search box hands the pack to the only match (waiting for
// the results of what was just typed), arrows move between matches, Enter on one confirms it.
(function () {
  "use strict";
  const box = document.getElementById("desk-q");
  const results = document.getElementById("results");
  if (!box || !results) return;
  let confirmWhenShown = false;

  const choices = () => Array.from(results.querySelectorAll("button.result"));

  function settle() {
    const found = choices();
    if (found.length === 1) found[0].click();
    else if (found.length > 1) found[0].focus();
  }

  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      confirmWhenShown = true;
      htmx.trigger(box, "search-now");  // the delayed search would be late: ask now
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      const found = choices();
      if (found.length) found[0].focus();
    }
  });

  results.addEventListener("keydown", function (event) {
    const found = choices();
    const at = found.indexOf(document.activeElement);
    if (at < 0) return;
    if (event.key === "ArrowDown" && at + 1 < found.length) { event.preventDefault(); found[at + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? found[at - 1] : box).focus(); }
    if (event.key === "Escape") { box.focus(); box.select(); }
  });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // A search answered after the box was cleared (a pack was just handed over) is stale.
    if (event.detail.target === results && box.value.trim() === "") {
      event.detail.shouldSwap = false;
      results.innerHTML = "";
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "outcome") {  // ready for the next
      box.value = "";
      results.innerHTML = "";
      box.focus();
    }
  });

  // After the settle, not the swap: htmx wires up the new buttons' hx-post while settling
  // (the search swaps with `settle:0ms`, so a button is live as soon as it is shown).
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target === results && confirmWhenShown) {
      confirmWhenShown = false;
      settle();
    }
  });
})();
