"""Watching a real OctoPrint by its socket (push) against asking its REST API every second.

A real OctoPrint (its Virtual Printer, as the tests start it) prints a long file while the
script pauses and resumes it, each time once the printer settled. One phase per watcher, the
same script:
- printhub's push: `OctoPrintPrinter.subscribe` (what the fleet monitor now uses);
- peer: a status request every second (`/api/job` + `/api/printer`; the monitor's own
  fallback, and what a polling farm script does).
Reported: how long after each pause or resume request the watcher saw the printer leave
its state (pausing, or printing again); then, in a quiet spell of the print, the HTTP
requests the watcher made per minute and the CPU the OctoPrint server spent (its process,
from /proc) per minute: on a Raspberry Pi that is the printer's host.

    python -m bench.printer_push
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.harness import Section

CYCLES = 8  # pause + resume pairs per phase
SETTLE_S = 0.7  # after the printer settled, before the next request
POLL_S = 1.0
TIMEOUT_S = 30.0
QUIET_S = 20.0  # then the watcher alone, for its cost


class Watcher:
    """The states a watcher saw, with the time it saw each change."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, object]] = []
        self.requests = 0
        self.lock = threading.Lock()

    def saw(self, state) -> None:
        with self.lock:
            if not self.seen or self.seen[-1][1] is not state:
                self.seen.append((time.monotonic(), state))

    def first_seen(self, states, after: float) -> float | None:
        with self.lock:
            return next((t for t, s in self.seen if s in states and t >= after), None)


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _until(condition: Callable[[], object], timeout_s: float = TIMEOUT_S) -> object:
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"waited {timeout_s:g} s in the push benchmark")
        time.sleep(0.05)
    return value


def _phase(printer, gcode: Path, pid: int, watch: Callable[[Watcher], Callable[[], None]]):
    """Pause and resume the print CYCLES times; how soon did the watcher see each change?"""
    from printhub.printers import PrinterState as P

    watcher = Watcher()
    printer.start(printer.upload(gcode))
    _until(lambda: printer.status().state is P.PRINTING)
    stop = watch(watcher)
    delays = []
    steps = (
        (printer.pause, P.PRINTING, {P.PAUSING, P.PAUSED}),
        (printer.resume, P.PAUSED, {P.PRINTING}),
    )
    for _ in range(CYCLES):
        for command, before, after in steps:
            _until(lambda before=before: printer.status().state is before)  # settled
            time.sleep(SETTLE_S)
            asked = time.monotonic()
            command()
            seen = _until(lambda after=after, asked=asked: watcher.first_seen(after, asked))
            delays.append(seen - asked)
    # The cost of watching alone: a quiet minute's share, the print going on.
    requests_before, cpu_before = watcher.requests, _cpu_s(pid)
    time.sleep(QUIET_S)
    minutes = QUIET_S / 60
    requests = (watcher.requests - requests_before) / minutes
    cpu = (_cpu_s(pid) - cpu_before) / minutes
    stop()
    printer.cancel()
    _until(lambda: not printer.status().state.is_busy)
    return {
        "delay_mean_s": statistics.mean(delays),
        "delay_max_s": max(delays),
        "requests_per_min": requests,
        "server_cpu_s_per_min": cpu,
    }


def _push(printer):
    def watch(watcher: Watcher):
        watcher.requests += 1  # the login; the socket then carries everything
        subscription = printer.subscribe(lambda status: watcher.saw(status.state))
        return subscription.close

    return watch


def _poll(printer):
    def watch(watcher: Watcher):
        done = threading.Event()

        def loop():
            while not done.is_set():
                watcher.saw(printer.status().state)
                watcher.requests += 2  # /api/job and /api/printer
                done.wait(POLL_S)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()

        def stop():
            done.set()
            thread.join()

        return stop

    return watch


def _measure() -> dict:
    from printhub.printers import OctoPrintPrinter, PrinterState
    from tests.printers.octoprint_server import API_KEY, OCTOPRINT, OctoPrintServer
    from tests.printers.test_octoprint import write_gcode

    if not OCTOPRINT.exists():
        raise RuntimeError("OctoPrint is not installed (.venv-octoprint; make setup)")
    base = Path(tempfile.mkdtemp(prefix="printhub-bench-push-"))
    server = OctoPrintServer(base)
    server.start()
    try:
        printer = OctoPrintPrinter(server.url, API_KEY, timeout_s=10)
        printer.connect(port="VIRTUAL")
        while printer.status().state is not PrinterState.IDLE:
            time.sleep(0.2)
        gcode = write_gcode(base / "long.gcode", dwells=3000, dwell_ms=200)  # ~10 min
        return {
            "push": _phase(printer, gcode, server.process.pid, _push(printer)),
            "poll": _phase(printer, gcode, server.process.pid, _poll(printer)),
        }
    finally:
        server.stop()


def run() -> Section:
    result = _measure()
    push, poll = result["push"], result["poll"]
    rows = [
        f"| {name} | {r['delay_mean_s']:.2f} | {r['delay_max_s']:.2f} | "
        f"{r['requests_per_min']:.1f} | {r['server_cpu_s_per_min']:.2f} |"
        for name, r in (
            ("printhub: OctoPrint's socket (push)", push),
            (f"peer: REST status every {POLL_S:g} s", poll),
        )
    ]
    markdown = "\n".join(
        [
            f"A real OctoPrint 1.11 (Virtual Printer) prints while the script pauses and "
            f"resumes it {CYCLES} times each; one phase per watcher. "
            "Delay: from the pause or resume request to the watcher holding the new state "
            "(pausing, or printing again) "
            "(the fleet monitor writes it to the board at its next turn, ≤ 1 s later). "
            f"Requests and server CPU (the OctoPrint process, on the printer's host): "
            f"per minute, over {QUIET_S:g} s of the print with nothing but the watcher.",
            "",
            "| watcher | delay mean (s) | delay max (s) | HTTP requests/min | server CPU (s/min) |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    targets = [
        (
            f"push sees a change no later than polling: {push['delay_mean_s']:.2f} s mean "
            f"(polling {poll['delay_mean_s']:.2f} s)",
            push["delay_mean_s"] <= poll["delay_mean_s"],
        ),
        (
            f"push makes no status requests: {push['requests_per_min']:.1f}/min "
            f"(polling {poll['requests_per_min']:.0f}/min)",
            push["requests_per_min"] <= 0.1 * poll["requests_per_min"],
        ),
    ]
    return Section(
        "Printer push: OctoPrint's socket against REST polling",
        "python -m bench.printer_push",
        markdown,
        targets,
    )


if __name__ == "__main__":
    section = run()
    print(section.summary())
    print(section.markdown)
