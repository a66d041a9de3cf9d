"""Quotes, options and orders made with the ORM for the order and billing tests.

The quotes app is written at the same time; these build its rows directly so
that the order tests do not depend on its pricing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.utils import timezone

from printhub.network.models import Center, Material
from printhub.parts.models import UploadedModel
from printhub.quotes.models import Quote, QuoteOption

# A price whose lines add up: 10,000 + 5,000 + 3,000 = 18,000; VAT 1,800; total 19,800.
DEFAULT_PRICES = {
    "material_krw": 10_000,
    "machine_krw": 5_000,
    "setup_krw": 3_000,
    "post_processing_krw": 0,
    "minimum_top_up_krw": 0,
}


def uploaded_model(owner, name: str = "bracket.stl", analysed: bool = True) -> UploadedModel:
    model_id = uuid.uuid4()
    return UploadedModel.objects.create(
        id=model_id,
        owner=owner,
        original_name=name,
        file=f"models/{model_id.hex[:2]}/{model_id.hex}/original",
        size_bytes=68_484,
        sha256=hashlib.sha256(model_id.bytes).hexdigest(),
        format="stl",
        status=UploadedModel.Status.READY if analysed else UploadedModel.Status.FAILED,
        report={"problems": [], "triangles": 1200} if analysed else None,
        triangles=1200 if analysed else None,
        bbox_x_mm=40.0,
        bbox_y_mm=30.0,
        bbox_z_mm=12.5,
    )


def prices_for_total(total_krw: int) -> dict:
    """Lines that add up to a total with 10 % VAT (total must be a multiple of 11)."""
    assert total_krw % 11 == 0, "choose a total that is subtotal × 1.1 exactly"
    subtotal = total_krw // 11 * 10
    setup = min(3_000, subtotal // 3)
    machine = (subtotal - setup) // 3
    return {
        "material_krw": subtotal - setup - machine,
        "machine_krw": machine,
        "setup_krw": setup,
        "post_processing_krw": 0,
        "minimum_top_up_krw": 0,
    }


def quote_option(
    owner,
    *,
    center: str = "jeonju",
    material: str | None = None,
    quantity: int = 1,
    total_krw: int | None = None,
    file_name: str = "bracket.stl",
    analysed: bool = True,
    eligible: bool = True,
    valid_for: dt.timedelta = dt.timedelta(days=14),
    print_time_s: float = 5400.0,
    **prices,
) -> QuoteOption:
    """A quote of `owner` with one option at `center` (prices add up unless overridden)."""
    center_obj = Center.objects.get(slug=center)
    material_obj = (
        Material.objects.get(catalog_id=material)
        if material
        else Material.objects.filter(process="fdm", filler="").order_by("sort_order").first()
    )
    model = uploaded_model(owner, file_name, analysed)
    now = timezone.now()
    quote = Quote.objects.create(
        owner=owner,
        model=model,
        material=material_obj,
        color="white",
        quantity=quantity,
        created_at=now,
        valid_until=now + valid_for,
    )
    lines = prices_for_total(total_krw) if total_krw is not None else dict(DEFAULT_PRICES)
    lines.update(prices)
    subtotal = sum(lines.values())
    vat = round(subtotal / 10)
    return QuoteOption.objects.create(
        quote=quote,
        center=center_obj,
        printer_catalog_id="mk3s",
        eligible=eligible,
        print_time_s=print_time_s,
        material_amount=42.0,
        subtotal_krw=subtotal,
        vat_krw=vat,
        total_krw=subtotal + vat,
        ready_at=now + dt.timedelta(days=2),
        **lines,
    )
