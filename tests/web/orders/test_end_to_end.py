"""From a real quote (the quotes app's service, the real estimate) to a picked-up order."""

from __future__ import annotations

from django.urls import reverse

from printhub.billing import services as billing
from printhub.orders import services
from printhub.orders.models import State
from printhub.production.models import Job
from tests.web.matrix import client_for
from tests.web.quotes.conftest import make_model  # noqa: F401 - a fixture


def test_a_quote_becomes_an_order_then_jobs_then_a_pickup(people, make_model):  # noqa: F811
    from printhub.quotes.services import create_quote

    student = people["student"]
    quote = create_quote(student, make_model(owner=student), "pla", quantity=2, center="jeonju")
    option = quote.best_option()
    assert option is not None and option.center.slug == "jeonju"
    before = billing.balance_of(student)

    customer = client_for("student")
    page = customer.get(reverse("orders:new", args=[option.pk])).content.decode()
    assert "주문 확인" in page
    customer.post(reverse("orders:new", args=[option.pk]), {"note": ""})
    order = student.orders.get(quote_option=option)
    assert (order.quantity, order.total_krw, order.center.slug) == (2, option.total_krw, "jeonju")
    invoice = order.invoice
    assert sum(line["amount_krw"] for line in invoice.charge_lines()) == option.subtotal_krw
    paid = invoice.paid_by_subsidy_krw + invoice.paid_by_balance_krw
    assert paid == option.total_krw
    assert billing.balance_of(student) == before - invoice.paid_by_balance_krw

    operator = people["operator"]
    services.approve(order, operator)
    jobs = list(order.jobs.all())
    # Two copies of a short part: one plate (printhub.production.services.plate_layout).
    assert sum(j.copies for j in jobs) == 2
    assert sum(j.estimated_print_s for j in jobs) == 2 * option.print_time_s
    services.move_on(order, State.PRINTING, operator)
    services.move_on(order, State.READY, operator)
    assert {j.state for j in order.jobs.all()} == {Job.State.COMPLETED}
    client_for("operator").post(reverse("orders:pickup", args=[order.pickup_token]))
    order.refresh_from_db()
    assert order.state == State.PICKED_UP
