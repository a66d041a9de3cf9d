"""The fleet monitor on the printer servers that push: a real Moonraker (with Klippy's
stand-in) and a real OctoPrint (with its Virtual Printer). It subscribes to their sockets
and uses the pushed statuses with no request, starts a ready job and sees it finish; a
server that goes away interrupts the job after the missed heartbeats."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from printhub.printers import OctoPrintPrinter, PrinterState
from printhub.production import actions, fleet
from printhub.production.models import Job, Station
from printhub.production.monitor import Monitor
from tests.conftest import require
from tests.printers.moonraker_server import MOONRAKER, MoonrakerServer
from tests.printers.octoprint_server import API_KEY, OCTOPRINT, OctoPrintServer
from tests.printers.test_octoprint import write_gcode
from tests.web.production.fleet_helpers import approved_order, one_station

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("always_open")]
S = Job.State
WAIT_S = 30.0


@dataclass
class PushingServer:
    kind: str
    server: MoonrakerServer | OctoPrintServer
    api_key: str = ""

    def gcode(self, directory: Path, long: bool) -> str:
        """G-code that prints in a few seconds, or for minutes when ``long``."""
        if self.kind == Station.Kind.MOONRAKER:
            self.server.klippy.bytes_per_s = 50.0 if long else 4000.0
            return "".join(f"G1 X{i % 200} Y{i % 150} F3000\n" for i in range(400))
        dwells = 600 if long else 15
        return write_gcode(directory / "part.gcode", dwells=dwells, dwell_ms=200).read_text()

    def station(self) -> Station:
        station = one_station()
        Station.objects.filter(pk=station.pk).update(
            kind=self.kind, url=self.server.url, api_key=self.api_key
        )
        station.refresh_from_db()
        return station


@pytest.fixture(params=[Station.Kind.MOONRAKER, Station.Kind.OCTOPRINT])
def pushing(request, tmp_path_factory) -> Iterator[PushingServer]:
    if request.param == Station.Kind.MOONRAKER:
        require(MOONRAKER.exists(), "Moonraker in .venv-moonraker (scripts/install-moonraker.sh)")
        server = MoonrakerServer(tmp_path_factory.mktemp("mr"), tick_s=0.05, bytes_per_s=4000.0)
        pushing = PushingServer(request.param, server)
    else:
        require(OCTOPRINT.exists(), "OctoPrint in .venv-octoprint (scripts/install-octoprint.sh)")
        server = OctoPrintServer(tmp_path_factory.mktemp("octoprint"))
        pushing = PushingServer(request.param, server, API_KEY)
    server.start()
    try:
        if request.param == Station.Kind.OCTOPRINT:
            printer = OctoPrintPrinter(server.url, API_KEY, timeout_s=5)
            printer.connect(port="VIRTUAL")
            assert _wait(lambda: printer.status().state is PrinterState.IDLE)
        yield pushing
    finally:
        server.stop()


def _ready_job(people, station: Station, gcode: str) -> Job:
    order = approved_order(people)
    job = order.jobs.get()
    path = Path(settings.MEDIA_ROOT) / "gcode" / f"job-{job.pk}.gcode"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("; printhub test part\n" + gcode)
    Job.objects.filter(pk=job.pk).update(
        state=S.READY, sliced_for=station.printer, gcode=f"gcode/job-{job.pk}.gcode"
    )
    return Job.objects.get(pk=job.pk)


class CountingConnect:
    """fleet.connect, counting the status requests the monitor makes."""

    def __init__(self):
        self.requests = 0

    def __call__(self, station):
        printer = fleet.connect(station)
        status = printer.status

        def counted():
            self.requests += 1
            return status()

        printer.status = counted
        return printer


def _wait(condition, timeout_s: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _turn_until(m: Monitor, condition, timeout_s: float = WAIT_S) -> bool:
    def turned() -> bool:
        m.turn()
        return condition()

    return _wait(turned, timeout_s)


def test_a_job_prints_with_pushed_statuses(people, pushing, tmp_path):
    station = pushing.station()
    connect = CountingConnect()
    m = Monitor(connect, interval_s=0.2, replan_every_s=3600)
    try:
        assert _turn_until(m, lambda: Station.objects.get(pk=station.pk).live == "idle")
        assert station.pk in m.subscriptions
        job = _ready_job(people, station, pushing.gcode(tmp_path, long=False))
        actions.confirm_bed_clear(station, people["operator"])
        assert _turn_until(m, lambda: Job.objects.get(pk=job.pk).state == S.PRINTING)
        assert Job.objects.get(pk=job.pk).remote_file.startswith("printhub-")
        assert _turn_until(m, lambda: Job.objects.get(pk=job.pk).state == S.COMPLETED)
        # Every reading came from the socket but the very first (before the first push).
        assert m.readings >= 5
        assert connect.requests <= 1, (connect.requests, m.readings)
    finally:
        m.close()


def test_a_server_going_away_interrupts_the_print(people, pushing, tmp_path):
    station = pushing.station()
    m = Monitor(interval_s=0.2, max_backoff_s=0.4, replan_every_s=3600)
    try:
        assert _turn_until(m, lambda: Station.objects.get(pk=station.pk).live == "idle")
        job = _ready_job(people, station, pushing.gcode(tmp_path, long=True))
        actions.confirm_bed_clear(station, people["operator"])
        assert _turn_until(m, lambda: Station.objects.get(pk=station.pk).live == "printing")
        pushing.server.stop()
        assert _turn_until(m, lambda: Job.objects.get(pk=job.pk).state == S.INTERRUPTED)
        station.refresh_from_db()
        assert station.live == Station.Live.UNREACHABLE
        assert "stopped answering" in Job.objects.get(pk=job.pk).reason
        assert station.pk not in m.subscriptions
    finally:
        m.close()
