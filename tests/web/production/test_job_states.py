"""The life of a production job: its state machine, retries, cancels and history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from printhub.orders import services as orders
from printhub.production import services
from printhub.production.models import JOB_TRANSITIONS, Job
from tests.web.orders.conftest import make_option, place_order  # noqa: F401

S = Job.State


@pytest.fixture
def job(place_order, people):  # noqa: F811
    order = place_order("citizen", quantity=1, total_krw=5_500)
    orders.approve(order, people["operator"])
    return order.jobs.get()


def _to(job, *states, by=None):
    for state in states:
        job = services.move_job(job, state, by)
    return job


def test_every_state_is_in_the_table():
    assert set(JOB_TRANSITIONS) == set(S.values)
    assert JOB_TRANSITIONS[S.COMPLETED] == JOB_TRANSITIONS[S.CANCELLED] == ()


@pytest.mark.parametrize("new", [s for s in S.values if s not in JOB_TRANSITIONS[S.QUEUED]])
def test_a_queued_job_cannot_skip_ahead(job, new):
    with pytest.raises(ValidationError):
        services.move_job(job, new)
    job.refresh_from_db()
    assert job.state == S.QUEUED
    assert not job.events.exists()


def test_the_way_to_a_finished_part_is_recorded(job, people):
    operator = people["operator"]
    job = _to(job, S.SLICING, S.READY, S.PRINTING, S.PAUSED, S.PRINTING, S.COMPLETED, by=operator)
    assert job.state == S.COMPLETED
    assert job.attempts == 1  # resuming a pause is not a new attempt
    assert list(job.events.values_list("state", flat=True)) == [
        S.SLICING, S.READY, S.PRINTING, S.PAUSED, S.PRINTING, S.COMPLETED,
    ]  # fmt: skip
    assert {e.actor for e in job.events.all()} == {operator}
    with pytest.raises(ValidationError):
        services.move_job(job, S.QUEUED)


def test_a_failed_print_goes_back_to_the_queue_with_its_reason(job):
    job = _to(job, S.SLICING, S.READY, S.PRINTING)
    job = services.move_job(job, S.FAILED, reason="spaghetti at layer 40")
    job = services.retry(job)
    assert job.state == S.QUEUED
    assert job.reason == "spaghetti at layer 40"
    assert job.attempts == 1
    job = _to(job, S.SLICING, S.READY, S.PRINTING)
    assert job.attempts == 2


def test_retries_stop_after_the_last_attempt(job):
    for _ in range(services.MAX_ATTEMPTS):
        job = _to(job, S.SLICING, S.READY, S.PRINTING)
        job = services.move_job(job, S.INTERRUPTED, reason="printer went offline")
        if job.attempts < services.MAX_ATTEMPTS:
            job = services.retry(job)
    with translation.override("en"), pytest.raises(ValidationError, match="started 3 times"):
        services.retry(job)
    assert Job.objects.get(pk=job.pk).state == S.INTERRUPTED


def test_an_interrupted_part_may_be_declared_finished(job):
    job = _to(job, S.SLICING, S.READY, S.PRINTING, S.INTERRUPTED, S.COMPLETED)
    assert job.state == S.COMPLETED


def test_cancels_tell_the_customer_from_staff(place_order, people):  # noqa: F811
    order = place_order("citizen", quantity=2, total_krw=5_500)
    orders.approve(order, people["operator"])
    first, second = order.jobs.order_by("index")
    first = services.cancel_job(first, people["citizen"], "changed my mind", by_customer=True)
    second = _to(second, S.SLICING, S.READY, S.PRINTING)
    second = services.cancel_job(second, people["operator"], "nozzle clog", by_customer=False)
    assert (first.cancelled_by, first.reason) == (Job.CancelledBy.CUSTOMER, "changed my mind")
    assert (second.cancelled_by, second.reason) == (Job.CancelledBy.STAFF, "nozzle clog")


def test_a_stale_copy_cannot_move_a_job_twice(job):
    stale = Job.objects.get(pk=job.pk)
    services.move_job(job, S.SLICING)
    services.move_job(job, S.CANCELLED)
    with pytest.raises(ValidationError):
        services.move_job(stale, S.SLICING)  # checked against the row, not the copy
