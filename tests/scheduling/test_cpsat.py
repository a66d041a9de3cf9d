"""CP-SAT over the near horizon: sound plans, never worse than the list plan, a fallback."""

from __future__ import annotations

import sys

from printhub.scheduling import check_plan, load_scenario, plan_jobs
from printhub.scheduling.generate import network_scenario
from printhub.scheduling.plan import objective

COST = 3600  # the default cost of a material change here (15-min changes)


def test_the_solver_plan_keeps_every_rule_and_is_no_worse():
    for seed in (1, 4):
        scenario = load_scenario(network_scenario(300, 30, seed))
        listed = plan_jobs(scenario, solver_time_s=0)
        solved = plan_jobs(scenario)
        assert check_plan(scenario, solved) == []
        assert objective(solved, COST) <= objective(listed, COST)
        assert {a.job for a in solved.assignments} == {a.job for a in listed.assignments}


def test_the_solver_improves_a_week():
    scenario = load_scenario(network_scenario(500, 40, 5))
    solved = plan_jobs(scenario)
    assert solved.method == "planner+cp-sat"
    assert objective(solved, COST) < objective(plan_jobs(scenario, solver_time_s=0), COST)


def test_the_same_scenario_gets_the_same_plan():
    scenario = load_scenario(network_scenario(200, 20, 3))
    assert plan_jobs(scenario).assignments == plan_jobs(scenario).assignments


def test_without_or_tools_the_list_plan_is_the_plan(monkeypatch):
    monkeypatch.setitem(sys.modules, "ortools.sat.python", None)  # import fails
    scenario = load_scenario(network_scenario(100, 10, 2))
    plan = plan_jobs(scenario)
    assert plan.method == "planner"
    assert plan.assignments == plan_jobs(scenario, solver_time_s=0).assignments
