"""Kill the fleet monitor mid-print (SIGKILL, the whole process) and start another: the
print on a real OctoPrint goes on, the new monitor takes it up, and the job ends completed
once — one upload, one start, one attempt.

A system test: the platform runs on a SQLite file of its own (migrated and loaded with
the demo network by `manage.py`), the monitor is `manage.py run_monitor` in a process of
its own, and the test reads the database file directly.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from printhub.printers import OctoPrintPrinter, PrinterState
from tests.conftest import require
from tests.printers.octoprint_server import API_KEY, OCTOPRINT, OctoPrintServer
from tests.printers.test_octoprint import write_gcode

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
WAIT_S = 90.0

SET_UP = """
import json, pathlib
from django.conf import settings
from printhub.network import demo
from printhub.network.models import Printer
from printhub.orders import services as orders
from printhub.production.models import Job, Station
from tests.web.orders import factories
demo.load_demo()
people = {}
for person in demo.load_people():  # the first of each role, as the tests' `people`
    people.setdefault(person.role, person)
printer = Printer.objects.get(center__slug="jeonju", name="MK3S-01")
station = Station.objects.create(printer=printer, kind="octoprint", url=URL, api_key=KEY,
                                 bed_clear=True)
option = factories.quote_option(people["citizen"], total_krw=5_500)
order = orders.submit_order(people["citizen"], option)
orders.approve(order, people["operator"])
job = order.jobs.get()
gcode = pathlib.Path(settings.MEDIA_ROOT) / "gcode" / f"job-{job.pk}.gcode"
gcode.parent.mkdir(parents=True, exist_ok=True)
gcode.write_bytes(pathlib.Path(GCODE).read_bytes())
Job.objects.filter(pk=job.pk).update(state="ready", sliced_for=printer,
                                     gcode=f"gcode/job-{job.pk}.gcode")
print(json.dumps({"job": job.pk}))
"""


@pytest.fixture(scope="module")
def octoprint(tmp_path_factory) -> Iterator[OctoPrintPrinter]:
    require(OCTOPRINT.exists(), "OctoPrint in .venv-octoprint (scripts/install-octoprint.sh)")
    server = OctoPrintServer(tmp_path_factory.mktemp("octoprint"))
    server.start()
    try:
        printer = OctoPrintPrinter(server.url, API_KEY, timeout_s=5)
        printer.connect(port="VIRTUAL")
        _wait(lambda: printer.status().state is PrinterState.IDLE, "OctoPrint connected")
        yield printer
    finally:
        server.stop()


def _wait(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout_s:g} s for {what}")
        time.sleep(0.3)


class Platform:
    """manage.py on a data directory and SQLite file of its own."""

    def __init__(self, data: Path):
        self.db = data / "platform.sqlite3"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PRINTHUB_")}
        self.env |= {
            "DJANGO_SETTINGS_MODULE": "printhub.site.settings",
            "PRINTHUB_DATA_DIR": str(data),
            "PRINTHUB_DATABASE_URL": f"sqlite:///{self.db}",
            "PRINTHUB_TASKS_BACKEND": "immediate",
            "PRINTHUB_ALWAYS_OPEN": "1",
        }
        self.log = data / "monitor.log"

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start_monitor(self) -> subprocess.Popen:
        with self.log.open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "manage.py", "run_monitor", "--interval", "0.5"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def query(self, sql: str, *params):
        with sqlite3.connect(self.db, timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def job(self, pk: int) -> tuple[str, int, str]:
        return self.query("SELECT state, attempts, remote_file FROM production_job WHERE id=?", pk)[
            0
        ]


def _kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_killed_monitor_loses_nothing_and_starts_nothing_twice(octoprint, tmp_path):
    platform = Platform(tmp_path)
    platform.manage("migrate", "--verbosity", "0")
    gcode = write_gcode(tmp_path / "part.gcode", dwells=120, dwell_ms=200)  # ~25 s
    code = SET_UP.replace("URL", repr(octoprint.client.base_url)).replace("KEY", repr(API_KEY))
    code = code.replace("GCODE", repr(str(gcode)))
    job = json.loads(platform.manage("shell", "-c", code).strip().splitlines()[-1])["job"]

    first = platform.start_monitor()
    try:
        _wait(lambda: platform.job(job)[0] == "printing", "the monitor to start the print")
        _wait(lambda: (octoprint.status().progress or 0) > 0.1, "the print to be under way")
    finally:
        _kill(first)
    assert octoprint.status().state is PrinterState.PRINTING  # the printer goes on

    second = platform.start_monitor()
    try:
        time.sleep(3)  # several turns of the new monitor mid-print
        assert platform.job(job)[0] == "printing", platform.log.read_text()[-2000:]
        _wait(lambda: platform.job(job)[0] == "completed", "the job to complete")
    finally:
        _kill(second)

    _state, attempts, remote_file = platform.job(job)
    assert attempts == 1
    events = [
        s for (s,) in platform.query("SELECT state FROM production_jobevent WHERE job_id=?", job)
    ]
    assert events.count("printing") == 1 and events.count("completed") == 1, events
    files = octoprint.client.get("/api/files/local")["files"]
    assert [f["name"] for f in files if f["name"].startswith("printhub-")] == [remote_file]
    order_state = platform.query(
        "SELECT o.state FROM orders_order o JOIN production_job j ON j.order_id=o.id WHERE j.id=?",
        job,
    )[0][0]
    assert order_state == "ready"
