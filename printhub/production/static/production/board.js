// Parts of the board refresh themselves (the cards every 2 s, the plan every 10 s), except
// while someone fills in a form there (an open <details>: a cancel reason, a spool to
// load) or has scrolled the timeline: a refresh would wipe the form or the scroll.
window.printhubBoardMayRefresh = function (part) {
  if (part.querySelector("details[open]")) return false;
  const timeline = part.querySelector(".timeline-scroll");
  if (timeline && timeline.scrollLeft > 0) return false;
  const active = document.activeElement;
  return !(active && part.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
};
