"""Submitting an order: checks, numbering without gaps, paying (subsidies, then balance)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from printhub.billing import services as billing
from printhub.billing.models import Invoice, LedgerEntry, Sequence, Subsidy
from printhub.orders import services
from printhub.orders.models import Notification, Order, OrderEvent, State


def _year() -> int:
    return timezone.localdate().year


def _ledger_count() -> int:
    return LedgerEntry.objects.count()


def test_an_order_takes_what_the_quote_says(make_option, people):
    option = make_option("citizen", quantity=3, center="gunsan")
    quote = option.quote
    order = services.submit_order(people["citizen"], option, "  흰색으로 부탁드립니다  ")
    assert re.fullmatch(rf"PH-{_year()}-\d{{6}}", order.number)
    assert order.state == State.SUBMITTED
    assert order.customer == people["citizen"]
    assert order.center.slug == "gunsan"
    assert (order.quantity, order.material, order.color) == (3, quote.material, "white")
    assert order.model == quote.model
    assert order.total_krw == option.total_krw == 19_800
    assert order.note == "흰색으로 부탁드립니다"
    assert order.policy_flags == []
    assert list(order.events.values_list("state", flat=True)) == [State.SUBMITTED]
    assert Notification.objects.filter(order=order, user=people["citizen"]).count() == 1


def test_order_numbers_follow_each_other_without_gaps(place_order):
    numbers = [place_order("citizen", total_krw=5_500).number for _ in range(3)]
    counters = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert counters == [counters[0], counters[0] + 1, counters[0] + 2]
    invoices = [int(Invoice.objects.get(order__number=n).number.rsplit("-", 1)[1]) for n in numbers]
    assert invoices == [invoices[0], invoices[0] + 1, invoices[0] + 2]


def test_a_refused_order_leaves_no_gap_in_the_numbers(place_order, make_option, people):
    first = place_order("citizen", total_krw=5_500)
    too_dear = make_option("citizen", total_krw=1_100_000)
    with pytest.raises(billing.InsufficientFunds):
        services.submit_order(people["citizen"], too_dear)
    second = place_order("citizen", total_krw=5_500)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert int(second.invoice.number[-6:]) == int(first.invoice.number[-6:]) + 1


def test_each_year_has_its_own_series(db):
    with transaction.atomic():
        assert billing.next_number("order", 2031) == 1
        assert billing.next_number("order", 2031) == 2
        assert billing.next_number("order", 2032) == 1
        assert billing.next_number("invoice", 2031) == 1
    assert billing.format_number("PH", 2031, 2) == "PH-2031-000002"
    assert Sequence.objects.get(name="order", year=2031).last_number == 2


def test_a_rolled_back_transaction_gives_its_number_back(db):
    with transaction.atomic():
        billing.next_number("order", 2033)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        billing.next_number("order", 2033)
        1 / 0  # noqa: B018 - anything failing after the number was taken
    with transaction.atomic():
        assert billing.next_number("order", 2033) == 2


# --- what may be ordered ---------------------------------------------------------------


def test_only_the_owner_of_the_quote_may_order_it(make_option, people):
    option = make_option("citizen")
    with pytest.raises(PermissionDenied):
        services.submit_order(people["designer"], option)
    assert not Order.objects.filter(quote_option=option).exists()


def test_an_expired_quote_cannot_be_ordered(make_option, people):
    option = make_option("citizen", valid_for=dt.timedelta(seconds=-1))
    with pytest.raises(services.OrderError, match="만료"):
        services.submit_order(people["citizen"], option)
    with translation.override("en"), pytest.raises(services.OrderError, match="expired"):
        services.submit_order(people["citizen"], option)
    assert not Order.objects.filter(quote_option=option).exists()


def test_an_option_the_center_cannot_print_cannot_be_ordered(make_option, people):
    option = make_option("citizen", eligible=False)
    with pytest.raises(services.OrderError) as refused:
        services.submit_order(people["citizen"], option)
    assert refused.value.code == "option_not_eligible"


def test_prices_that_do_not_add_up_are_refused(make_option, people):
    option = make_option("citizen")
    option.total_krw += 1
    option.save()
    with pytest.raises(services.OrderError) as refused:
        services.submit_order(people["citizen"], option)
    assert refused.value.code == "quote_inconsistent"


def test_the_same_quote_is_not_ordered_twice(make_option, people):
    option = make_option("citizen")
    first = services.submit_order(people["citizen"], option)
    with pytest.raises(services.OrderError, match=first.number):
        services.submit_order(people["citizen"], option)
    services.cancel(first, people["citizen"])
    again = services.submit_order(people["citizen"], option)
    assert again.number != first.number


def test_a_very_long_note_is_refused(make_option, people):
    option = make_option("citizen")
    with pytest.raises(services.OrderError, match="2,000"):
        services.submit_order(people["citizen"], option, "가" * 2001)


# --- paying --------------------------------------------------------------------------------


def test_a_citizen_pays_from_the_balance(make_option, people):
    citizen = people["citizen"]
    before = billing.balance_of(citizen)
    order = services.submit_order(citizen, make_option("citizen"))
    assert billing.balance_of(citizen) == before - 19_800
    entries = LedgerEntry.objects.filter(order=order)
    assert [(e.kind, e.amount_krw, e.subsidy_id) for e in entries] == [
        (LedgerEntry.Kind.PAYMENT, -19_800, None)
    ]
    assert (order.invoice.paid_by_subsidy_krw, order.invoice.paid_by_balance_krw) == (0, 19_800)


def test_a_student_pays_from_the_monthly_quota_first_then_the_balance(make_option, people):
    student = people["student"]
    quota = Subsidy.objects.get(kind=Subsidy.Kind.MONTHLY_QUOTA, role="student")
    balance = billing.balance_of(student)
    order = services.submit_order(student, make_option("student", total_krw=33_000))
    by_kind = {e.kind: e for e in LedgerEntry.objects.filter(order=order)}
    assert by_kind[LedgerEntry.Kind.SUBSIDY_USE].amount_krw == -20_000
    assert by_kind[LedgerEntry.Kind.SUBSIDY_USE].subsidy == quota
    assert by_kind[LedgerEntry.Kind.PAYMENT].amount_krw == -13_000
    assert billing.balance_of(student) == balance - 13_000
    assert (order.invoice.paid_by_subsidy_krw, order.invoice.paid_by_balance_krw) == (
        20_000,
        13_000,
    )
    [status] = billing.subsidy_status(student)
    assert (status.used_krw, status.available_krw) == (20_000, 0)
    # The next order this month is paid from the balance alone.
    second = services.submit_order(student, make_option("student", total_krw=11_000))
    assert second.invoice.paid_by_subsidy_krw == 0
    assert billing.balance_of(student) == balance - 24_000


def test_a_small_order_leaves_the_rest_of_the_quota(make_option, people):
    student = people["student"]
    services.submit_order(student, make_option("student", total_krw=5_500))
    [status] = billing.subsidy_status(student)
    assert status.available_krw == 14_500
    order = services.submit_order(student, make_option("student", total_krw=22_000))
    assert order.invoice.paid_by_subsidy_krw == 14_500
    assert order.invoice.paid_by_balance_krw == 7_500


def test_a_quota_is_only_for_its_role(make_option, people):
    order = services.submit_order(people["designer"], make_option("designer"))
    assert order.invoice.paid_by_subsidy_krw == 0


def test_an_inactive_or_expired_subsidy_is_not_used(make_option, people):
    quota = Subsidy.objects.get(kind=Subsidy.Kind.MONTHLY_QUOTA, role="student")
    quota.valid_until = timezone.localdate() - dt.timedelta(days=1)
    quota.save()
    assert billing.subsidy_status(people["student"]) == []
    order = services.submit_order(people["student"], make_option("student"))
    assert order.invoice.paid_by_subsidy_krw == 0


def test_the_monthly_quota_starts_again_each_month_in_seoul(make_option, people):
    student = people["student"]
    quota = Subsidy.objects.get(kind=Subsidy.Kind.MONTHLY_QUOTA, role="student")
    quota.valid_from = dt.date(2020, 1, 1)
    quota.save()
    seoul = timezone.get_default_timezone()
    # 23:30 on the last day of February in Seoul is 14:30 UTC: it belongs to February.
    end_of_february = dt.datetime(2027, 2, 28, 23, 30, tzinfo=seoul)
    LedgerEntry.objects.create(
        user=student,
        kind=LedgerEntry.Kind.SUBSIDY_USE,
        amount_krw=-15_000,
        subsidy=quota,
        created_at=end_of_february,
    )
    # Ten minutes after midnight on 1 March in Seoul is still 28 February in UTC.
    start_of_march = dt.datetime(2027, 3, 1, 0, 10, tzinfo=seoul)
    assert start_of_march.astimezone(dt.UTC).day == 28
    LedgerEntry.objects.create(
        user=student,
        kind=LedgerEntry.Kind.SUBSIDY_USE,
        amount_krw=-4_000,
        subsidy=quota,
        created_at=start_of_march,
    )
    [february] = billing.subsidy_status(student, at=dt.datetime(2027, 2, 10, tzinfo=seoul))
    [march] = billing.subsidy_status(student, at=dt.datetime(2027, 3, 20, tzinfo=seoul))
    [april] = billing.subsidy_status(student, at=dt.datetime(2027, 4, 1, tzinfo=seoul))
    assert (february.used_krw, february.available_krw) == (15_000, 5_000)
    assert (march.used_krw, march.available_krw) == (4_000, 16_000)
    assert (april.used_krw, april.available_krw) == (0, 20_000)
    assert march.period_start == dt.datetime(2027, 3, 1, tzinfo=seoul)
    assert march.period_end == dt.datetime(2027, 4, 1, tzinfo=seoul)
    december = billing.month_bounds(dt.datetime(2027, 12, 31, 23, 59, tzinfo=seoul))
    assert december == (
        dt.datetime(2027, 12, 1, tzinfo=seoul),
        dt.datetime(2028, 1, 1, tzinfo=seoul),
    )


def test_a_refund_gives_the_quota_back_to_the_month_it_came_from(place_order, people):
    student = people["student"]
    Subsidy.objects.filter(role="student").update(valid_from=dt.date(2020, 1, 1))
    order = place_order("student")
    use = LedgerEntry.objects.get(order=order, kind=LedgerEntry.Kind.SUBSIDY_USE)
    last_month = billing.month_bounds(timezone.now())[0] - dt.timedelta(days=3)
    LedgerEntry.objects.filter(pk=use.pk).update(created_at=last_month)
    order.created_at = last_month
    order.save()
    [now] = billing.subsidy_status(student)
    assert now.available_krw == 20_000  # last month's use does not count now
    services.cancel(order, student)
    [after] = billing.subsidy_status(student)
    assert after.available_krw == 20_000  # and its refund does not add to this month
    [then] = billing.subsidy_status(student, at=last_month)
    assert then.used_krw == 0  # it went back to last month


def test_a_program_budget_pays_for_its_members_and_is_shared(make_option, people):
    startup = people["startup"]
    program = Subsidy.objects.get(kind=Subsidy.Kind.PROGRAM_BUDGET)
    partner = _new_user("partner@demo.printhub.kr", "startup")
    program.members.add(partner)
    program.amount_krw = 30_000
    program.save()
    LedgerEntry.objects.create(user=partner, kind=LedgerEntry.Kind.TOP_UP, amount_krw=10_000)

    first = services.submit_order(startup, make_option(startup, total_krw=22_000))
    assert first.invoice.paid_by_subsidy_krw == 22_000
    [status] = billing.subsidy_status(partner)
    assert (status.used_krw, status.available_krw) == (22_000, 8_000)

    second = services.submit_order(partner, make_option(partner, total_krw=11_000))
    assert (second.invoice.paid_by_subsidy_krw, second.invoice.paid_by_balance_krw) == (
        8_000,
        3_000,
    )
    assert billing.subsidy_status(startup)[0].available_krw == 0
    # Someone outside the program does not get it.
    assert billing.subsidy_status(people["citizen"]) == []


def _new_user(email: str, role: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(email, "x", display_name="동료", role=role)


def test_not_enough_money_creates_nothing_and_says_how_much(make_option, people):
    student = people["student"]
    option = make_option("student", total_krw=77_000)  # quota 20,000 + balance 50,000 < 77,000
    counts = (Order.objects.count(), _ledger_count(), Invoice.objects.count())
    sequences = list(Sequence.objects.values_list("name", "year", "last_number"))
    events, notes = OrderEvent.objects.count(), Notification.objects.count()
    with translation.override("en"), pytest.raises(billing.InsufficientFunds) as refused:
        services.submit_order(student, option)
    message = " ".join(refused.value.messages)
    for amount in ("₩77,000", "₩20,000", "₩50,000", "₩7,000"):
        assert amount in message
    assert "Top up your balance at the counter" in message
    with pytest.raises(billing.InsufficientFunds) as in_korean:
        services.submit_order(student, option)
    assert "₩7,000이(가) 부족합니다" in " ".join(in_korean.value.messages)
    plan = refused.value.plan
    assert (plan.from_subsidies_krw, plan.from_balance_krw, plan.shortfall_krw) == (
        20_000,
        50_000,
        7_000,
    )
    assert (Order.objects.count(), _ledger_count(), Invoice.objects.count()) == counts
    assert list(Sequence.objects.values_list("name", "year", "last_number")) == sequences
    assert (OrderEvent.objects.count(), Notification.objects.count()) == (events, notes)
    assert billing.balance_of(student) == 50_000


def test_the_payment_preview_matches_what_is_charged(make_option, people):
    option = make_option("student", total_krw=33_000)
    plan = services.preview_payment(people["student"], option)
    assert (plan.from_subsidies_krw, plan.from_balance_krw, plan.balance_after_krw) == (
        20_000,
        13_000,
        37_000,
    )
    order = services.submit_order(people["student"], option)
    assert order.invoice.paid_by_subsidy_krw == plan.from_subsidies_krw
    assert billing.balance_of(people["student"]) == plan.balance_after_krw


def test_a_free_order_needs_no_money(make_option, people):
    option = make_option(
        "citizen", material_krw=0, machine_krw=0, setup_krw=0, post_processing_krw=0
    )
    order = services.submit_order(people["citizen"], option)
    assert order.total_krw == 0
    assert not LedgerEntry.objects.filter(order=order).exists()
    assert order.invoice.total_krw == 0


# --- policy flags --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "note", "word"),
    [
        ("pistol_grip.stl", "", "pistol"),
        ("GunHolder_v2.3mf", "", "gun"),
        ("part.stl", "suppressor for my airsoft", "suppressor"),
        ("AR-15 lower receiver.stl", "", "receiver"),
        ("kitchen-knives.stl", "", "knives"),
        ("권총_모형.stl", "", "권총"),
        ("part.stl", "소음기 부품입니다", "소음기"),
        ("part.stl", "총을 만들려고 합니다", "총"),
        ("칼.stl", "", "칼"),
        ("part.stl", "흉기 아님", "흉기"),
        ("part.stl", "무기 거치대", "무기"),
        ("part.stl", "도검 손잡이", "도검"),
        ("part.stl", "소총 개머리판", "소총"),
    ],
)
def test_weapon_like_words_flag_an_order(place_order, file_name, note, word):
    order = place_order("citizen", note=note, file_name=file_name)
    [flag] = order.policy_flags
    assert flag["code"] == "weapon_words"
    assert word in flag["words"]


@pytest.mark.parametrize(
    ("file_name", "note"),
    [
        ("gunsan_center_logo.stl", "군산 센터에서 받을게요"),
        ("begun.stl", "The print has begun"),
        ("bracket.stl", "총 3개 출력 부탁드립니다. 총 비용 확인했습니다."),
        ("칼국수_그릇.stl", "칼라는 흰색으로"),
        ("part.stl", "무기력하지 않은 디자인, 무기한 보관"),
        ("검정_받침대.stl", "검정색으로"),
    ],
)
def test_everyday_words_do_not_flag_an_order(place_order, file_name, note):
    assert place_order("citizen", note=note, file_name=file_name).policy_flags == []


def test_a_large_quantity_and_a_missing_analysis_are_flagged(place_order):
    order = place_order("citizen", quantity=51, analysed=False)
    codes = [f["code"] for f in order.policy_flags]
    assert codes == ["large_quantity", "no_analysis"]
    assert order.policy_flags[0]["quantity"] == 51
    assert place_order("citizen", quantity=50).policy_flags == []
