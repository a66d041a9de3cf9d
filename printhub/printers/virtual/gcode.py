"""What the virtual printer reads from a G-code file: the slicer's own print-time estimate."""

from __future__ import annotations

import re

# PrusaSlicer writes e.g. "; estimated printing time (normal mode) = 1d 2h 3m 4s".
_ESTIMATE_RE = re.compile(rb"^;\s*estimated printing time \(normal mode\)\s*=\s*(.+?)\s*$", re.M)
_DURATION_RE = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$")


def estimated_print_time_s(gcode: bytes) -> float | None:
    """Seconds of PrusaSlicer's normal-mode estimate in ``gcode``; None if absent or unreadable."""
    match = _ESTIMATE_RE.search(gcode)
    if match is None:
        return None
    duration = _DURATION_RE.match(match.group(1).decode("ascii", "replace"))
    if duration is None or not any(duration.groups()):
        return None
    d, h, m, s = (int(part or 0) for part in duration.groups())
    return float(((d * 24 + h) * 60 + m) * 60 + s)
