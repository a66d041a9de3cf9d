"""Plans: the network-wide planner and the greedy dispatcher it is measured against.

- `greedy_plan`: what today's farm tools do — jobs first-in-first-out (the scenario's
  order), each to the compatible printer that can start it soonest.
- `plan_jobs`: jobs by due date (then priority), those few printers can take first; each
  to the printer where it is least late, a material change counting as some lateness,
  then where it is ready soonest — the best of a few such passes, then the near horizon
  reworked by CP-SAT (cpsat.py).

Both place every job under the same rules (fleet.py): a print starts only while its
center is open, a material change comes right before its print within opening hours,
abrasive materials need a hardened nozzle, parts must fit in some rotation, spools must
hold what the job needs. Metrics and an independent check of any plan: check.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from printhub.scheduling.fleet import Fleet
from printhub.scheduling.scenario import Scenario


@dataclass(frozen=True)
class Assignment:
    job: str
    printer: str
    start_s: int
    end_s: int
    material_change: bool


@dataclass(frozen=True)
class Unassigned:
    job: str
    reason: str


@dataclass
class Plan:
    method: str
    assignments: list[Assignment] = field(default_factory=list)
    unassigned: list[Unassigned] = field(default_factory=list)
    # As the planner counted them while placing (check.plan_metrics recounts independently).
    total_lateness_s: int = 0
    material_changes: int = 0


def _run(scenario: Scenario, order, choose, method: str) -> Plan:
    fleet = Fleet(scenario)
    plan = Plan(method)
    for j in order:
        job = scenario.jobs[j]
        reason = fleet.why_not(job)
        if reason is None:
            options = fleet.options(job)
            if len(options.printers) == 0:
                reason = "no printer that can take it opens within the planning horizon"
        if reason is not None:
            plan.unassigned.append(Unassigned(job.id, reason))
            continue
        book(plan, fleet, job, options, choose(options))
    return plan


def book(plan: Plan, fleet: Fleet, job, options, k: int) -> None:
    """Place the job at option k on the fleet and write it, and its figures, into the plan."""
    plan.total_lateness_s += int(options.lateness[k])
    printer, start, end, change = fleet.place(job, options, k)
    plan.material_changes += change
    plan.assignments.append(
        Assignment(job.id, fleet.scenario.printers[printer].id, start, end, change)
    )


def greedy_plan(scenario: Scenario) -> Plan:
    """First in, first out; each job on the compatible printer that starts it soonest."""
    return _run(
        scenario,
        range(len(scenario.jobs)),
        lambda options: int(np.lexsort((options.printers, options.start))[0]),
        "greedy",
    )


def objective(plan: Plan, change_cost_s: int) -> int:
    """What the planner minimises: lateness (s) plus a cost per material change."""
    return (
        len(plan.unassigned) * 10**12
        + plan.total_lateness_s
        + change_cost_s * plan.material_changes
    )


def _by_due(scenario: Scenario, jobs) -> list[int]:
    return sorted(jobs, key=lambda j: (scenario.jobs[j].due_s, -scenario.jobs[j].priority, j))


def _edd(scenario: Scenario, fleet: Fleet, scarce: int) -> list[int]:
    """Due date order; with scarce > 0, jobs that at most `scarce` printers can take first
    (so that the few big or hardened printers are not filled with jobs that could go
    elsewhere before the jobs that need them)."""
    everything = range(len(scenario.jobs))
    if scarce <= 0:
        return _by_due(scenario, everything)
    few = [j for j in everything if len(fleet.compatible(scenario.jobs[j])) <= scarce]
    chosen = set(few)
    return _by_due(scenario, few) + _by_due(scenario, [j for j in everything if j not in chosen])


def plan_one(scenario: Scenario, change_weight_s: int, scarce: int = 0) -> Plan:
    """One pass: jobs in due-date order (scarce ones first), each where it is least late,
    a material change counting as `change_weight_s` of lateness."""
    order = _edd(scenario, Fleet(scenario), scarce)

    def choose(options) -> int:
        cost = options.lateness + change_weight_s * options.change
        return int(np.lexsort((options.printers, options.ready, cost))[0])

    return _run(scenario, order, choose, "planner")


def plan_jobs(
    scenario: Scenario,
    change_cost_s: int | None = None,
    *,
    solver_time_s: float = 2.0,
) -> Plan:
    """The best of a few list passes (weights of a material change; scarce jobs first or
    not) by total lateness plus `change_cost_s` per material change (default: an hour, or
    twice the change itself when that is longer); then CP-SAT reworks the near horizon for
    up to `solver_time_s` (0: not at) and its plan is kept when it is better (cpsat.py)."""
    cost = max(2 * scenario.material_change_s, 3600) if change_cost_s is None else change_cost_s
    scarce = max(1, len(scenario.printers) // 10)
    passes = [(0, scarce), (cost // 4, scarce), (cost // 2, scarce), (cost, scarce), (cost // 4, 0)]
    best, best_weight = None, 0
    for weight, few in passes:
        candidate = plan_one(scenario, weight, few)
        if best is None or objective(candidate, cost) < objective(best, cost):
            best, best_weight = candidate, weight
    if solver_time_s > 0:
        from printhub.scheduling.cpsat import improve_near_horizon

        best = improve_near_horizon(scenario, best, best_weight, cost, time_limit_s=solver_time_s)
    return best
