"""The fleet monitor keeping up with 200 printers read once a second.

200 virtual printers across the four centers (150 of them printing), a database of
their own (SQLite, as `make demo` runs), and the fleet monitor reading every printer
once a second for MEASURE_S seconds. Reported: readings per second (200 is keeping
up), the oldest reading at any sample (how far the board can lag behind a printer), and
the monitor's CPU use. Peer: the simplest poller a farm script would write — one printer
after another, one UPDATE and commit per reading — measured on the same printers.

    python -m bench.fleet_monitor
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import ROOT, Section

PRINTERS = 200
PRINTING = 150
MEASURE_S = float(os.environ.get("BENCH_FLEET_S", 30))
INTERVAL_S = 1.0
LAG_TARGET_S = 3.0  # no printer's reading on the board older than this
PEER_ROUNDS = 10
SLOW_PRINTERS = 10  # then this many printers answer slowly (a bad link, a busy host)
SLOW_S = 2.0


def _measure() -> dict:
    import threading
    import time

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from printhub.network import demo
    from printhub.network.models import Center, Printer
    from printhub.printers import VirtualPrinter
    from printhub.production.models import Station
    from printhub.production.monitor import Monitor

    call_command("migrate", verbosity=0)
    demo.load_network()
    centers = list(Center.objects.filter(slug__in=["jeonju", "gunsan", "namwon", "jeongeup"]))
    Station.objects.all().delete()
    for n in range(PRINTERS):
        printer, _ = Printer.objects.get_or_create(
            center=centers[n % len(centers)],
            name=f"BENCH-{n:03d}",
            defaults={
                "catalog_id": "mk3s",
                "model_name": "Original Prusa i3 MK3S+",
                "process": "fdm",
                "build_x_mm": 250,
                "build_y_mm": 210,
                "build_z_mm": 210,
                "nozzle_mm": 0.4,
            },
        )
        Station.objects.create(printer=printer, kind=Station.Kind.VIRTUAL)
    gcode = Path(tempfile.mkdtemp()) / "long.gcode"
    gcode.write_text("; estimated printing time (normal mode) = 10h 0m 0s\nG1 X1\n")
    printers: dict[int, VirtualPrinter] = {}
    for n, station in enumerate(Station.objects.order_by("pk")):
        printer = printers[station.pk] = VirtualPrinter(name=f"bench {n}")
        if n < PRINTING:
            printer.start(printer.upload(gcode, f"part-{n}.gcode"))

    def oldest_reading_s(excluded: set[int]) -> float:
        """Seconds since the oldest reading of the printers not in `excluded`."""
        oldest = (
            Station.objects.exclude(pk__in=excluded)
            .order_by("last_seen")
            .values_list("last_seen", flat=True)
            .first()
        )
        return float("inf") if oldest is None else (timezone.now() - oldest).total_seconds()

    def measure_ours(slow: set[int]) -> dict:
        """printhub's monitor in its own thread (its own connection), as run_monitor runs it."""
        monitor = Monitor(lambda s: printers[s.pk], interval_s=INTERVAL_S, replan_every_s=3600)
        monitor.plan_and_dispatch = lambda: None  # no jobs here: only the reading is measured
        stop = threading.Event()
        thread = threading.Thread(target=monitor.run, args=(stop,), daemon=True)
        cpu0, began = time.process_time(), time.monotonic()
        thread.start()
        time.sleep(3 + (SLOW_S if slow else 0))  # the first turns read everything once
        first, t0, lags = monitor.readings, time.monotonic(), []
        try:
            while time.monotonic() - t0 < MEASURE_S:
                time.sleep(0.5)
                lags.append(oldest_reading_s(slow))
        finally:
            readings, elapsed = monitor.readings - first, time.monotonic() - t0
            stop.set()
            thread.join()
        return {
            "readings_per_s": readings / elapsed,
            "max_lag_s": max(lags),
            "cpu_cores": (time.process_time() - cpu0) / (time.monotonic() - began),
        }

    def measure_peer(rounds: int) -> dict:
        """One printer after another, an UPDATE and commit each, a round a second."""
        stations = list(Station.objects.order_by("pk"))
        longest, count, cpu0, t0 = 0.0, 0, time.process_time(), time.monotonic()
        for _ in range(rounds):
            began = time.monotonic()
            for station in stations:
                status = printers[station.pk].status()
                Station.objects.filter(pk=station.pk).update(
                    live=status.state.value, progress=status.progress, last_seen=timezone.now()
                )
                count += 1
            took = time.monotonic() - began
            longest = max(longest, took)
            time.sleep(max(0.0, INTERVAL_S - took))
        elapsed = time.monotonic() - t0
        return {
            "readings_per_s": count / elapsed,
            "max_lag_s": max(INTERVAL_S, longest),
            "cpu_cores": (time.process_time() - cpu0) / elapsed,
        }

    result = {"healthy": {"ours": measure_ours(set()), "peer": measure_peer(PEER_ROUNDS)}}
    # Some links go bad: these printers take SLOW_S to answer each reading.
    slow = set(list(printers)[:SLOW_PRINTERS])
    for pk in slow:
        printer = printers[pk]
        printer.status = lambda real=printer.status: time.sleep(SLOW_S) or real()
    result["slow"] = {"ours": measure_ours(slow), "peer": measure_peer(1)}
    return result


def run() -> Section:
    data = Path(tempfile.mkdtemp(prefix="printhub-bench-fleet-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRINTHUB_")}
    env |= {
        "PRINTHUB_DATA_DIR": str(data),
        "PRINTHUB_DATABASE_URL": f"sqlite:///{data / 'fleet.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "printhub.site.settings",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.fleet_monitor", "--measure"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"fleet monitor benchmark failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    wanted = PRINTERS / INTERVAL_S
    rows = []
    for case, label in (
        ("healthy", "all answer at once"),
        ("slow", f"{SLOW_PRINTERS} answer in {SLOW_S:g} s"),
    ):
        for who, name in (("ours", "printhub fleet monitor"), ("peer", "peer: one after another")):
            r = result[case][who]
            rows.append(
                f"| {label} | {name} | {r['readings_per_s']:.0f} | {r['max_lag_s']:.2f} | "
                f"{r['cpu_cores']:.2f} |"
            )
    markdown = "\n".join(
        [
            f"{PRINTERS} virtual printers ({PRINTING} printing) read every {INTERVAL_S:g} s, "
            f"on SQLite; {MEASURE_S:g} s per case for printhub. The oldest reading is that of "
            "the printers that answer promptly: how far the board lags behind them.",
            "",
            "| printers | poller | readings/s | oldest reading (s) | CPU (cores) |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    ours, slow, peer_slow = (
        result["healthy"]["ours"],
        result["slow"]["ours"],
        result["slow"]["peer"],
    )
    targets = [
        (
            f"keeps up: {ours['readings_per_s']:.0f} readings/s for {wanted:.0f} wanted (≥ 95 %)",
            ours["readings_per_s"] >= 0.95 * wanted,
        ),
        (
            f"no reading older than {LAG_TARGET_S:g} s: oldest {ours['max_lag_s']:.2f} s; "
            f"with slow printers {slow['max_lag_s']:.2f} s (peer: {peer_slow['max_lag_s']:.1f} s)",
            max(ours["max_lag_s"], slow["max_lag_s"]) <= LAG_TARGET_S,
        ),
    ]
    return Section(
        "Fleet monitor: 200 printers at 1 status/s",
        "python -m bench.fleet_monitor",
        markdown,
        targets,
    )


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(_measure()))
    else:
        print(run().summary())
