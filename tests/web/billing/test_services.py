"""Balances, the ledger, invoices and top-ups at the desk."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from printhub.billing import services
from printhub.billing.gateway import NoProvider, PaymentProvider, PaymentUnavailable, get_provider
from printhub.billing.models import LedgerEntry
from printhub.network.models import Center
from printhub.orders import services as orders
from tests.web.matrix import person


def test_the_balance_is_the_sum_of_the_ledger_outside_subsidies(make_option, people):
    student = people["student"]
    orders.submit_order(student, make_option("student", total_krw=33_000))
    entries = LedgerEntry.objects.filter(user=student)
    assert services.balance_of(student) == sum(
        e.amount_krw for e in entries if e.subsidy_id is None
    )
    assert services.balance_of(student) == 50_000 - 13_000
    assert sum(e.amount_krw for e in entries if e.subsidy_id) == -20_000


def test_invoice_lines_add_up(make_option, people):
    option = make_option(
        "student",
        material_krw=12_345,
        machine_krw=6_789,
        setup_krw=3_000,
        post_processing_krw=4_000,
        minimum_top_up_krw=0,
    )
    order = orders.submit_order(people["student"], option)
    invoice = order.invoice
    assert invoice.number.startswith("INV-") and len(invoice.number) == len("INV-2026-000001")
    charges = invoice.charge_lines()
    assert [line["code"] for line in charges] == ["material", "machine", "setup", "post_processing"]
    assert sum(line["amount_krw"] for line in charges) == invoice.subtotal_krw == 26_134
    vat = [line for line in invoice.lines if line["kind"] == "vat"]
    assert vat == [{"kind": "vat", "code": "vat", "amount_krw": invoice.vat_krw}]
    assert invoice.subtotal_krw + invoice.vat_krw == invoice.total_krw == order.total_krw
    payments = invoice.payment_lines()
    assert sum(line["amount_krw"] for line in payments) == invoice.total_krw
    assert invoice.paid_by_subsidy_krw + invoice.paid_by_balance_krw == invoice.total_krw
    assert payments[0]["code"] == "subsidy" and payments[0]["name_ko"] == "학생 월 출력 지원"
    assert all(isinstance(line["amount_krw"], int) for line in invoice.lines)


def test_a_minimum_order_top_up_is_its_own_line(make_option, people):
    option = make_option(
        "citizen", material_krw=800, machine_krw=500, setup_krw=3_000, minimum_top_up_krw=700
    )
    invoice = orders.submit_order(people["citizen"], option).invoice
    assert invoice.charge_lines()[-1] == {
        "kind": "charge",
        "code": "minimum_top_up",
        "amount_krw": 700,
    }
    assert sum(line["amount_krw"] for line in invoice.charge_lines()) == 5_000


# --- top-ups at the desk --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "manager", "admin"])
def test_staff_record_money_received_at_the_desk(people, role):
    staff = person(role)
    citizen = people["citizen"]
    before = services.balance_of(citizen)
    jeonju = Center.objects.get(slug="jeonju")
    entry = services.top_up(
        citizen, 30_000, staff, method="cash", center=jeonju, note=" 영수증 12 "
    )
    assert services.balance_of(citizen) == before + 30_000
    assert (entry.kind, entry.method, entry.center, entry.created_by, entry.note) == (
        LedgerEntry.Kind.TOP_UP,
        "cash",
        jeonju,
        staff,
        "영수증 12",
    )


def test_customers_cannot_top_up(people):
    jeonju = Center.objects.get(slug="jeonju")
    with pytest.raises(PermissionDenied):
        services.top_up(people["citizen"], 1_000, people["designer"], method="cash", center=jeonju)


def test_staff_record_only_at_their_own_centers_desk(people):
    gunsan = Center.objects.get(slug="gunsan")
    with pytest.raises(PermissionDenied):
        services.top_up(people["citizen"], 1_000, people["operator"], method="card", center=gunsan)


@pytest.mark.parametrize(
    ("amount", "method"), [(0, "cash"), (-5, "cash"), (1_000_001, "cash"), (1_000, "bitcoin")]
)
def test_bad_top_ups_are_refused_and_nothing_is_stored(people, amount, method):
    jeonju = Center.objects.get(slug="jeonju")
    count = LedgerEntry.objects.count()
    with pytest.raises(services.BillingError):
        services.top_up(people["citizen"], amount, people["operator"], method=method, center=jeonju)
    assert LedgerEntry.objects.count() == count


def test_nobody_tops_up_their_own_account(people):
    jeonju = Center.objects.get(slug="jeonju")
    with pytest.raises(services.BillingError):
        services.top_up(people["manager"], 5_000, people["manager"], method="cash", center=jeonju)


# --- the payment gateway --------------------------------------------------------------------


def test_no_payment_provider_is_wired_in(db):
    provider = get_provider()
    assert isinstance(provider, NoProvider) and isinstance(provider, PaymentProvider)
    for call in (
        lambda: provider.create_payment(
            amount_krw=10_000, description="x", payer_email="a@b.kr", return_url="/"
        ),
        lambda: provider.confirm("ref"),
        lambda: provider.refund("ref", 1_000),
    ):
        with pytest.raises(PaymentUnavailable, match="창구"):
            call()


class _Desk(PaymentProvider):
    """A provider written for this test: it only shows how one plugs in."""

    name = "desk"

    def create_payment(self, *, amount_krw, description, payer_email, return_url):
        raise NotImplementedError

    def confirm(self, reference):
        raise NotImplementedError

    def refund(self, reference, amount_krw):
        raise NotImplementedError


def test_a_provider_is_chosen_by_a_setting(settings):
    settings.PAYMENT_PROVIDER = f"{__name__}._Desk"
    assert get_provider().name == "desk"
    settings.PAYMENT_PROVIDER = "collections.OrderedDict"
    with pytest.raises(TypeError, match="not a PaymentProvider"):
        get_provider()


def test_a_provider_must_implement_the_whole_interface():
    class Half(PaymentProvider):
        def confirm(self, reference):
            return None

    with pytest.raises(TypeError):
        Half()
