"""When a job would be ready at a center: its queue and this job laid onto its opening hours.

Pure: weekly hours, closure dates and durations in; aware datetimes out. The rules:

- A print may only START while the center is open (someone clears the bed and starts it); it
  may run past closing and through the night. The next print on that printer starts when it
  has ended if the center is still open then, otherwise at the next opening.
- A print already running (a queued job in state "printing") occupies a printer from now
  for its estimated time (how far it has got is not known here: the whole estimate counts).
- The queue is spread over the suitable printers: each job, in order, goes to the printer
  that can start it first. Then each part of this job goes to the printer (of the chosen
  model) that would finish it first: one part per print.
- Post-processing is staff work: its hours are counted inside opening hours only, from the
  moment the last part is printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# How far ahead to look for an opening before deciding that a center never opens.
HORIZON_DAYS = 400


class NeverOpen(Exception):
    """The center has no open period within the horizon."""


class OpeningCalendar:
    """A center's open periods: weekly hours minus closure days, in one time zone."""

    def __init__(
        self,
        weekly: Mapping[int, Sequence[tuple[dt.time, dt.time]]],
        closed_days: Iterable[dt.date] = (),
        tz: dt.tzinfo = dt.UTC,
    ):
        """weekly : weekday (0 = Monday) → [(opens, closes), …]; closed_days : holidays."""
        self.weekly = {day: sorted(periods) for day, periods in weekly.items() if periods}
        self.closed_days = frozenset(closed_days)
        self.tz = tz
        self._days: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = {}

    def periods_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Open periods of a day as aware datetimes (none on a closure day)."""
        periods = self._days.get(day)
        if periods is None:
            if day in self.closed_days:
                periods = []
            else:
                periods = [
                    (
                        dt.datetime.combine(day, opens, tzinfo=self.tz),
                        dt.datetime.combine(day, closes, tzinfo=self.tz),
                    )
                    for opens, closes in self.weekly.get(day.weekday(), ())
                ]
            self._days[day] = periods
        return periods

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            raise ValueError("times must be aware (with a time zone)")
        return moment.astimezone(self.tz)

    def is_open(self, moment: dt.datetime) -> bool:
        """Whether the center is open at that moment."""
        local = self._local(moment)
        return any(start <= local < end for start, end in self.periods_on(local.date()))

    def next_open(self, moment: dt.datetime) -> dt.datetime:
        """The moment itself when open, else the start of the next open period (NeverOpen)."""
        local = self._local(moment)
        if not self.weekly:
            raise NeverOpen
        day = local.date()
        for _ in range(HORIZON_DAYS):
            for start, end in self.periods_on(day):
                if local < end:
                    return max(start, local)
            day += dt.timedelta(days=1)
        raise NeverOpen

    def add_open_time(self, moment: dt.datetime, seconds: float) -> dt.datetime:
        """The moment when `seconds` of open time have passed from `moment` (staff work)."""
        remaining = dt.timedelta(seconds=max(0.0, seconds))
        if not remaining:
            return moment
        local = self.next_open(moment)
        day = local.date()
        for _ in range(HORIZON_DAYS):
            for start, end in self.periods_on(day):
                if end <= local:
                    continue
                begin = max(start, local)
                if begin + remaining <= end:
                    return begin + remaining
                remaining -= end - begin
            day += dt.timedelta(days=1)
        raise NeverOpen


@dataclass(frozen=True)
class QueuedJob:
    """A job ahead in the queue: its estimated print time and whether it is printing now."""

    duration_s: float
    running: bool = False


@dataclass(frozen=True)
class LeadTime:
    """When this job's parts are printed and when it is ready, and the queue it waited for."""

    printed_at: dt.datetime
    ready_at: dt.datetime
    queue_s_per_printer: float  # print time queued ahead, per suitable printer


def _start_on(calendar: OpeningCalendar, free_at: dt.datetime) -> dt.datetime:
    return calendar.next_open(free_at)


def lead_time(
    calendar: OpeningCalendar,
    now: dt.datetime,
    printers: Sequence[object],
    queue: Sequence[QueuedJob],
    *,
    part_s: float,
    quantity: int,
    part_printers: Sequence[object] | None = None,
    post_processing_hours: float = 0.0,
) -> LeadTime:
    """Lay the queue and this job's parts onto the printers and the center's hours.

    printers : ids of the center's suitable, working printers (the queue is spread on them).
    part_printers : those of them that print this job (default: all).
    part_s : print time of one part; quantity parts, one per print.
    """
    if not printers:
        raise ValueError("a lead time needs at least one printer")
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    free = {p: now for p in printers}
    order = list(printers)
    for job in sorted(queue, key=lambda j: not j.running):  # running prints first
        if job.running:
            printer = min(order, key=lambda p: free[p])
            free[printer] = free[printer] + dt.timedelta(seconds=job.duration_s)
            continue
        starts = {p: _start_on(calendar, free[p]) for p in order}
        printer = min(order, key=lambda p: starts[p])
        free[printer] = starts[printer] + dt.timedelta(seconds=job.duration_s)
    ours = [p for p in (part_printers if part_printers is not None else order) if p in free]
    if not ours:
        raise ValueError("the printers of this job must be among the center's printers")
    printed_at = now
    duration = dt.timedelta(seconds=part_s)
    for _ in range(quantity):
        ends = {p: _start_on(calendar, free[p]) + duration for p in ours}
        printer = min(ours, key=lambda p: ends[p])
        free[printer] = ends[printer]
        printed_at = max(printed_at, ends[printer])
    ready_at = calendar.add_open_time(printed_at, post_processing_hours * 3600.0)
    queued = sum(j.duration_s for j in queue)
    return LeadTime(
        printed_at=printed_at, ready_at=ready_at, queue_s_per_printer=queued / len(order)
    )
