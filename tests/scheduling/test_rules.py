"""The scheduling rules on small hand-made scenarios, and the checker that enforces them."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from printhub.scheduling import (
    ScenarioError,
    check_plan,
    greedy_plan,
    load_scenario,
    plan_jobs,
    plan_metrics,
    plan_to_dict,
)

WEEKDAYS_9_TO_18 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def scenario(**changes) -> dict:
    """Monday 08:00 in Seoul; one center open 09–18 on weekdays; one MK3S with PLA."""
    base = {
        "start": "2026-12-07T08:00:00+09:00",
        "material_change_s": 900,
        "transfer_s": 86400,
        "spool_full_g": 1000,
        "centers": [
            {"id": "jeonju", "timezone": "Asia/Seoul", "hours": WEEKDAYS_9_TO_18},
            {"id": "gunsan", "timezone": "Asia/Seoul", "hours": WEEKDAYS_9_TO_18},
        ],
        "printers": [
            {
                "id": "mk3s",
                "center": "jeonju",
                "build_mm": [250, 210, 210],
                "nozzle_mm": 0.4,
                "hardened": False,
                "loaded_material": "pla",
                "spool_g_left": 500,
                "available_from": "2026-12-07T08:00:00+09:00",
            }
        ],
        "jobs": [],
    }
    base.update(changes)
    return copy.deepcopy(base)


def job(job_id="a", **changes) -> dict:
    base = {
        "id": job_id,
        "material": "pla",
        "abrasive": False,
        "size_mm": [50, 50, 50],
        "duration_s": 3600,
        "filament_g": 20,
        "due": "2026-12-09T18:00:00+09:00",
        "priority": 0,
        "pickup_center": "jeonju",
    }
    return base | changes


def planned(data: dict, method=plan_jobs) -> dict:
    s = load_scenario(data)
    made = method(s)
    assert check_plan(s, made) == []
    return plan_to_dict(s, made)


@pytest.mark.parametrize("method", [plan_jobs, greedy_plan])
def test_the_first_print_waits_for_the_opening(method):
    out = planned(scenario(jobs=[job()]), method)
    assert out["assignments"][0]["start"] == "2026-12-07T09:00:00+09:00"
    assert out["metrics"]["material_changes"] == 0


@pytest.mark.parametrize("method", [plan_jobs, greedy_plan])
def test_a_print_runs_past_closing_and_the_next_waits_for_the_morning(method):
    long = job("long", duration_s=8 * 3600 + 1800)  # 09:00 → 17:30
    night = job("night", duration_s=4 * 3600, due="2026-12-10T18:00:00+09:00")  # 17:30 → 21:30
    after = job("after", due="2026-12-11T18:00:00+09:00")
    out = planned(scenario(jobs=[long, night, after]), method)
    starts = {a["job"]: (a["start"], a["end"]) for a in out["assignments"]}
    assert starts["night"] == ("2026-12-07T17:30:00+09:00", "2026-12-07T21:30:00+09:00")
    assert starts["after"][0] == "2026-12-08T09:00:00+09:00"


def test_a_print_does_not_start_at_closing_time():
    first = job("first", duration_s=9 * 3600)  # ends 18:00 sharp: closed
    second = job("second", due="2026-12-10T18:00:00+09:00")
    out = planned(scenario(jobs=[first, second]))
    starts = {a["job"]: a["start"] for a in out["assignments"]}
    assert starts["second"] == "2026-12-08T09:00:00+09:00"


def test_a_material_change_comes_first_and_counts():
    out = planned(scenario(jobs=[job(material="petg")]))
    assert out["assignments"][0]["start"] == "2026-12-07T09:15:00+09:00"
    assert out["assignments"][0]["material_change"] is True
    assert out["metrics"]["material_changes"] == 1


def test_an_empty_spool_is_a_change_too():
    out = planned(scenario(jobs=[job(filament_g=600)]))  # 500 g left
    assert out["metrics"]["material_changes"] == 1


def test_a_part_made_elsewhere_is_ready_after_the_transfer():
    late = job(pickup_center="gunsan", due="2026-12-07T12:00:00+09:00")
    out = planned(scenario(jobs=[late]))
    # Printed 09:00–10:00 at Jeonju, at Gunsan a day later: 22 h late.
    assert out["metrics"]["total_lateness_s"] == 22 * 3600


def test_jobs_no_printer_can_take_are_left_out_with_the_reason():
    data = scenario(
        jobs=[
            job("big", size_mm=[300, 100, 100]),
            job("cf", material="pla-cf", abrasive=True),
            job("heavy", filament_g=1200),
            job("fine"),
        ]
    )
    out = planned(data)
    reasons = {u["job"]: u["reason"] for u in out["unassigned"]}
    assert "too big for every printer" in reasons["big"]
    assert "hardened nozzle" in reasons["cf"]
    assert "more than a full spool" in reasons["heavy"]
    assert [a["job"] for a in out["assignments"]] == ["fine"]


def test_a_part_fits_in_another_rotation():
    out = planned(scenario(jobs=[job(size_mm=[200, 240, 20])]))
    assert out["unassigned"] == []


def test_a_center_open_across_midnight():
    hours = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    data = scenario(jobs=[job("a", duration_s=16 * 3600 + 1800), job("b")])
    data["centers"][0]["hours"] = hours
    out = planned(data)
    starts = {a["job"]: a["start"] for a in out["assignments"]}
    assert starts["a"] == "2026-12-07T08:00:00+09:00"
    assert starts["b"] == "2026-12-08T00:30:00+09:00"


def test_opening_hours_follow_the_centers_clock_across_dst():
    # Berlin leaves summer time on 2026-10-25: 09:00 local is 08:00 UTC from that day.
    data = scenario(start="2026-10-24T00:00:00+00:00", jobs=[job(due="2026-10-30T00:00:00+00:00")])
    data["centers"][0] = {
        "id": "jeonju",
        "timezone": "Europe/Berlin",
        "hours": {"sun": [["09:00", "10:00"]]},
    }
    data["printers"][0]["available_from"] = "2026-10-24T00:00:00+00:00"
    out = planned(data)
    assert out["assignments"][0]["start"] == "2026-10-25T08:00:00+00:00"


# --- the checker catches broken rules -------------------------------------------------


def _broken(data, **change):
    s = load_scenario(data)
    made = plan_jobs(s)
    made.assignments[0] = dataclasses.replace(made.assignments[0], **change)
    return check_plan(s, made)


def test_the_checker_refuses_a_start_while_closed():
    problems = _broken(scenario(jobs=[job()]), start_s=0, end_s=3600)  # 08:00
    assert any("closed" in p for p in problems)


def test_the_checker_refuses_overlapping_prints():
    s = load_scenario(scenario(jobs=[job("a"), job("b")]))
    made = plan_jobs(s)
    first = made.assignments[0]
    made.assignments[1] = dataclasses.replace(
        made.assignments[1], start_s=first.start_s + 60, end_s=first.start_s + 60 + 3600
    )
    assert any("before the printer is free" in p for p in check_plan(s, made))


def test_the_checker_refuses_a_soft_nozzle_and_a_misfit():
    data = scenario(jobs=[job()])
    s = load_scenario(data)
    made = plan_jobs(s)
    bad = dataclasses.replace(s.jobs[0], abrasive=True, size_mm=(300.0, 300.0, 300.0))
    s2 = dataclasses.replace(s, jobs=(bad,))
    problems = check_plan(s2, made)
    assert any("soft nozzle" in p for p in problems)
    assert any("does not fit" in p for p in problems)


def test_the_checker_counts_what_the_planner_counted():
    s = load_scenario(
        scenario(jobs=[job("a", material="petg"), job("b"), job("c", material="abs")])
    )
    made = plan_jobs(s)
    assert plan_metrics(s, made)["material_changes"] == made.material_changes


# --- bad scenarios ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d.pop("start"), "'start' is missing"),
        (lambda d: d.update(start="yesterday"), "not an ISO-8601"),
        (lambda d: d.update(start="2026-12-07T08:00:00"), "give a UTC offset"),
        (lambda d: d["centers"][0].update(timezone="Mars/Base"), "unknown time zone"),
        (lambda d: d["centers"][0]["hours"].update(mon=[["18:00", "09:00"]]), "closes before"),
        (lambda d: d["centers"][0]["hours"].update(mon=[["9am", "18:00"]]), "HH:MM"),
        (lambda d: d["centers"][0]["hours"].update(someday=[]), "unknown weekday"),
        (lambda d: d["printers"][0].update(center="seoul"), "no center 'seoul'"),
        (lambda d: d["printers"][0].update(build_mm=[250, -1, 210]), "three positive numbers"),
        (lambda d: d["jobs"].append(job(duration_s="long")), "expected a number"),
        (lambda d: d["jobs"].extend([job(), job()]), "appears twice"),
        (lambda d: d["jobs"].append(job(filament_g=float("nan"))), "expected a number"),
        (lambda d: d.update(centers=[]), "non-empty list"),
    ],
)
def test_bad_scenarios_are_refused_with_the_field_named(mutate, words):
    data = scenario()
    mutate(data)
    with pytest.raises(ScenarioError, match=words.replace("(", r"\(")):
        load_scenario(data)


def test_not_an_object():
    with pytest.raises(ScenarioError, match="expected a JSON object"):
        load_scenario([1, 2])


@pytest.mark.parametrize("method", [plan_jobs, greedy_plan])
def test_a_printer_with_a_list_of_materials_runs_only_those(method):
    resin = {
        "id": "sl1s",
        "center": "jeonju",
        "build_mm": [127, 80, 150],
        "nozzle_mm": 0.05,
        "loaded_material": "resin",
        "spool_g_left": 500,
        "materials": ["resin"],
    }
    base = scenario()
    data = scenario(
        printers=[*base["printers"], resin],
        jobs=[
            job("pla-part"),
            job("resin-part", material="resin"),
            job("tpu-part", material="tpu"),
        ],
    )
    data["printers"][0]["materials"] = ["pla", "petg"]
    out = planned(data, method)
    where = {a["job"]: a["printer"] for a in out["assignments"]}
    assert where == {"pla-part": "mk3s", "resin-part": "sl1s"}
    assert "runs tpu" in out["unassigned"][0]["reason"]


def test_a_list_of_materials_must_be_names():
    data = scenario()
    data["printers"][0]["materials"] = "pla"
    with pytest.raises(ScenarioError, match=r"printers\[0\]\.materials"):
        load_scenario(data)


@pytest.mark.parametrize("method", [plan_jobs, greedy_plan])
def test_a_closed_day_is_skipped(method):
    data = scenario(jobs=[job()])
    data["centers"][0]["closed"] = ["2026-12-07"]  # the Monday of the start: a holiday
    out = planned(data, method)
    assert out["assignments"][0]["start"].startswith("2026-12-08T09:00")


def test_closed_days_must_be_dates():
    data = scenario()
    data["centers"][0]["closed"] = ["next monday"]
    with pytest.raises(ScenarioError, match=r"centers\[0\]\.closed"):
        load_scenario(data)
