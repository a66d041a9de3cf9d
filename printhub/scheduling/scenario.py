"""What a plan is made from: centers with opening hours, printers and jobs (no Django).

`load_scenario(data)` reads the scenario format of `printhub plan` (a dict, as parsed from
JSON) and checks it, raising ScenarioError with one line that names the field at fault.
Times are kept as seconds since the scenario's start (ints): the planners only add and
compare them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from itertools import pairwise, permutations
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScenarioError(ValueError):
    """A scenario that cannot be planned: the message names the field and the problem."""


@dataclass(frozen=True)
class Center:
    id: str
    timezone: ZoneInfo
    # Per weekday (0 = Monday), opening intervals as (start, end) minutes after midnight.
    hours: tuple[tuple[tuple[int, int], ...], ...]
    # Local dates the center stays closed (holidays), whatever the weekday's hours.
    closed: frozenset[dt.date] = frozenset()

    def hours_on(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        """Opening intervals of one local date."""
        return () if day in self.closed else self.hours[day.weekday()]


@dataclass(frozen=True)
class Printer:
    id: str
    center: str
    build_mm: tuple[float, float, float]
    nozzle_mm: float
    hardened: bool
    loaded_material: str | None
    spool_g_left: float
    available_from_s: int
    # The materials this printer may run (process, enclosure, listing); None: any.
    materials: frozenset[str] | None = None


@dataclass(frozen=True)
class Job:
    id: str
    material: str
    abrasive: bool
    size_mm: tuple[float, float, float]
    duration_s: int
    filament_g: float
    due_s: int
    priority: int
    pickup_center: str


@dataclass(frozen=True)
class Scenario:
    start: dt.datetime  # aware
    material_change_s: int
    transfer_s: int
    spool_full_g: float
    centers: dict[str, Center]
    printers: tuple[Printer, ...]
    jobs: tuple[Job, ...]

    def at(self, seconds: int) -> dt.datetime:
        """The moment `seconds` after the start (in the start's own offset)."""
        return self.start + dt.timedelta(seconds=int(seconds))

    def seconds(self, moment: dt.datetime) -> int:
        return math.floor((moment - self.start).total_seconds())


def fits(size_mm: tuple[float, float, float], build_mm: tuple[float, float, float]) -> bool:
    """Whether a part fits a build volume in some axis-aligned rotation."""
    return any(all(s <= b for s, b in zip(p, build_mm, strict=True)) for p in permutations(size_mm))


# --------------------------------------------------------------------------- reading


def _field(data: dict, name: str, where: str):
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected an object, got {type(data).__name__}")
    if name not in data:
        raise ScenarioError(f"{where}: '{name}' is missing")
    return data[name]


def _number(data: dict, name: str, where: str, *, minimum: float = 0.0) -> float:
    value = _field(data, name, where)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{where}.{name}: expected a number, got {value!r:.40}")
    if value < minimum:
        raise ScenarioError(f"{where}.{name}: must be at least {minimum:g}, got {value:g}")
    return float(value)


def _text(data: dict, name: str, where: str) -> str:
    value = _field(data, name, where)
    if not isinstance(value, str) or not value or "\x00" in value:
        raise ScenarioError(f"{where}.{name}: expected a non-empty text, got {value!r:.40}")
    return value


def _bool(data: dict, name: str, where: str, default: bool | None = None) -> bool:
    if default is not None and name not in data:
        return default
    value = _field(data, name, where)
    if not isinstance(value, bool):
        raise ScenarioError(f"{where}.{name}: expected true or false, got {value!r:.40}")
    return value


def _size(data: dict, name: str, where: str) -> tuple[float, float, float]:
    value = _field(data, name, where)
    ok = isinstance(value, list) and len(value) == 3
    ok = ok and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        for v in value
    )
    if not ok:
        raise ScenarioError(
            f"{where}.{name}: expected three positive numbers (mm), got {value!r:.60}"
        )
    return (float(value[0]), float(value[1]), float(value[2]))


def _moment(data: dict, name: str, where: str, zone: dt.tzinfo | None) -> dt.datetime:
    value = _text(data, name, where)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ScenarioError(
            f"{where}.{name}: not an ISO-8601 date and time: {value!r:.40}"
        ) from None
    if moment.tzinfo is None:
        if zone is None:
            raise ScenarioError(f"{where}.{name}: give a UTC offset, e.g. {value}+09:00")
        moment = moment.replace(tzinfo=zone)
    return moment


def _clock(text, where: str) -> int:
    """'09:30' → 570 minutes; '24:00' is the end of the day."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise ScenarioError(f"{where}: expected a time as HH:MM, got {text!r:.20}")
    try:
        hours, minutes = int(text[:2]), int(text[3:])
    except ValueError:
        raise ScenarioError(f"{where}: expected a time as HH:MM, got {text!r:.20}") from None
    if not (0 <= minutes < 60 and (0 <= hours < 24 or (hours == 24 and minutes == 0))):
        raise ScenarioError(f"{where}: no such time of day: {text}")
    return hours * 60 + minutes


def _center(data: dict, where: str) -> Center:
    center_id = _text(data, "id", where)
    zone_name = _text(data, "timezone", where)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScenarioError(f"{where}.timezone: unknown time zone {zone_name!r:.40}") from None
    hours = _field(data, "hours", where)
    if not isinstance(hours, dict):
        raise ScenarioError(f"{where}.hours: expected an object of weekdays")
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise ScenarioError(f"{where}.hours: unknown weekday {sorted(unknown)[0]!r:.20}")
    week = []
    for day in WEEKDAYS:
        intervals = hours.get(day, [])
        if not isinstance(intervals, list):
            raise ScenarioError(f"{where}.hours.{day}: expected a list of [open, close]")
        parsed = []
        for n, interval in enumerate(intervals):
            here = f"{where}.hours.{day}[{n}]"
            if not isinstance(interval, list) or len(interval) != 2:
                raise ScenarioError(f'{here}: expected ["HH:MM", "HH:MM"]')
            opens, closes = _clock(interval[0], here), _clock(interval[1], here)
            if closes <= opens:
                raise ScenarioError(f"{here}: closes before it opens")
            parsed.append((opens, closes))
        parsed.sort()
        for (_, end), (start, _) in pairwise(parsed):
            if start < end:
                raise ScenarioError(f"{where}.hours.{day}: opening intervals overlap")
        week.append(tuple(parsed))
    return Center(center_id, zone, tuple(week), _closed(data, where))


def _closed(data: dict, where: str) -> frozenset[dt.date]:
    """A center's optional list of closed dates ("YYYY-MM-DD")."""
    dates = data.get("closed", [])
    if not isinstance(dates, list):
        raise ScenarioError(f"{where}.closed: expected a list of dates")
    try:
        return frozenset(dt.date.fromisoformat(d) for d in dates)
    except (TypeError, ValueError):
        raise ScenarioError(f'{where}.closed: expected dates as "YYYY-MM-DD"') from None


def _materials(data: dict, where: str) -> frozenset[str] | None:
    """A printer's optional list of the materials it may run."""
    names = data.get("materials")
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ScenarioError(f"{where}.materials: expected a list of material names")
    return frozenset(names)


def _entries(data: dict, name: str):
    """(where, entry, id) of each entry of the scenario's list `name`; ids must be unique."""
    entries = _field(data, name, "scenario")
    if not isinstance(entries, list):
        raise ScenarioError(f"scenario.{name}: expected a list")
    seen = set()
    for n, raw in enumerate(entries):
        here = f"{name}[{n}]"
        entry_id = _text(raw, "id", here)
        if entry_id in seen:
            raise ScenarioError(f"{here}.id: {entry_id!r:.40} appears twice")
        seen.add(entry_id)
        yield here, raw, entry_id


def load_scenario(data: dict) -> Scenario:
    """A checked Scenario from the JSON form of `printhub plan` (see the module docstring)."""
    where = "scenario"
    if not isinstance(data, dict):
        raise ScenarioError("scenario: expected a JSON object")
    start = _moment(data, "start", where, None)
    material_change_s = int(_number(data, "material_change_s", where))
    transfer_s = int(_number(data, "transfer_s", where))
    spool_full_g = _number(data, "spool_full_g", where, minimum=1e-9)

    centers: dict[str, Center] = {}
    raw_centers = _field(data, "centers", where)
    if not isinstance(raw_centers, list) or not raw_centers:
        raise ScenarioError("scenario.centers: expected a non-empty list")
    for n, raw in enumerate(raw_centers):
        center = _center(raw, f"centers[{n}]")
        if center.id in centers:
            raise ScenarioError(f"centers[{n}].id: {center.id!r:.40} appears twice")
        centers[center.id] = center

    def seconds(moment: dt.datetime) -> int:
        return math.floor((moment - start).total_seconds())

    printers = []
    for here, raw, printer_id in _entries(data, "printers"):
        center = _text(raw, "center", here)
        if center not in centers:
            raise ScenarioError(f"{here}.center: no center {center!r:.40}")
        loaded = raw.get("loaded_material") if isinstance(raw, dict) else None
        if loaded is not None and (not isinstance(loaded, str) or not loaded):
            raise ScenarioError(f"{here}.loaded_material: expected a material or null")
        available = (
            _moment(raw, "available_from", here, centers[center].timezone)
            if "available_from" in raw
            else start
        )
        printers.append(
            Printer(
                id=printer_id,
                center=center,
                build_mm=_size(raw, "build_mm", here),
                nozzle_mm=_number(raw, "nozzle_mm", here, minimum=1e-9),
                hardened=_bool(raw, "hardened", here, default=False),
                loaded_material=loaded,
                spool_g_left=_number(raw, "spool_g_left", here) if loaded is not None else 0.0,
                available_from_s=max(0, seconds(available)),
                materials=_materials(raw, here),
            )
        )

    jobs = []
    for here, raw, job_id in _entries(data, "jobs"):
        pickup = _text(raw, "pickup_center", here)
        if pickup not in centers:
            raise ScenarioError(f"{here}.pickup_center: no center {pickup!r:.40}")
        priority = _number(raw, "priority", here, minimum=-1e9) if "priority" in raw else 0
        jobs.append(
            Job(
                id=job_id,
                material=_text(raw, "material", here),
                abrasive=_bool(raw, "abrasive", here, default=False),
                size_mm=_size(raw, "size_mm", here),
                duration_s=int(_number(raw, "duration_s", here, minimum=1)),
                filament_g=_number(raw, "filament_g", here),
                due_s=seconds(_moment(raw, "due", here, centers[pickup].timezone)),
                priority=int(priority),
                pickup_center=pickup,
            )
        )
    return Scenario(
        start=start,
        material_change_s=material_change_s,
        transfer_s=transfer_s,
        spool_full_g=spool_full_g,
        centers=centers,
        printers=tuple(printers),
        jobs=tuple(jobs),
    )
