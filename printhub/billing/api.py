"""The billing API: my balance with the subsidies I can use, my invoices."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from printhub.billing import services

PREFIX = "/billing"
router = Router(tags=["billing"])


class SubsidyOut(Schema):
    id: int
    name: str
    kind: str
    amount_krw: int
    used_krw: int
    available_krw: int
    period_start: dt.datetime | None
    period_end: dt.datetime | None


class BalanceOut(Schema):
    balance_krw: int
    subsidies: list[SubsidyOut]


class InvoiceOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str
    issued_at: dt.datetime
    lines: list[dict]
    subtotal_krw: int
    vat_krw: int
    total_krw: int
    paid_by_subsidy_krw: int
    paid_by_balance_krw: int
    refunded_at: dt.datetime | None


@router.get("/balance", response=BalanceOut)
def balance(request):
    """My prepaid balance and what each of my subsidies has left now."""
    user = request.auth
    return {
        "balance_krw": services.balance_of(user),
        "subsidies": [
            {
                "id": s.subsidy.pk,
                "name": s.subsidy.name,
                "kind": s.subsidy.kind,
                "amount_krw": s.amount_krw,
                "used_krw": s.used_krw,
                "available_krw": s.available_krw,
                "period_start": s.period_start,
                "period_end": s.period_end,
            }
            for s in services.subsidy_status(user)
        ],
    }


@router.get("/invoices", response=list[InvoiceOut])
def invoices(request):
    """My invoices, newest first."""
    return [
        {
            "id": i.pk,
            "number": i.number,
            "order_id": i.order_id,
            "order_number": i.order.number,
            "issued_at": i.issued_at,
            "lines": i.lines,
            "subtotal_krw": i.subtotal_krw,
            "vat_krw": i.vat_krw,
            "total_krw": i.total_krw,
            "paid_by_subsidy_krw": i.paid_by_subsidy_krw,
            "paid_by_balance_krw": i.paid_by_balance_krw,
            "refunded_at": i.refunded_at,
        }
        for i in services.invoices_of(request.auth)
    ]
