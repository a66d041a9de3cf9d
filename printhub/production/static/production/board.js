// The board's cards refresh every 2 s, except while someone fills in a form on them
// (an open <details>: a cancel reason, a spool to load) — a refresh would wipe it.
window.printhubBoardMayRefresh = function (cards) {
  if (cards.querySelector("details[open]")) return false;
  const active = document.activeElement;
  return !(active && cards.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
};
