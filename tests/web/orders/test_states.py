"""The state machine: every transition allowed and refused, approval, rejection,
cancellation with exact refunds, manual moves with the jobs following, messages."""

from __future__ import annotations

import itertools

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from printhub.billing import services as billing
from printhub.billing.models import LedgerEntry
from printhub.orders import services
from printhub.orders.models import TRANSITIONS, Notification, Order, OrderEvent, State
from printhub.production.models import Job
from tests.web.matrix import person


def _force(order: Order, state: str) -> Order:
    """Put an order in a state directly (to test what may follow it)."""
    Order.objects.filter(pk=order.pk).update(state=state)
    order.refresh_from_db()
    return order


ALL_PAIRS = list(itertools.product(State.values, State.values))


@pytest.mark.parametrize(("current", "new"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_change_state_follows_the_transition_table(place_order, people, current, new):
    order = _force(place_order("citizen", total_krw=5_500), current)
    events = order.events.count()
    if new in TRANSITIONS[current]:
        event = services.change_state(order, new, people["operator"], "by hand")
        order.refresh_from_db()
        assert order.state == new
        assert (event.state, event.actor, event.note) == (new, people["operator"], "by hand")
        assert order.events.count() == events + 1
    else:
        with pytest.raises(services.InvalidTransition) as refused:
            services.change_state(order, new, people["operator"])
        assert order.number in " ".join(refused.value.messages)
        order.refresh_from_db()
        assert order.state == current
        assert order.events.count() == events


def test_final_states_have_no_way_out():
    for state in (State.PICKED_UP, State.CANCELLED, State.REJECTED):
        assert TRANSITIONS[state] == ()


# --- approval ------------------------------------------------------------------------------


def test_approval_makes_one_job_per_part_and_queues_the_order(place_order, people):
    order = place_order("citizen", quantity=3, total_krw=5_500, print_time_s=4321.0)
    services.approve(order, people["operator"])
    assert order.state == State.QUEUED
    jobs = list(order.jobs.order_by("index"))
    assert [j.index for j in jobs] == [1, 2, 3]
    assert {j.center.slug for j in jobs} == {"jeonju"}
    assert {j.estimated_print_s for j in jobs} == {4321.0}
    assert {j.state for j in jobs} == {Job.State.QUEUED}
    assert list(order.events.values_list("state", flat=True)) == [
        State.SUBMITTED,
        State.APPROVED,
        State.QUEUED,
    ]
    # One message for the approval (not one per step).
    assert order.notification_set.count() == 2


def test_only_a_submitted_order_is_approved(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    services.approve(order, people["operator"])
    with pytest.raises(services.InvalidTransition):
        services.approve(order, people["operator"])
    assert order.jobs.count() == 1


@pytest.mark.parametrize("role", ["citizen", "designer", "operator.gunsan"])
def test_approval_is_for_the_staff_of_the_orders_center(place_order, role):
    order = place_order("citizen", total_krw=5_500)
    with pytest.raises(PermissionDenied):
        services.approve(order, person(role))
    order.refresh_from_db()
    assert order.state == State.SUBMITTED and not order.jobs.exists()


@pytest.mark.parametrize("role", ["operator", "manager", "admin"])
def test_staff_of_the_center_and_admins_approve(place_order, role):
    order = place_order("citizen", total_krw=5_500)
    services.approve(order, person(role))
    assert order.state == State.QUEUED


def test_a_flagged_order_needs_the_policy_checks_confirmed(place_order, people):
    order = place_order("citizen", note="권총 손잡이 부품", total_krw=5_500)
    assert order.policy_flags
    with pytest.raises(services.PolicyCheckRequired) as refused:
        services.approve(order, people["operator"])
    assert "권총" in " ".join(refused.value.messages)
    order.refresh_from_db()
    assert order.state == State.SUBMITTED and not order.jobs.exists()
    services.approve(order, people["operator"], policy_checked=True)
    order.refresh_from_db()
    assert order.state == State.QUEUED
    assert order.policy_checked_by == people["operator"]
    assert order.policy_checked_at is not None
    approved = order.events.get(state=State.APPROVED)
    assert "권총" in approved.note


# --- rejection and cancellation refund exactly ----------------------------------------------


def _money(user) -> tuple[int, int]:
    return billing.balance_of(user), sum(s.available_krw for s in billing.subsidy_status(user))


def test_rejection_needs_a_reason_and_refunds_subsidy_and_balance(make_option, people):
    student = people["student"]
    before = _money(student)
    order = services.submit_order(student, make_option("student", total_krw=33_000))
    assert _money(student) == (before[0] - 13_000, before[1] - 20_000)
    for blank in ("", "   "):
        with pytest.raises(services.OrderError):
            services.reject(order, people["operator"], blank)
    services.reject(order, people["operator"], "파일이 깨져 있습니다")
    order.refresh_from_db()
    assert order.state == State.REJECTED
    assert order.reject_reason == "파일이 깨져 있습니다"
    assert _money(student) == before
    entries = LedgerEntry.objects.filter(order=order)
    assert sum(e.amount_krw for e in entries) == 0
    refunds = {e.kind: e for e in entries if e.reverses_id}
    assert refunds[LedgerEntry.Kind.SUBSIDY_REFUND].amount_krw == 20_000
    assert refunds[LedgerEntry.Kind.SUBSIDY_REFUND].subsidy is not None
    assert refunds[LedgerEntry.Kind.REFUND].amount_krw == 13_000
    assert refunds[LedgerEntry.Kind.REFUND].subsidy is None
    assert order.invoice.refunded_at is not None
    # Refunding twice gives nothing more.
    assert billing.refund_order(order) == []
    assert _money(student) == before


def test_rejection_is_for_the_staff_of_the_center(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    with pytest.raises(PermissionDenied):
        services.reject(order, person("operator.gunsan"), "no")
    with pytest.raises(PermissionDenied):
        services.reject(order, people["citizen"], "no")


@pytest.mark.parametrize("state", [State.SUBMITTED, State.APPROVED, State.QUEUED])
def test_the_customer_cancels_before_printing_and_gets_everything_back(place_order, people, state):
    citizen = people["citizen"]
    before = billing.balance_of(citizen)
    order = place_order("citizen", quantity=2, total_krw=5_500)
    if state != State.SUBMITTED:
        services.approve(order, people["operator"])
    _force(order, state)
    services.cancel(order, citizen)
    order.refresh_from_db()
    assert (order.state, order.cancelled_by) == (State.CANCELLED, "customer")
    assert billing.balance_of(citizen) == before
    assert set(order.jobs.values_list("state", flat=True)) <= {Job.State.CANCELLED}


@pytest.mark.parametrize(
    "state",
    [State.PRINTING, State.POST_PROCESSING, State.READY, State.PICKED_UP, State.REJECTED],
)
def test_no_cancelling_once_printing_started(place_order, people, state):
    order = _force(place_order("citizen", total_krw=5_500), state)
    balance = billing.balance_of(people["citizen"])
    assert not services.can_cancel(people["citizen"], order)
    with pytest.raises(services.InvalidTransition):
        services.cancel(order, people["citizen"])
    assert billing.balance_of(people["citizen"]) == balance


def test_staff_cancel_with_a_reason(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    with pytest.raises(services.OrderError):
        services.cancel(order, people["manager"], "")
    services.cancel(order, people["manager"], "재료가 떨어졌습니다")
    order.refresh_from_db()
    assert (order.state, order.cancelled_by) == (State.CANCELLED, "staff")
    assert order.events.last().note == "재료가 떨어졌습니다"


@pytest.mark.parametrize("role", ["designer", "operator.gunsan"])
def test_others_cannot_cancel(place_order, role):
    order = place_order("citizen", total_krw=5_500)
    with pytest.raises(PermissionDenied):
        services.cancel(order, person(role), "reason")


# --- moving on by hand ----------------------------------------------------------------------


def test_staff_move_an_order_along_and_the_jobs_follow(place_order, people):
    order = place_order("citizen", quantity=2, total_krw=5_500)
    operator = people["operator"]
    services.approve(order, operator)
    assert services.manual_next_states(order) == [State.PRINTING]
    services.move_on(order, State.PRINTING, operator)
    # Only a printer prints: the jobs wait for one (the fleet tests follow them there).
    assert set(order.jobs.values_list("state", flat=True)) == {Job.State.QUEUED}
    assert services.manual_next_states(order) == [
        State.POST_PROCESSING,
        State.READY,
        State.QUEUED,
    ]
    services.move_on(order, State.QUEUED, operator, "노즐 막힘, 다시 출력")
    assert set(order.jobs.values_list("state", flat=True)) == {Job.State.QUEUED}
    services.move_on(order, State.PRINTING, operator)
    services.move_on(order, State.POST_PROCESSING, operator)
    assert set(order.jobs.values_list("state", flat=True)) == {Job.State.COMPLETED}
    services.move_on(order, State.READY, operator)
    services.confirm_pickup(order, operator)
    order.refresh_from_db()
    assert order.state == State.PICKED_UP
    assert list(order.events.values_list("state", flat=True)) == [
        State.SUBMITTED,
        State.APPROVED,
        State.QUEUED,
        State.PRINTING,
        State.QUEUED,
        State.PRINTING,
        State.POST_PROCESSING,
        State.READY,
        State.PICKED_UP,
    ]


def test_moves_by_hand_refuse_what_needs_its_own_step(place_order, people):
    order = place_order("citizen", total_krw=5_500)
    operator = people["operator"]
    for state in (State.APPROVED, State.REJECTED, State.CANCELLED):
        with pytest.raises(services.InvalidTransition):
            services.move_on(order, state, operator)
    with pytest.raises(services.OrderError) as unknown:
        services.move_on(order, "flying", operator)
    assert unknown.value.code == "unknown_state"
    with pytest.raises(services.InvalidTransition):
        services.move_on(order, State.PRINTING, operator)  # not approved yet
    order = _force(order, State.APPROVED)
    with pytest.raises(services.InvalidTransition):
        services.move_on(order, State.QUEUED, operator)  # only approval queues it
    with pytest.raises(services.InvalidTransition):
        services.confirm_pickup(order, operator)
    with pytest.raises(PermissionDenied):
        services.move_on(_force(order, State.QUEUED), State.PRINTING, people["citizen"])


# --- messages -------------------------------------------------------------------------------


def test_the_customer_is_told_in_korean_by_default(
    place_order, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order("citizen", total_krw=5_500)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(order, people["operator"])
    notes = list(Notification.objects.filter(order=order).order_by("pk"))
    assert [n.subject for n in notes] == [
        f"주문 {order.number} 접수",
        f"주문 {order.number} 승인",
    ]
    assert "출력 대기" in notes[1].body or "대기" in notes[1].body
    assert [m.to for m in mail.outbox] == [[people["citizen"].email]] * 2
    assert mail.outbox[1].subject == notes[1].subject
    assert f"/orders/{order.pk}/" in mail.outbox[1].body


def test_the_customer_is_told_in_english_when_they_prefer_it(
    place_order, people, django_capture_on_commit_callbacks
):
    citizen = people["citizen"]
    citizen.preferred_language = "en"
    citizen.save()
    order = place_order(citizen, total_krw=5_500)
    services.approve(order, people["operator"])
    services.move_on(order, State.PRINTING, people["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        services.move_on(order, State.READY, people["operator"])
    ready = Notification.objects.filter(order=order).first()
    assert ready.subject == f"Order {order.number} is ready for pickup"
    assert "Jeonju 3D Printing Convergence Center" in ready.body
    assert "QR code" in ready.body
    [sent] = mail.outbox
    assert sent.subject == ready.subject and sent.to == [citizen.email]


def test_rejection_message_gives_the_reason_and_the_refund(make_option, people):
    order = services.submit_order(people["student"], make_option("student", total_krw=33_000))
    services.reject(order, people["operator"], "Not printable as is")
    message = Notification.objects.filter(order=order).first()
    assert "Not printable as is" in message.body
    assert "₩20,000" in message.body and "₩13,000" in message.body


def test_no_mail_when_the_change_is_rolled_back(
    place_order, people, django_capture_on_commit_callbacks
):
    order = place_order("citizen", note="gun rack", total_krw=5_500)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.PolicyCheckRequired),
    ):
        services.approve(order, people["operator"])
    assert mail.outbox == []
    assert not OrderEvent.objects.filter(order=order, state=State.APPROVED).exists()
