"""The demo floor: virtual printers for the demo network, its operators and its customers."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from printhub.network.models import Center, Printer
from printhub.orders.models import Order, OrderEvent, State
from printhub.parts.models import UploadedModel
from printhub.production import demo, services
from printhub.production.models import Job, Station

S = Job.State


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stations(db):
    demo.seed_stations(time_scale=60)
    return Station.objects.select_related("printer__center")


def test_seed_stations_gives_every_printer_one_virtual_printer_once(db):
    jeonju = Printer.objects.filter(center__slug="jeonju").order_by("pk")
    real = Station.objects.create(
        printer=jeonju[0], kind=Station.Kind.OCTOPRINT, url="http://10.0.0.5"
    )
    new = demo.seed_stations(time_scale=60)
    assert len(new) == Printer.objects.count() - 1
    assert {s.kind for s in new} == {Station.Kind.VIRTUAL}
    assert {s.time_scale for s in new} == {60}
    assert demo.seed_stations(time_scale=10) == []
    assert Station.objects.count() == Printer.objects.count()
    real.refresh_from_db()
    assert real.kind == Station.Kind.OCTOPRINT  # a real connection is kept


def test_demo_parts_are_small_and_vary():
    import random

    rng = random.Random(1)
    names = {demo.demo_part(rng)[0] for _ in range(8)}
    assert len(names) > 3
    name, content = demo.demo_part(rng)
    assert name.endswith(".stl") and 500 < len(content) < 200_000


def test_a_demo_customer_orders_through_the_real_path(stations, people):
    floor = demo.DemoFloor(seed=3, first_batch=1, clock=Clock())
    [order] = floor.customers()
    order.refresh_from_db()
    assert order.customer.role in demo.CUSTOMER_ROLES
    assert order.center.kind == Center.Kind.CENTER
    assert order.material.process == "fdm"
    # Uploaded, analysed, quoted and paid by the customer; approved by the center's staff.
    assert order.model.owner == order.customer
    assert order.model.status == UploadedModel.Status.READY and order.model.report
    assert order.quote_option.quote.owner == order.customer
    assert order.invoice.total_krw == order.total_krw > 0
    assert order.state == State.QUEUED
    approved = OrderEvent.objects.get(order=order, state=State.APPROVED)
    assert approved.actor == demo.staff_of(order.center)
    jobs = list(order.jobs.all())
    assert len(jobs) == order.quantity and {j.state for j in jobs} == {S.QUEUED}
    assert floor.uploads == []
    # The next order waits its turn.
    assert floor.customers() == []


def test_the_customers_stop_while_the_queue_is_long(stations, people):
    clock = Clock()
    floor = demo.DemoFloor(seed=3, first_batch=1, target_queued=1, clock=clock)
    assert len(floor.customers()) == 1
    clock.now += 60
    assert floor.customers() == []  # a job is queued already
    restarted = demo.DemoFloor(seed=4, first_batch=3, target_queued=2, clock=clock)
    assert len(restarted.customers()) == 1  # the first batch fills the queue up only


def test_the_operator_clears_a_bed_a_few_seconds_after_the_print(stations, people):
    clock = Clock()
    floor = demo.DemoFloor(seed=3, first_batch=1, clear_after_s=(5, 5), clock=clock)
    [order] = floor.customers()
    jeonju = stations.filter(printer__center__slug="jeonju").order_by("pk")
    fresh, used = jeonju[0], jeonju[1]
    namwon = stations.filter(printer__center__slug="namwon").first()
    Station.objects.filter(pk__in=[fresh.pk, namwon.pk]).update(live=Station.Live.IDLE)
    Station.objects.filter(pk=used.pk).update(live=Station.Live.COMPLETED)
    Job.objects.filter(pk=order.jobs.first().pk).update(
        printer=used.printer, state=S.COMPLETED, finished_at=timezone.now()
    )
    cleared = {s.pk for s in floor.tend_printers()}
    assert cleared == {fresh.pk, namwon.pk}  # never printed: at once
    fresh.refresh_from_db()
    assert fresh.bed_clear and fresh.bed_cleared_by == people["operator"]
    namwon.refresh_from_db()  # no operator at Namwon: the network admin
    assert namwon.bed_clear and namwon.bed_cleared_by == people["admin"]
    clock.now += 2
    assert floor.tend_printers() == []  # the print ended a moment ago
    clock.now += 4
    [station] = floor.tend_printers()
    assert station.pk == used.pk and station.bed_clear


def test_the_operator_leaves_real_printers_and_busy_ones_alone(stations, people):
    floor = demo.DemoFloor(clock=Clock())
    Station.objects.update(live=Station.Live.PRINTING)
    real = stations.first()
    Station.objects.filter(pk=real.pk).update(kind=Station.Kind.OCTOPRINT, live="idle")
    assert floor.tend_printers() == []


def test_the_operator_prints_a_lost_job_again(stations, people):
    floor = demo.DemoFloor(seed=3, first_batch=1, clock=Clock())
    [order] = floor.customers()
    job = order.jobs.first()
    printer = stations.filter(printer__center=order.center).first().printer
    Job.objects.filter(pk=job.pk).update(sliced_for=printer)
    for state in (S.SLICING, S.READY, S.PRINTING):
        job = services.move_job(job, state)
    Job.objects.filter(pk=job.pk).update(printer=printer)
    services.move_job(job, S.INTERRUPTED, reason="power cut")
    [retried] = floor.retry_jobs()
    assert retried.pk == job.pk and retried.state == S.QUEUED
    # Failing again before it printed (slicing): left to a person, not retried in a loop.
    services.move_job(services.move_job(retried, S.SLICING), S.FAILED, reason="slicing failed")
    assert floor.retry_jobs() == []


def test_one_turn_survives_an_error(stations, people, monkeypatch, caplog):
    floor = demo.DemoFloor(clock=Clock())

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(floor, "tend_printers", broken)
    monkeypatch.setattr(floor, "customers", broken)
    floor.turn()
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 2


@pytest.mark.slow
@pytest.mark.slicer
def test_the_demo_network_prints_a_part_end_to_end(
    db, people, settings, prusa_slicer, django_capture_on_commit_callbacks
):
    """A real monitor with virtual printers and the demo floor: a part goes from upload to
    a finished print and its order to post-processing or pickup."""
    from printhub.production.monitor import Monitor

    settings.PRODUCTION_ALWAYS_OPEN = True
    demo.seed_floor(time_scale=3600)
    floor = demo.DemoFloor(seed=5, first_batch=2, clear_after_s=(0, 0))
    monitor = Monitor(interval_s=0.1, replan_every_s=0.5)
    capture_on_commit = django_capture_on_commit_callbacks
    done = None
    deadline = time.monotonic() + 150
    try:
        for _ in range(500):
            # The test's transaction never commits: run what waits for a commit (the
            # request for a new plan when an order is approved) at once.
            with capture_on_commit(execute=True):
                monitor.turn()
                floor.turn()
            done = Order.objects.filter(state__in=[State.POST_PROCESSING, State.READY]).first()
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        monitor.pool.shutdown(wait=False)
    assert done is not None, list(Job.objects.values_list("state", "plan_note", "reason"))
    for job in done.jobs.select_related("printer__station"):
        assert job.state == S.COMPLETED and job.attempts == 1 and job.gcode
        assert job.printer.station.kind == Station.Kind.VIRTUAL
        assert [e.state for e in job.events.all()][-3:] == [S.READY, S.PRINTING, S.COMPLETED]
    assert Station.objects.filter(bed_cleared_by__isnull=False).exists()
