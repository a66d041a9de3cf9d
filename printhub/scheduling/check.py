"""Check any plan against the scenario's rules, and measure it, independently of the planners.

The rules are re-read from the scenario here with plain datetimes (not the planners'
interval arrays): opening hours are tested on the center's wall clock. `check_plan`
returns the broken rules (empty when the plan is sound); `plan_metrics` the figures of
`printhub plan --json`: total lateness (s), material changes, makespan (s).
"""

from __future__ import annotations

import datetime as dt

from printhub.scheduling.plan import Plan
from printhub.scheduling.scenario import Center, Scenario, fits


def _open_at(center: Center, moment: dt.datetime, until: dt.datetime) -> bool:
    """Whether one opening interval of the center holds [moment, until] with until < close.

    Intervals that touch across midnight (…–24:00 then 00:00–…) count as one."""
    local = moment.astimezone(center.timezone)
    day = local.date()
    for offset in (-1, 0):
        d = day + dt.timedelta(days=offset)
        for opens, closes in center.hours_on(d):
            begin = dt.datetime.combine(d, dt.time(), tzinfo=center.timezone)
            a, b = begin + dt.timedelta(minutes=opens), begin + dt.timedelta(minutes=closes)
            if a <= moment and until < b:
                return True
            if a <= moment < b and closes == 24 * 60:
                # Runs on into the next day's interval from midnight, if any.
                nxt = d + dt.timedelta(days=1)
                for o2, c2 in center.hours_on(nxt):
                    if o2 == 0:
                        b2 = dt.datetime.combine(nxt, dt.time(), tzinfo=center.timezone)
                        if until < b2 + dt.timedelta(minutes=c2):
                            return True
    return False


def _simulate(scenario: Scenario, plan: Plan):
    """Walk each printer's prints in time order: (problems, changes, readiness by job)."""
    problems: list[str] = []
    jobs = {job.id: job for job in scenario.jobs}
    printers = {printer.id: printer for printer in scenario.printers}
    seen: set[str] = set()
    by_printer: dict[str, list] = {}
    for a in plan.assignments:
        if a.job not in jobs:
            problems.append(f"{a.job}: no such job")
            continue
        if a.job in seen:
            problems.append(f"{a.job}: planned twice")
        seen.add(a.job)
        if a.printer not in printers:
            problems.append(f"{a.job}: no such printer {a.printer}")
            continue
        by_printer.setdefault(a.printer, []).append(a)
    for u in plan.unassigned:
        if u.job in seen:
            problems.append(f"{u.job}: both planned and unassigned")
        seen.add(u.job)
    missing = set(jobs) - seen
    if missing:
        problems.append(f"jobs left out of the plan: {', '.join(sorted(missing)[:5])}")

    changes = 0
    ready: dict[str, int] = {}
    for printer_id, assignments in by_printer.items():
        printer = printers[printer_id]
        center = scenario.centers[printer.center]
        loaded, spool = printer.loaded_material, printer.spool_g_left
        free = printer.available_from_s
        for a in sorted(assignments, key=lambda a: a.start_s):
            job = jobs[a.job]
            where = f"{job.id} on {printer_id}"
            if a.end_s - a.start_s != job.duration_s:
                problems.append(f"{where}: lasts {a.end_s - a.start_s} s, not {job.duration_s}")
            if not fits(job.size_mm, printer.build_mm):
                problems.append(f"{where}: does not fit the build volume")
            if job.abrasive and not printer.hardened:
                problems.append(f"{where}: abrasive material on a soft nozzle")
            if printer.materials is not None and job.material not in printer.materials:
                problems.append(f"{where}: the printer does not run {job.material}")
            change = loaded != job.material or spool < job.filament_g
            setup_begin = a.start_s - (scenario.material_change_s if change else 0)
            if setup_begin < free:
                problems.append(f"{where}: starts before the printer is free")
            if not _open_at(center, scenario.at(setup_begin), scenario.at(a.start_s)):
                problems.append(f"{where}: starts while {printer.center} is closed")
            if change:
                changes += 1
                loaded, spool = job.material, scenario.spool_full_g
                if spool < job.filament_g:
                    problems.append(f"{where}: needs more than a full spool")
            spool -= job.filament_g
            free = a.end_s
            transfer = 0 if printer.center == job.pickup_center else scenario.transfer_s
            ready[job.id] = a.end_s + transfer
    return problems, changes, ready


def check_plan(scenario: Scenario, plan: Plan) -> list[str]:
    """The rules the plan breaks (an empty list for a sound plan)."""
    return _simulate(scenario, plan)[0]


def plan_metrics(scenario: Scenario, plan: Plan) -> dict:
    """total_lateness_s, material_changes, makespan_s (and late jobs, unassigned)."""
    _, changes, ready = _simulate(scenario, plan)
    due = {job.id: job.due_s for job in scenario.jobs}
    lateness = [max(0, ready[j] - due[j]) for j in ready]
    return {
        "total_lateness_s": int(sum(lateness)),
        "late_jobs": sum(1 for x in lateness if x > 0),
        "material_changes": changes,
        "makespan_s": max((a.end_s for a in plan.assignments), default=0),
        "assigned": len(plan.assignments),
        "unassigned": len(plan.unassigned),
    }
