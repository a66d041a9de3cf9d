"""The fleet monitor dies and comes back; two workers race for one printer.

A monitor is "killed" by an exception that is not a printer error, raised at the worst
moments (after the start was recorded but before the printer heard of it; right after
the printer started), and a new Monitor takes over with the same printers, as a
restarted process finds the real printers still doing what they did. Nothing may be lost
(every job ends printed, or interrupted for the operator) or done twice (one upload,
one start, one attempt, one completion).
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from printhub.orders import services as orders
from printhub.orders.models import State as OrderState
from printhub.production import actions, fleet
from printhub.production.models import Job, Station
from tests.web.orders import factories
from tests.web.orders.test_concurrency import _at_once, _committed, committed  # noqa: F401
from tests.web.production.fleet_helpers import approved_order, monitor, one_station

S = Job.State
pytestmark = pytest.mark.usefixtures("always_open")


class Killed(BaseException):
    """The process died here (not an Exception: nothing may catch it on the way)."""


def _ready_and_cleared(people, clock, shelf):
    station = one_station()
    order = approved_order(people)
    first = monitor(shelf, clock)
    first.turn()
    assert order.jobs.get().state == S.READY
    actions.confirm_bed_clear(station, people["operator"])
    return station, order, first


def _run_until_done(m, clock, job, turns: int = 6):
    for _ in range(turns):
        clock.advance(3600)
        m.turn()
    job.refresh_from_db()
    return job


def test_killed_right_after_the_printer_started_nothing_is_started_twice(
    people, clock, shelf, prusa_slicer
):
    station, order, first = _ready_and_cleared(people, clock, shelf)
    printer = shelf(station)
    starts = []
    real_start = printer.start

    def start_then_die(name):
        real_start(name)
        starts.append(name)
        raise Killed

    printer.start = start_then_die
    with pytest.raises(Killed):
        first.turn()
    printer.start = lambda name: starts.append(name) or real_start(name)

    second = monitor(shelf, clock)  # the restarted monitor
    job = _run_until_done(second, clock, order.jobs.get())
    assert job.state == S.COMPLETED and job.attempts == 1
    assert len(starts) == 1
    assert list(job.events.values_list("state", flat=True)).count(S.COMPLETED) == 1
    assert list(printer._files) == [job.remote_file]  # one upload
    order.refresh_from_db()
    assert order.state == OrderState.READY


def test_killed_between_recording_and_telling_the_printer_the_operator_decides(
    people, clock, shelf, prusa_slicer, monkeypatch
):
    monkeypatch.setattr(fleet, "START_GRACE", fleet.dt.timedelta(0))
    station, order, first = _ready_and_cleared(people, clock, shelf)
    printer = shelf(station)

    def die(*args, **kwargs):
        raise Killed

    real_upload = printer.upload
    printer.upload = die
    with pytest.raises(Killed):
        first.turn()
    printer.upload = real_upload
    job = order.jobs.get()
    assert job.state == S.PRINTING  # recorded; the printer never heard of it

    second = monitor(shelf, clock)
    second.turn()
    job.refresh_from_db()
    assert job.state == S.INTERRUPTED
    assert "not printing this job" in job.reason
    assert printer.status().state.value == "idle"  # nothing printing behind our back
    actions.retry(job, people["operator"])
    actions.confirm_bed_clear(station, people["operator"])
    job = _run_until_done(second, clock, job)
    assert job.state == S.COMPLETED


def test_a_print_that_finished_while_no_monitor_ran_is_completed_once(
    people, clock, shelf, prusa_slicer
):
    station, order, first = _ready_and_cleared(people, clock, shelf)
    first.turn()
    job = order.jobs.get()
    assert job.state == S.PRINTING
    del first  # the monitor is gone for a day; the printer goes on and finishes
    clock.advance(24 * 3600)
    second = monitor(shelf, clock)
    second.turn()
    second.turn()
    job.refresh_from_db()
    assert job.state == S.COMPLETED and job.attempts == 1
    assert not Job.objects.filter(printer=station.printer, state=S.PRINTING).exists()


def test_the_database_refuses_two_prints_on_one_printer(people):
    station = one_station()
    order = approved_order(people, quantity=2)
    first, second = order.jobs.order_by("index")
    Job.objects.filter(pk=first.pk).update(state=S.PRINTING, printer=station.printer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=second.pk).update(state=S.PAUSED, printer=station.printer)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db
def test_two_workers_starting_at_once_start_one_print(committed):  # noqa: F811
    """Two processes (here two threads, each with its own connection) start a ready job
    on one printer at the same moment: one print starts, the other is refused."""
    buyer = committed(50_000)
    option = _committed(lambda: factories.quote_option(buyer, total_krw=5_500, quantity=2))
    order = _committed(lambda: orders.submit_order(buyer, option))

    def set_up():
        station = one_station()
        Station.objects.filter(pk=station.pk).update(live=Station.Live.IDLE, bed_clear=True)
        jobs = [
            Job.objects.create(
                order=order, index=i, center=order.center, state=S.READY,
                sliced_for=station.printer, material=order.material,
            )
            for i in (1, 2)
        ]  # fmt: skip
        return station, jobs

    station, jobs = _committed(set_up)
    try:
        results = _at_once([lambda j=j: fleet.claim(station, j) for j in jobs])
        started = [r for r in results if isinstance(r, Job)]
        refused = [r for r in results if isinstance(r, fleet.StartRefused)]
        assert len(started) == 1 and len(refused) == 1, results
        printing = _committed(
            lambda: Job.objects.filter(printer=station.printer, state=S.PRINTING).count()
        )
        assert printing == 1
    finally:
        _committed(lambda: Station.objects.filter(pk=station.pk).delete())
