"""Opening hours as intervals of seconds since the scenario's start, and the earliest start.

A print may start only while its center is open; when it needs a material change first,
the change is made by the operator right before it, so the change and the start both fall
in one opening interval. `Calendar.earliest_start(t, setup_s)` answers, for arrays of
moments, the earliest print start at or after `t + setup_s` that obeys that rule.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from printhub.scheduling.scenario import Center

NEVER = np.iinfo(np.int64).max // 4  # "no start in the horizon"; still safe to add to


def open_intervals(center: Center, start: dt.datetime, horizon_s: int) -> np.ndarray:
    """(k, 2) int64 [open, close) seconds since `start`, sorted, touching ones merged,
    covering [0, horizon_s] (local days of the center's time zone, DST-safe)."""
    local_start = start.astimezone(center.timezone)
    day = local_start.date() - dt.timedelta(days=1)
    last_day = (start + dt.timedelta(seconds=horizon_s)).astimezone(center.timezone).date()
    intervals: list[list[int]] = []
    while day <= last_day:
        for opens, closes in center.hours_on(day):
            begin = _at(day, opens, center)
            end = _at(day, closes, center)
            a = int((begin - start).total_seconds())
            b = int((end - start).total_seconds())
            if b <= 0:
                continue
            a = max(a, 0)
            if intervals and intervals[-1][1] >= a:
                intervals[-1][1] = max(intervals[-1][1], b)
            else:
                intervals.append([a, b])
        day += dt.timedelta(days=1)
    if not intervals:
        return np.zeros((0, 2), dtype=np.int64)
    return np.asarray(intervals, dtype=np.int64)


def _at(day: dt.date, minutes: int, center: Center) -> dt.datetime:
    # Wall-clock arithmetic (Python adds timedeltas to aware times on the wall clock): a
    # DST day's 09:00 is still 09:00, and 24:00 is the next midnight.
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=center.timezone)
    return midnight + dt.timedelta(minutes=minutes)


class Calendar:
    """A center's opening intervals over a horizon, searchable for many moments at once."""

    def __init__(self, intervals: np.ndarray):
        self.intervals = intervals
        self._by_setup: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _for_setup(self, setup_s: int) -> tuple[np.ndarray, np.ndarray]:
        """Opens of the intervals long enough for the setup, and their last setup moment."""
        found = self._by_setup.get(setup_s)
        if found is None:
            opens, closes = self.intervals[:, 0], self.intervals[:, 1]
            # The print must start before closing: the setup begins by close - setup - 1.
            long_enough = closes - opens > setup_s
            found = (opens[long_enough], closes[long_enough] - setup_s)
            self._by_setup[setup_s] = found
        return found

    def earliest_start(self, t: np.ndarray | int, setup_s: int = 0) -> np.ndarray:
        """Earliest print starts: setup begins at c ≥ t in an interval [o, e) with c ≥ o,
        and the print starts at c + setup_s < e. NEVER where the horizon has none."""
        opens, last = self._for_setup(int(setup_s))
        t = np.asarray(t, dtype=np.int64)
        index = np.searchsorted(last, t, side="right")  # first interval with last > t
        inside = index < len(last)
        safe = np.minimum(index, max(len(last) - 1, 0))
        if len(last) == 0:
            return np.full(t.shape, NEVER, dtype=np.int64)
        begin = np.maximum(t, opens[safe])
        return np.where(inside, begin + setup_s, NEVER)

    def is_open_for(self, setup_begin: int, start: int) -> bool:
        """Whether [setup_begin, start] lies in one opening interval with start before close."""
        k = int(np.searchsorted(self.intervals[:, 1], setup_begin, side="right"))
        if k >= len(self.intervals):
            return False
        opens, closes = self.intervals[k]
        return bool(opens <= setup_begin and start < closes)


class NetworkCalendar:
    """Every center's calendar in one sorted array, so that the earliest starts of printers
    at several centers are one search (a planner asks this for every job it places).

    Center c's moments are shifted by c × SPAN; SPAN (about 35,000 years of seconds) keeps
    the centers apart for any moment a scenario can hold.
    """

    SPAN = 1 << 40

    def __init__(self, calendars: list[Calendar]):
        self.calendars = calendars
        self._by_setup: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _for_setup(self, setup_s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        found = self._by_setup.get(setup_s)
        if found is None:
            opens, last, ends = [], [], []
            for c, calendar in enumerate(self.calendars):
                starts, lasts = calendar._for_setup(setup_s)
                opens.append(starts + c * self.SPAN)
                last.append(lasts + c * self.SPAN)
                ends.append(len(lasts))
            empty = np.zeros(0, dtype=np.int64)
            found = (
                np.concatenate(opens) if opens else empty,
                np.concatenate(last) if last else empty,
                np.cumsum(np.asarray(ends, dtype=np.int64)),  # one past each center's last
            )
            self._by_setup[setup_s] = found
        return found

    def earliest_start(self, t: np.ndarray, centers: np.ndarray, setup_s: int = 0) -> np.ndarray:
        """`Calendar.earliest_start` for moments `t` at the given center indices."""
        opens, last, ends = self._for_setup(int(setup_s))
        t = np.asarray(t, dtype=np.int64)
        if len(last) == 0:
            return np.full(t.shape, NEVER, dtype=np.int64)
        shift = np.asarray(centers, dtype=np.int64) * self.SPAN
        index = np.searchsorted(last, t + shift, side="right")
        inside = index < ends[centers]  # else past this center's last interval
        safe = np.minimum(index, len(last) - 1)
        begin = np.maximum(t, opens[safe] - shift)
        return np.where(inside, begin + setup_s, NEVER)
