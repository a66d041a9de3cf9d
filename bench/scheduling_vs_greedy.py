"""The network planner against a greedy dispatcher, on generated weeks of the four centers.

The peer is what today's farm tools do: jobs first-in-first-out, each to the compatible
printer that can start it soonest (`printhub.scheduling.greedy_plan`), under the same rules.
Both plans are checked (`check_plan`) and measured (`plan_metrics`) the same way.

    python -m bench.scheduling_vs_greedy
"""

from __future__ import annotations

import time

from bench.harness import Section, fmt_s
from printhub.scheduling import check_plan, greedy_plan, load_scenario, plan_jobs, plan_metrics
from printhub.scheduling.generate import network_scenario

WEEK_SEEDS = (1, 2, 3, 4, 5)
LATENESS_TARGET = 0.5
CHANGES_TARGET = 0.7
BIG_TARGET_S = 10.0


def _measure(scenario, method):
    start = time.perf_counter()
    made = method(scenario)
    elapsed = time.perf_counter() - start
    problems = check_plan(scenario, made)
    if problems:
        raise RuntimeError(f"{method.__name__} broke a rule: {problems[0]}")
    return plan_metrics(scenario, made), elapsed


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:,.1f} h"


def run() -> Section:
    rows = [
        "| scenario | printhub: lateness, late jobs, changes, time | greedy: lateness, late "
        "jobs, changes, time | lateness ratio | changes ratio |",
        "|---|---|---|---|---|",
    ]
    late_sum = {"ours": 0, "theirs": 0}
    change_sum = {"ours": 0, "theirs": 0}
    for seed in WEEK_SEEDS:
        scenario = load_scenario(network_scenario(500, 40, seed))
        ours, ours_s = _measure(scenario, plan_jobs)
        theirs, theirs_s = _measure(scenario, greedy_plan)
        late_sum["ours"] += ours["total_lateness_s"]
        late_sum["theirs"] += theirs["total_lateness_s"]
        change_sum["ours"] += ours["material_changes"]
        change_sum["theirs"] += theirs["material_changes"]
        rows.append(
            f"| 500 jobs / 40 printers, seed {seed} | {_hours(ours['total_lateness_s'])}, "
            f"{ours['late_jobs']}, {ours['material_changes']}, {fmt_s(ours_s)} | "
            f"{_hours(theirs['total_lateness_s'])}, {theirs['late_jobs']}, "
            f"{theirs['material_changes']}, {fmt_s(theirs_s)} | "
            f"{ours['total_lateness_s'] / max(1, theirs['total_lateness_s']):.2f} | "
            f"{ours['material_changes'] / max(1, theirs['material_changes']):.2f} |"
        )
    start = time.perf_counter()
    big = load_scenario(network_scenario(5000, 200, 1))
    load_s = time.perf_counter() - start
    big_ours, big_s = _measure(big, plan_jobs)
    big_theirs, big_greedy_s = _measure(big, greedy_plan)
    rows.append(
        f"| 5,000 jobs / 200 printers | {_hours(big_ours['total_lateness_s'])}, "
        f"{big_ours['late_jobs']}, {big_ours['material_changes']}, {fmt_s(big_s)} | "
        f"{_hours(big_theirs['total_lateness_s'])}, {big_theirs['late_jobs']}, "
        f"{big_theirs['material_changes']}, {fmt_s(big_greedy_s)} | "
        f"{big_ours['total_lateness_s'] / max(1, big_theirs['total_lateness_s']):.2f} | "
        f"{big_ours['material_changes'] / max(1, big_theirs['material_changes']):.2f} |"
    )
    per_printer_h = sum(j.duration_s for j in big.jobs) / len(big.printers) / 3600
    late_ratio = late_sum["ours"] / max(1, late_sum["theirs"])
    change_ratio = change_sum["ours"] / max(1, change_sum["theirs"])
    markdown = "\n".join(
        [
            "Generated weeks of the four centers (`printhub.scheduling.generate`: 45% plain "
            "MK3S, 25% hardened MK3S, 20% MINI, 10% Voron; a fifth of the orders carbon-fibre; "
            "due half a day to three days after arrival; 15-min material changes; a day to move "
            "a part between centers). Lateness is readiness at the pickup center minus due, "
            "summed; both plans pass the same rule check.",
            "",
            *rows,
            "",
            f"Over the five weeks: lateness {late_ratio:.3f}× greedy's, material changes "
            f"{change_ratio:.2f}× greedy's. The 5,000-job plan took {fmt_s(big_s)} "
            f"(+{fmt_s(load_s)} to read the scenario); it holds {per_printer_h:.0f} h of "
            "printing per printer due within the week, more than the centers' hours allow, "
            "so both plans are late there.",
        ]
    )
    targets = [
        (
            f"lateness {late_ratio:.3f}× greedy's on 500-job / 40-printer weeks "
            f"(target ≤ {LATENESS_TARGET})",
            late_ratio <= LATENESS_TARGET,
        ),
        (
            f"material changes {change_ratio:.2f}× greedy's (target ≤ {CHANGES_TARGET})",
            change_ratio <= CHANGES_TARGET,
        ),
        (
            f"5,000-job / 200-printer plan in {fmt_s(big_s)} (target ≤ {BIG_TARGET_S:.0f} s)",
            big_s <= BIG_TARGET_S,
        ),
    ]
    return Section(
        title="Scheduling: printhub's planner vs a greedy dispatcher",
        command="python -m bench.scheduling_vs_greedy",
        markdown=markdown,
        targets=targets,
    )


if __name__ == "__main__":
    print(run().summary())
