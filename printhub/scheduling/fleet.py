"""The fleet as arrays, for planners that place jobs one at a time (list scheduling).

`Fleet.options(job)` gives, for every printer that can take the job, when it would start
and end there, whether it needs a material change and how late the part would be ready;
`Fleet.place(job, printer)` books it. Every rule of the scenario lives here once, so the
planners differ only in the order they take jobs and the printer they choose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from printhub.scheduling.hours import NEVER, Calendar, NetworkCalendar, open_intervals
from printhub.scheduling.scenario import Job, Scenario

DAY_S = 86_400
MAX_HORIZON_S = 3 * 366 * DAY_S


@dataclass(frozen=True)
class Options:
    """Where one job could go: arrays over the printers that can take it."""

    printers: np.ndarray  # printer indices
    start: np.ndarray  # print start, s since the scenario's start
    end: np.ndarray
    change: np.ndarray  # bool: a material change (or fresh spool) first
    ready: np.ndarray  # at the pickup center
    lateness: np.ndarray  # s, ≥ 0


def horizon_s(scenario: Scenario) -> int:
    """How far opening hours are laid out: past the last due date by the work to do."""
    work = sum(job.duration_s for job in scenario.jobs)
    per_printer = work / max(1, len(scenario.printers))
    last = max([0] + [job.due_s for job in scenario.jobs])
    last = max(last, max([0] + [p.available_from_s for p in scenario.printers]))
    return int(min(MAX_HORIZON_S, last + 4 * per_printer + 30 * DAY_S))


class Fleet:
    def __init__(self, scenario: Scenario, horizon: int | None = None):
        self.scenario = scenario
        horizon = horizon_s(scenario) if horizon is None else horizon
        printers = scenario.printers
        self.center_ids = list(scenario.centers)
        center_index = {c: i for i, c in enumerate(self.center_ids)}
        self.calendars = [
            Calendar(open_intervals(scenario.centers[c], scenario.start, horizon))
            for c in self.center_ids
        ]
        self.network_calendar = NetworkCalendar(self.calendars)
        self.materials: dict[str, int] = {}
        self.center = np.array([center_index[p.center] for p in printers], dtype=np.int64)
        self.build = np.sort(np.array([p.build_mm for p in printers], dtype=float), axis=1)
        self.build = self.build.reshape(len(printers), 3)
        self.hardened = np.array([p.hardened for p in printers], dtype=bool)
        self.free_at = np.array([p.available_from_s for p in printers], dtype=np.int64)
        self.loaded = np.array(
            [self._material(p.loaded_material) for p in printers], dtype=np.int64
        )
        self.spool_left = np.array([p.spool_g_left for p in printers], dtype=float)
        self.change_s = int(scenario.material_change_s)
        self.transfer_s = int(scenario.transfer_s)
        self.spool_full_g = float(scenario.spool_full_g)
        self._compatible: dict[tuple, np.ndarray] = {}
        self._runs_by_material: dict[str, np.ndarray] = {}

    def _material(self, name: str | None) -> int:
        if name is None:
            return -1
        return self.materials.setdefault(name, len(self.materials))

    def compatible(self, job: Job) -> np.ndarray:
        """Indices of the printers whose build volume and nozzle suit the job."""
        key = (tuple(sorted(job.size_mm)), job.abrasive, job.material)
        found = self._compatible.get(key)
        if found is None:
            ok = np.all(self.build >= np.asarray(key[0]), axis=1) if len(self.build) else []
            ok = np.asarray(ok, dtype=bool)
            if job.abrasive:
                ok &= self.hardened
            ok &= self._runs(job.material)
            found = np.flatnonzero(ok)
            self._compatible[key] = found
        return found

    def _runs(self, material: str) -> np.ndarray:
        """Which printers may run this material (those without a list run anything)."""
        found = self._runs_by_material.get(material)
        if found is None:
            printers = self.scenario.printers
            found = np.array([p.materials is None or material in p.materials for p in printers])
            self._runs_by_material[material] = found.astype(bool)
        return self._runs_by_material[material]

    def why_not(self, job: Job) -> str | None:
        """Why no printer can take the job, or None when some can."""
        if job.filament_g > self.spool_full_g:
            return (
                f"needs {job.filament_g:g} g of filament, more than a full spool "
                f"({self.spool_full_g:g} g)"
            )
        if len(self.compatible(job)):
            return None
        size = " × ".join(f"{v:g}" for v in job.size_mm)
        fitting = np.all(self.build >= np.sort(job.size_mm), axis=1) if len(self.build) else []
        if not np.any(fitting):
            return f"too big for every printer ({size} mm in any rotation)"
        if job.abrasive and not np.any(np.asarray(fitting) & self.hardened):
            return "abrasive material: no printer that fits it has a hardened nozzle"
        return f"no printer that fits it runs {job.material}"

    def options(self, job: Job) -> Options:
        idx = self.compatible(job)
        material = self._material(job.material)
        change = (self.loaded[idx] != material) | (self.spool_left[idx] < job.filament_g)
        t = self.free_at[idx]
        centers = self.center[idx]
        # A start with and without a change for every printer (two searches), then the one
        # that applies: cheaper than searching each center's calendar apart.
        start = np.where(
            change,
            self.network_calendar.earliest_start(t, centers, self.change_s),
            self.network_calendar.earliest_start(t, centers, 0),
        )
        reachable = start < NEVER
        idx, start = idx[reachable], start[reachable]
        change, centers = change[reachable], centers[reachable]
        end = start + job.duration_s
        pickup = self.center_ids.index(job.pickup_center)
        ready = end + np.where(centers == pickup, 0, self.transfer_s)
        lateness = np.maximum(0, ready - job.due_s)
        return Options(idx, start, end, change, ready, lateness)

    def place(self, job: Job, options: Options, k: int) -> tuple[int, int, int, bool]:
        """Book option k of the job: (printer index, start, end, material change)."""
        printer = int(options.printers[k])
        change = bool(options.change[k])
        if change:
            self.loaded[printer] = self._material(job.material)
            self.spool_left[printer] = self.spool_full_g
        self.spool_left[printer] -= job.filament_g
        self.free_at[printer] = int(options.end[k])
        return printer, int(options.start[k]), int(options.end[k]), change
