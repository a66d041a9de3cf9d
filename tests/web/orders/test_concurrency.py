"""Submissions at the same moment, on PostgreSQL: numbers stay unique and gap-free, and a
person cannot spend the same won twice.

These tests commit (other threads only see committed rows): everything they write
goes through threads of their own, outside the test's transaction, and they remove
what they made afterwards, leaving the session's database (and the number series)
as they found it. SQLite serialises writers with one lock for the whole database,
so the race only means something on PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from printhub.billing import services as billing
from printhub.billing.models import Invoice, LedgerEntry, Sequence
from printhub.orders import services
from printhub.orders.models import Order
from printhub.parts.models import UploadedModel
from tests.web.orders import factories

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db,
]


def _committed(call):
    """Run a call in a thread of its own (its own connection, autocommit); its result."""
    result: list = []

    def run():
        try:
            result.append(call())
        except Exception as err:
            result.append(err)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if isinstance(result[0], Exception):
        raise result[0]
    return result[0]


@pytest.fixture
def committed():
    """person(balance) → a committed customer with that balance; all removed afterwards."""
    made_users = []
    sequences = _committed(
        lambda: {(s.name, s.year): s.last_number for s in Sequence.objects.all()}
    )

    def make(balance_krw: int):
        user = get_user_model().objects.create_user(
            f"race-{uuid.uuid4().hex[:10]}@example.org", "x", display_name="경쟁", role="citizen"
        )
        LedgerEntry.objects.create(user=user, kind=LedgerEntry.Kind.TOP_UP, amount_krw=balance_krw)
        made_users.append(user)
        return user

    def clean_up():
        orders = Order.objects.filter(customer__in=made_users)
        LedgerEntry.objects.filter(user__in=made_users, reverses__isnull=False).delete()
        LedgerEntry.objects.filter(user__in=made_users).delete()
        Invoice.objects.filter(order__in=orders).delete()
        orders.delete()
        UploadedModel.objects.filter(owner__in=made_users).delete()  # and the quotes
        get_user_model().objects.filter(pk__in=[u.pk for u in made_users]).delete()
        for sequence in Sequence.objects.all():
            key = (sequence.name, sequence.year)
            if key in sequences:
                sequence.last_number = sequences[key]
                sequence.save()
            else:
                sequence.delete()

    try:
        yield lambda balance_krw: _committed(lambda: make(balance_krw))
    finally:
        _committed(clean_up)


def _at_once(calls) -> list:
    """Run the calls in threads released together; their results or exceptions, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as err:  # collected and checked by the test
            results[i] = err
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_simultaneous_orders_get_consecutive_numbers(committed):
    buyers = [committed(50_000) for _ in range(4)]
    options = [_committed(lambda b=b: factories.quote_option(b, total_krw=5_500)) for b in buyers]
    results = _at_once(
        [lambda b=b, o=o: services.submit_order(b, o) for b, o in zip(buyers, options, strict=True)]
    )
    assert all(isinstance(r, Order) for r in results), results
    numbers = sorted(int(r.number[-6:]) for r in results)
    assert numbers == list(range(numbers[0], numbers[0] + 4))
    invoices = sorted(int(Invoice.objects.get(order=r).number[-6:]) for r in results)
    assert invoices == list(range(invoices[0], invoices[0] + 4))


def test_one_balance_cannot_pay_two_orders_at_once(committed):
    buyer = committed(10_000)  # enough for one order of ₩5,500, not for two
    options = [_committed(lambda: factories.quote_option(buyer, total_krw=5_500)) for _ in range(2)]
    results = _at_once([lambda o=o: services.submit_order(buyer, o) for o in options])
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, billing.InsufficientFunds)]
    assert (len(placed), len(refused)) == (1, 1), results
    assert billing.balance_of(buyer) == 4_500
    assert Order.objects.filter(customer=buyer).count() == 1
