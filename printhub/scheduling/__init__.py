"""Network-wide production planning (no Django): which printer prints which job, and when.

    from printhub.scheduling import load_scenario, plan_jobs, plan_to_dict
    scenario = load_scenario(json.load(open("scenario.json")))
    plan = plan_jobs(scenario)
    plan_to_dict(scenario, plan)   # the JSON form of `printhub plan --json`

scenario.py reads and checks the scenario format; fleet.py holds the rules (opening hours,
material changes, nozzles, build volumes, spools); plan.py has the list planner and the
greedy dispatcher it is measured against; cpsat.py reworks the near horizon with OR-Tools
CP-SAT (the list plan is the fallback); check.py verifies and measures any plan on its own.
"""

from __future__ import annotations

from printhub.scheduling.check import check_plan, plan_metrics
from printhub.scheduling.plan import Assignment, Plan, Unassigned, greedy_plan, plan_jobs
from printhub.scheduling.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "Assignment",
    "Plan",
    "Scenario",
    "ScenarioError",
    "Unassigned",
    "check_plan",
    "greedy_plan",
    "load_scenario",
    "plan_jobs",
    "plan_metrics",
    "plan_to_dict",
]


def plan_to_dict(scenario: Scenario, plan: Plan) -> dict:
    """The plan as `printhub plan --json` prints it (times ISO-8601 in the start's offset)."""
    metrics = plan_metrics(scenario, plan)
    return {
        "assignments": [
            {
                "job": a.job,
                "printer": a.printer,
                "start": scenario.at(a.start_s).isoformat(),
                "end": scenario.at(a.end_s).isoformat(),
                "material_change": a.material_change,
            }
            for a in sorted(plan.assignments, key=lambda a: (a.start_s, a.printer))
        ],
        "unassigned": [{"job": u.job, "reason": u.reason} for u in plan.unassigned],
        "metrics": {
            "total_lateness_s": metrics["total_lateness_s"],
            "material_changes": metrics["material_changes"],
            "makespan_s": metrics["makespan_s"],
            "late_jobs": metrics["late_jobs"],
        },
        "method": plan.method,
    }
