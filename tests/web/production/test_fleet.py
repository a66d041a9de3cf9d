"""The fleet end to end on virtual printers: plan, slice with PrusaSlicer for the printer
that got the job, wait for the bed to be confirmed clear, print, finish; the order follows."""

from __future__ import annotations

import pytest

from printhub.orders.models import State as OrderState
from printhub.printers import VirtualPrinter
from printhub.production import actions, fleet, planning
from printhub.production.models import Command, Job, Station
from printhub.production.monitor import Monitor
from tests.web.production.fleet_helpers import (
    approved_order,
    monitor,
    one_station,
    states,
)

S = Job.State
pytestmark = pytest.mark.usefixtures("always_open")


def test_a_job_is_planned_sliced_printed_and_the_order_follows(people, clock, shelf, prusa_slicer):
    station = one_station()
    order = approved_order(people)
    job = order.jobs.get()
    m = monitor(shelf, clock)

    m.turn()  # reads the printer, plans, slices for it
    job.refresh_from_db()
    assert job.planned_printer_id == station.printer_id
    assert job.state == S.READY and job.sliced_for_id == station.printer_id
    assert job.gcode.endswith(".gcode") and job.filament_g > 0
    m.turn()
    assert Job.objects.get(pk=job.pk).state == S.READY  # the bed is not confirmed clear

    actions.confirm_bed_clear(station, people["operator"])
    m.turn()
    job.refresh_from_db()
    assert job.state == S.PRINTING and job.printer_id == station.printer_id
    assert job.attempts == 1
    order.refresh_from_db()
    assert order.state == OrderState.PRINTING
    printer = shelf.printers[station.pk]
    assert printer.status().file == job.remote_file
    station.refresh_from_db()
    assert station.bed_clear is False  # the next print needs a new confirmation

    clock.advance(job.estimated_print_s / 2)
    m.turn()
    job.refresh_from_db()
    assert 0.4 < job.progress < 0.6
    station.refresh_from_db()
    assert station.live == Station.Live.PRINTING and station.tool_target_c

    clock.advance(job.estimated_print_s)
    m.turn()
    job.refresh_from_db()
    assert job.state == S.COMPLETED and job.progress == 1.0
    order.refresh_from_db()
    assert order.state == OrderState.READY


def test_quantity_three_is_three_jobs_printed_one_after_another(people, clock, shelf, prusa_slicer):
    station = one_station()
    order = approved_order(people, quantity=3)
    m = monitor(shelf, clock)
    for _ in range(3):
        m.turn()
        actions.confirm_bed_clear(station, people["operator"])
        m.turn()
        assert Job.objects.filter(order=order, state=S.PRINTING).count() == 1
        clock.advance(3 * 3600)
        m.turn()
    assert states(order) == [S.COMPLETED] * 3
    order.refresh_from_db()
    assert order.state == OrderState.READY


def _printing(people, clock, shelf):
    station = one_station()
    order = approved_order(people)
    m = monitor(shelf, clock)
    m.turn()
    actions.confirm_bed_clear(station, people["operator"])
    m.turn()
    m.poll()  # the printer read after the start
    job = order.jobs.get()
    assert job.state == S.PRINTING
    return station, job, m


def test_a_failed_print_goes_back_to_the_queue_with_its_reason(people, clock, shelf, prusa_slicer):
    station, job, m = _printing(people, clock, shelf)
    clock.advance(job.estimated_print_s / 4)
    shelf.printers[station.pk].fail("thermal runaway")
    m.poll()
    job.refresh_from_db()
    assert job.state == S.QUEUED and job.attempts == 1
    assert "thermal runaway" in job.reason
    assert list(job.events.values_list("state", flat=True))[-2:] == [S.FAILED, S.QUEUED]


def test_a_printer_that_drops_off_mid_print_interrupts_its_job(people, clock, shelf, prusa_slicer):
    station, job, m = _printing(people, clock, shelf)
    clock.advance(60)
    shelf.printers[station.pk].lose_power()
    for _ in range(fleet.OFFLINE_AFTER):
        clock.advance(60)  # past every back-off
        m.poll()
    station.refresh_from_db()
    job.refresh_from_db()
    assert station.live == Station.Live.UNREACHABLE
    assert job.state == S.INTERRUPTED and "stopped answering" in job.reason
    # The operator decides: here, print it again.
    actions.retry(job, people["operator"], "the part was half done")
    assert Job.objects.get(pk=job.pk).state == S.QUEUED


def test_a_short_network_drop_does_not_interrupt(people, clock, shelf, prusa_slicer):
    station, job, m = _printing(people, clock, shelf)
    printer = shelf.printers[station.pk]
    real_status = printer.status
    printer.status = lambda: (_ for _ in ()).throw(fleet.PrinterError("timed out"))
    clock.advance(2)
    m.poll()
    station.refresh_from_db()
    assert station.missed == 1 and station.live == Station.Live.PRINTING
    printer.status = real_status
    clock.advance(5)
    m.poll()
    job.refresh_from_db()
    station.refresh_from_db()
    assert job.state == S.PRINTING and station.missed == 0


def test_pause_resume_and_cancel_go_through_the_monitor(people, clock, shelf, prusa_slicer):
    station, job, m = _printing(people, clock, shelf)
    operator = people["operator"]
    actions.pause(station, operator)
    m.turn()
    m.turn()
    assert Job.objects.get(pk=job.pk).state == S.PAUSED
    actions.resume(station, operator)
    m.turn()
    m.turn()
    assert Job.objects.get(pk=job.pk).state == S.PRINTING
    actions.cancel(Job.objects.get(pk=job.pk), operator, "wrong colour loaded")
    m.turn()
    job.refresh_from_db()
    assert job.state == S.CANCELLED and job.cancelled_by == Job.CancelledBy.STAFF
    assert shelf.printers[station.pk].status().state.value == "cancelled"
    assert not Command.objects.filter(outcome=Command.Outcome.PENDING).exists()


def test_a_closed_center_does_not_start_prints(people, clock, shelf, settings, prusa_slicer):
    settings.PRODUCTION_ALWAYS_OPEN = False
    station = one_station()
    approved_order(people)
    m = monitor(shelf, clock)
    m.turn()
    actions.confirm_bed_clear(station, people["operator"])
    center = station.printer.center
    opened = center.is_open_at
    center.__class__.is_open_at = lambda self, moment: False
    try:
        m.turn()
    finally:
        center.__class__.is_open_at = opened
    assert not Job.objects.filter(state=S.PRINTING).exists()


def test_the_plan_puts_carbon_fibre_on_a_hardened_nozzle(people, clock, shelf):
    soft = one_station(catalog_id="mk3s")
    hard = one_station(catalog_id="mk3s-hardened-0.4")
    for station in (soft, hard):
        fleet.apply_status(station, shelf(station).status())
    order = approved_order(people, material="pla-cf")
    planning.replan("test")
    job = order.jobs.get()
    assert job.planned_printer_id == hard.printer_id
    assert soft.printer_id != hard.printer_id


def test_short_parts_go_on_one_plate_sliced_and_printed_together(
    people, clock, shelf, prusa_slicer
):
    station = one_station()
    order = approved_order(people, quantity=5, print_time_s=1200.0)
    plates = list(order.jobs.order_by("index"))
    # 20 × 20 × 10 mm parts: a cell of 35 mm, 5 to a 180 mm row; 3 h of printing at most.
    assert [(j.index, j.copies) for j in plates] == [(1, 5)]
    plate = plates[0]
    assert plate.estimated_print_s == 5 * 1200.0 and plate.parts_label == "1–5"
    m = monitor(shelf, clock)
    m.turn()
    plate.refresh_from_db()
    assert plate.state == S.READY
    from printhub.production.dispatch import mesh_to_print

    printed = mesh_to_print(plate.order.model, 5)
    assert len(printed.faces) == 5 * 12
    # The grid the slicer gets fits the plate size the plan was given.
    footprint = printed.vertices.max(axis=0) - printed.vertices.min(axis=0)
    assert footprint[0] <= plate.size_mm[0] and footprint[1] <= plate.size_mm[1]
    actions.confirm_bed_clear(station, people["operator"])
    m.turn()
    clock.advance(plate.estimated_print_s * 3)
    m.turn()
    plate.refresh_from_db()
    assert plate.state == S.COMPLETED
    order.refresh_from_db()
    assert order.state == OrderState.READY


def test_plates_follow_the_bed_and_the_time():
    from printhub.production.services import plate_layout

    assert plate_layout([20, 20, 10], 5400, 4) == (1, [20, 20, 10])  # long parts: one by one
    assert plate_layout([20, 20, 10], 1200, 1) == (1, [20, 20, 10])
    copies, size = plate_layout([20, 20, 10], 1200, 20)
    assert copies == 9  # three hours of 20-minute parts
    assert size[0] <= 180 and size[1] <= 180
    assert plate_layout([100, 100, 50], 600, 4)[0] == 1  # one cell per bed
    copies, size = plate_layout([40, 30, 12.5], 900, 7)
    assert copies == 7 and size[0] <= 180 and size[1] <= 180


def test_the_plan_skips_a_center_closed_for_a_holiday(people, clock, shelf, settings):
    import datetime as dt

    from django.utils import timezone

    from printhub.network.models import Closure

    settings.PRODUCTION_ALWAYS_OPEN = False
    station = one_station()
    fleet.apply_status(station, shelf(station).status())
    center = station.printer.center
    today = timezone.localdate()
    ahead = [today + dt.timedelta(days=n) for n in range(4)]
    for day in ahead:
        Closure.objects.get_or_create(center=center, date=day)
    order = approved_order(people)
    planning.replan("test")
    job = order.jobs.get()
    assert job.planned_printer_id == station.printer_id
    assert timezone.localdate(job.planned_start) > ahead[-1]


class PushingPrinter(VirtualPrinter):
    """A virtual printer with a `subscribe` like the connectors whose servers push."""

    def subscribe(self, on_status, on_error=None):
        self.subscription = ClosableSubscription()
        on_status(self.status())
        return self.subscription


class ClosableSubscription:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_a_changed_or_removed_connection_is_let_go(people, clock):
    made: list[PushingPrinter] = []

    def connect(station):
        made.append(PushingPrinter(clock=clock))
        return made[-1]

    station = one_station()
    m = Monitor(connect, interval_s=1.0, replan_every_s=3600, clock=clock, workers=2, wait_s=30)
    try:
        m.turn()
        clock.advance(2)
        m.turn()
        assert len(made) == 1
        assert m.subscriptions[station.pk] is made[0].subscription
        Station.objects.filter(pk=station.pk).update(url="http://10.0.0.7", api_key="new")
        clock.advance(2)
        m.turn()
        assert made[0].subscription.closed
        assert len(made) == 2
        assert m.subscriptions[station.pk] is made[1].subscription
        Station.objects.filter(pk=station.pk).delete()
        clock.advance(2)
        m.turn()
        assert made[1].subscription.closed
        assert station.pk not in m.printers and station.pk not in m.subscriptions
    finally:
        m.close()
