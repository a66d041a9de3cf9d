"""Generated scenarios of the hub's four-center network (benchmarks, tests, the demo).

`network_scenario(jobs, printers, seed)` lays out Jeonju, Gunsan, Namwon and Jeongeup with
their opening hours, a fleet like the hub's (MK3S, hardened MK3S for carbon fibre, MINI,
Voron for big parts) spread over the centers, and a week of orders in arrival order: mostly
PLA and PETG, a fifth carbon-fibre composites, durations from half an hour to a day, due
dates one to five days after arrival. Returns the JSON form `printhub plan` reads.
"""

from __future__ import annotations

import datetime as dt
import random

CENTERS = [
    # id, weekday hours, Saturday hours
    ("jeonju", [["09:00", "21:00"]], [["10:00", "17:00"]]),
    ("gunsan", [["09:00", "18:00"]], [["10:00", "15:00"]]),
    ("namwon", [["09:00", "18:00"]], []),
    ("jeongeup", [["09:00", "12:00"], ["13:00", "18:00"]], []),
]
CENTER_SHARE = [0.4, 0.25, 0.175, 0.175]
PRINTER_KINDS = [
    # kind, build mm, hardened, share of the fleet
    ("mk3s", [250, 210, 210], False, 0.45),
    ("mk3s-hardened", [250, 210, 210], True, 0.25),
    ("mini", [180, 180, 180], False, 0.2),
    ("voron-350", [350, 350, 340], True, 0.1),
]
MATERIALS = [
    # material, abrasive, share of the orders
    ("pla", False, 0.45),
    ("petg", False, 0.2),
    ("tpu", False, 0.05),
    ("abs", False, 0.1),
    ("pla-cf", True, 0.08),
    ("petg-cf", True, 0.07),
    ("pa11-cf", True, 0.05),
]
START = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))  # a Monday


def network_scenario(jobs: int = 500, printers: int = 40, seed: int = 1) -> dict:
    rng = random.Random(seed)
    week = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    centers = []
    for center_id, weekdays, saturday in CENTERS:
        hours = dict(week) | {d: weekdays for d in ("mon", "tue", "wed", "thu", "fri")}
        hours["sat"] = saturday
        centers.append({"id": center_id, "timezone": "Asia/Seoul", "hours": hours})

    fleet = []
    for n in range(printers):
        center = rng.choices([c[0] for c in CENTERS], CENTER_SHARE)[0]
        kind, build, hardened, _ = rng.choices(PRINTER_KINDS, [k[3] for k in PRINTER_KINDS])[0]
        usable = [m for m, abrasive, _ in MATERIALS if hardened or not abrasive]
        fleet.append(
            {
                "id": f"{center}-{kind}-{n:03d}",
                "center": center,
                "build_mm": build,
                "nozzle_mm": 0.4,
                "hardened": hardened,
                "loaded_material": rng.choice(usable),
                "spool_g_left": round(rng.uniform(50, 1000), 1),
                "available_from": START.isoformat(),
            }
        )

    orders = []
    # Arrivals over the week's working days; the list is in arrival order (FIFO's order).
    arrivals = sorted(rng.uniform(0, 5 * 86_400) for _ in range(jobs))
    for n, arrival in enumerate(arrivals):
        material, abrasive, _ = rng.choices(MATERIALS, [m[2] for m in MATERIALS])[0]
        hours = min(24.0, max(0.5, rng.lognormvariate(1.4, 0.8)))
        big = rng.random() < 0.05
        size = [round(rng.uniform(20, 300 if big else 170), 1) for _ in range(3)]
        due = START + dt.timedelta(seconds=arrival + rng.uniform(0.5, 3) * 86_400)
        orders.append(
            {
                "id": f"job-{n:05d}",
                "material": material,
                "abrasive": abrasive,
                "size_mm": size,
                "duration_s": int(hours * 3600),
                "filament_g": round(hours * rng.uniform(8, 14), 1),
                "due": due.replace(microsecond=0).isoformat(),
                "priority": 1 if rng.random() < 0.1 else 0,
                "pickup_center": rng.choices([c[0] for c in CENTERS], CENTER_SHARE)[0],
            }
        )
    return {
        "start": START.isoformat(),
        "material_change_s": 900,
        "transfer_s": 86_400,
        "spool_full_g": 1000.0,
        "centers": centers,
        "printers": fleet,
        "jobs": orders,
    }
