"""The fleet monitor on a real Moonraker (with Klippy's stand-in): it subscribes to the
websocket and uses the pushed statuses, starts a ready job, sees it finish; a Moonraker
that goes away interrupts the job after the missed heartbeats."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from printhub.production import actions, fleet
from printhub.production.models import Job, Station
from printhub.production.monitor import Monitor
from tests.conftest import require
from tests.printers.moonraker_server import MOONRAKER, MoonrakerServer
from tests.web.production.fleet_helpers import approved_order, one_station

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("always_open")]
S = Job.State
GCODE = "".join(f"G1 X{i % 200} Y{i % 150} F3000\n" for i in range(400))


@pytest.fixture
def server(tmp_path_factory) -> Iterator[MoonrakerServer]:
    require(MOONRAKER.exists(), "Moonraker in .venv-moonraker (scripts/install-moonraker.sh)")
    server = MoonrakerServer(tmp_path_factory.mktemp("mr"), tick_s=0.05, bytes_per_s=4000.0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _ready_job(people, station: Station) -> Job:
    order = approved_order(people)
    job = order.jobs.get()
    path = Path(settings.MEDIA_ROOT) / "gcode" / f"job-{job.pk}.gcode"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("; printhub test part\n" + GCODE)
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


def _turn_until(m: Monitor, condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m.turn()
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_job_prints_on_moonraker_with_pushed_statuses(people, server):
    station = one_station()
    Station.objects.filter(pk=station.pk).update(kind=Station.Kind.MOONRAKER, url=server.url)
    station.refresh_from_db()
    connect = CountingConnect()
    m = Monitor(connect, interval_s=0.2, replan_every_s=3600)
    try:
        assert _turn_until(m, lambda: Station.objects.get(pk=station.pk).live == "idle")
        assert station.pk in m.subscriptions
        job = _ready_job(people, station)
        actions.confirm_bed_clear(station, people["operator"])
        assert _turn_until(m, lambda: Job.objects.get(pk=job.pk).state == S.PRINTING)
        assert (server.gcodes_dir / Job.objects.get(pk=job.pk).remote_file).is_file()
        assert _turn_until(m, lambda: Job.objects.get(pk=job.pk).state == S.COMPLETED)
        # Every reading came from the websocket but the very first (before the first push).
        assert m.readings >= 5
        assert connect.requests <= 1, (connect.requests, m.readings)
    finally:
        m.close()


def test_moonraker_going_away_interrupts_the_print(people, server):
    station = one_station()
    Station.objects.filter(pk=station.pk).update(kind=Station.Kind.MOONRAKER, url=server.url)
    station.refresh_from_db()
    server.klippy.bytes_per_s = 50.0  # a long print
    m = Monitor(interval_s=0.2, max_backoff_s=0.4, replan_every_s=3600)
    try:
        assert _turn_until(m, lambda: Station.objects.get(pk=station.pk).live == "idle")
        job = _ready_job(people, station)
        actions.confirm_bed_clear(station, people["operator"])
        assert _turn_until(m, lambda: Station.objects.get(pk=station.pk).live == "printing")
        server.stop()
        assert _turn_until(m, lambda: Job.objects.get(pk=job.pk).state == S.INTERRUPTED)
        station.refresh_from_db()
        assert station.live == Station.Live.UNREACHABLE
        assert "stopped answering" in Job.objects.get(pk=job.pk).reason
    finally:
        m.close()
