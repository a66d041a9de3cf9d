"""The near horizon, optimised by a real solver (OR-Tools CP-SAT) on top of the list planner.

The list planner (plan.py) places every job. Its earliest `near_jobs` assignments are
then handed to CP-SAT, which may move each of them to one of a few likely printers and
reorder every printer's queue, minimising lateness plus the cost of material changes:
per printer a circuit through its jobs (an arc between two jobs of different materials is
a change, and the next job starts at least `material_change_s` later), starts inside the
center's opening hours, readiness after a transfer when printed away from the pickup center.

The solver's answer is only an order: the plan is rebuilt from it by the same rules as every
other plan (fleet.py: spools, the change within opening hours, …), the later jobs placed
after it by the list planner's rule, and it is kept only when it is better. So a time-out,
a missing OR-Tools or a poor answer leaves the list planner's plan — the fallback.
"""

from __future__ import annotations

import numpy as np

from printhub.scheduling.fleet import Fleet
from printhub.scheduling.plan import Plan, Unassigned, book, objective
from printhub.scheduling.scenario import Scenario

MINUTE = 60


def improve_near_horizon(
    scenario: Scenario,
    plan: Plan,
    change_weight_s: int,
    change_cost_s: int,
    near_jobs: int = 40,
    printers_per_job: int = 4,
    time_limit_s: float = 2.0,
) -> Plan:
    """A better plan from CP-SAT over the near horizon, or `plan` itself."""
    try:
        from ortools.sat.python import cp_model
    except ImportError:  # the list plan is the fallback
        return plan
    if not plan.assignments:
        return plan
    index = {job.id: n for n, job in enumerate(scenario.jobs)}
    printer_index = {p.id: n for n, p in enumerate(scenario.printers)}
    by_start = sorted(plan.assignments, key=lambda a: (a.start_s, a.printer))
    near = by_start[:near_jobs]
    near_ids = {a.job for a in near}

    fleet = Fleet(scenario)
    jobs = [scenario.jobs[index[a.job]] for a in near]
    candidates = [
        _likely_printers(fleet, job, printer_index[a.printer], printers_per_job)
        for job, a in zip(jobs, near, strict=True)
    ]
    horizon = max(a.end_s for a in near) + 2 * 86_400
    horizon_m = _up(horizon)

    model = cp_model.CpModel()
    start = [model.NewIntVar(0, horizon_m, f"s{j}") for j in range(len(jobs))]
    duration = [_up(job.duration_s) for job in jobs]
    lateness = []
    on: dict[tuple[int, int], object] = {}
    for j, job in enumerate(jobs):
        choices = []
        transfer = []
        for p in candidates[j]:
            literal = model.NewBoolVar(f"x{j}_{p}")
            on[j, p] = literal
            choices.append(literal)
            center = int(fleet.center[p])
            windows = [
                (_up(o), (c - 1) // MINUTE)
                for o, c in fleet.calendars[center].intervals.tolist()
                if o < horizon and c - 1 >= o
            ]
            windows = [(a, b) for a, b in windows if a <= b]
            if not windows:
                model.Add(literal == 0)
                continue
            model.AddLinearExpressionInDomain(
                start[j], cp_model.Domain.FromIntervals(windows)
            ).OnlyEnforceIf(literal)
            away = fleet.center_ids[center] != job.pickup_center
            transfer.append((_up(scenario.transfer_s) if away else 0) * literal)
        model.AddExactlyOne(choices)
        late = model.NewIntVar(0, horizon_m + _up(scenario.transfer_s), f"late{j}")
        model.Add(late >= start[j] + duration[j] + sum(transfer) - _down(job.due_s))
        lateness.append(late)

    change_m = _up(scenario.material_change_s)
    changes = []
    for p in sorted({p for c in candidates for p in c}):
        mine = [j for j in range(len(jobs)) if (j, p) in on]
        arcs = []
        unused = model.NewBoolVar(f"unused{p}")
        arcs.append((0, 0, unused))
        loaded = int(fleet.loaded[p])
        for j in mine:
            node = j + 1
            arcs.append((node, node, on[j, p].Not()))
            first = model.NewBoolVar(f"first{p}_{j}")
            arcs.append((0, node, first))
            last = model.NewBoolVar(f"last{p}_{j}")
            arcs.append((node, 0, last))
            differs = fleet.materials.get(jobs[j].material, -2) != loaded
            setup = change_m if differs else 0
            model.Add(start[j] >= _up(int(fleet.free_at[p])) + setup).OnlyEnforceIf(first)
            if differs:
                changes.append(first)
            for i in mine:
                if i == j:
                    continue
                arc = model.NewBoolVar(f"a{p}_{i}_{j}")
                arcs.append((i + 1, node, arc))
                differs = jobs[i].material != jobs[j].material
                gap = duration[i] + (change_m if differs else 0)
                model.Add(start[j] >= start[i] + gap).OnlyEnforceIf(arc)
                if differs:
                    changes.append(arc)
        model.AddCircuit(arcs)

    weight_m = max(1, change_weight_s // MINUTE)
    model.Minimize(sum(lateness) + weight_m * sum(changes))
    # Start from the list plan's own answer.
    for j, a in enumerate(near):
        model.AddHint(start[j], _up(a.start_s))
        for p in candidates[j]:
            model.AddHint(on[j, p], int(p == printer_index[a.printer]))

    solver = cp_model.CpSolver()
    # One worker and a deterministic time budget: the same scenario gets the same plan
    # (the wall-clock limit only guards a much slower machine).
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    solver.parameters.max_deterministic_time = time_limit_s
    solver.parameters.max_time_in_seconds = 3 * time_limit_s
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return plan

    chosen = []
    for j in range(len(jobs)):
        p = next(p for p in candidates[j] if solver.Value(on[j, p]))
        chosen.append((solver.Value(start[j]), index[jobs[j].id], p))
    chosen.sort()
    # The later jobs in the order the list planner placed them.
    rest = [index[a.job] for a in plan.assignments if a.job not in near_ids]
    rebuilt = _replay(scenario, chosen, rest, change_weight_s, plan.unassigned)
    if rebuilt is None:
        return plan
    if objective(rebuilt, change_cost_s) < objective(plan, change_cost_s):
        return rebuilt
    return plan


def _likely_printers(fleet: Fleet, job, current: int, count: int) -> list[int]:
    """The planner's printer and the `count` others where the job would start soonest now."""
    options = fleet.options(job)
    order = np.lexsort((options.printers, options.start + options.change * fleet.change_s))
    picked = [int(options.printers[k]) for k in order[:count]]
    return sorted(set(picked) | {current})


def _replay(scenario, chosen, rest, change_weight_s, unassigned) -> Plan | None:
    """The plan from the solver's order (by the fleet's rules), then the rest as listed."""
    fleet = Fleet(scenario)
    plan = Plan("planner+cp-sat", unassigned=list(unassigned))

    for _, j, p in chosen:
        job = scenario.jobs[j]
        options = fleet.options(job)
        where = np.flatnonzero(options.printers == p)
        if len(where) == 0:
            return None
        book(plan, fleet, job, options, int(where[0]))
    for j in rest:
        job = scenario.jobs[j]
        options = fleet.options(job)
        if len(options.printers) == 0:
            plan.unassigned.append(Unassigned(job.id, "no printer opens within the horizon"))
            continue
        cost = options.lateness + change_weight_s * options.change
        book(plan, fleet, job, options, int(np.lexsort((options.printers, options.ready, cost))[0]))
    return plan


def _up(seconds) -> int:
    return -(-int(seconds) // MINUTE)


def _down(seconds) -> int:
    return int(seconds) // MINUTE
