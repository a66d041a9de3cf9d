"""Prices of a print job in integer won: pure arithmetic over plain values (no database).

Rounding, once and in one place:

- Every line of the breakdown (material, machine time, set-up, post-processing) is rounded
  to the won on its own, half up (₩12.5 → ₩13), from the exact product of its inputs
  (decimal arithmetic on the figures as given, no binary-float drift: 0.1 g × ₩30,000/kg is
  exactly ₩3).
- The minimum order applies to the sum of those lines before VAT: when the lines add up to
  less, a top-up line brings the subtotal to the minimum.
- VAT is the center's percentage of the subtotal, rounded half up to the won; the total is
  subtotal + VAT. So total = subtotal + VAT exactly, and the lines add up to the subtotal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

SECONDS_PER_HOUR = 3600


def _decimal(value: float | int | Decimal) -> Decimal:
    """A number as the decimal people read (0.1 stays 0.1, not 0.1000000000000000055…)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))


def round_won(amount: float | int | Decimal) -> int:
    """Round an amount of won to a whole won, halves up (₩2.5 → ₩3)."""
    return int(_decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def material_krw(amount_per_part: float, quantity: int, price: int, per: int = 1000) -> int:
    """Cost of the material: grams × quantity × ₩/kg ÷ 1000 (or ml × ₩/L ÷ 1000), to the won.

    amount_per_part : g (filament, powder) or ml (resin) for one part.
    price : ₩ per ``per`` units (₩/kg with per=1000 g; ₩/L with per=1000 ml).
    """
    _check_quantity(quantity)
    if amount_per_part < 0 or price < 0:
        raise ValueError("material amount and price cannot be negative")
    return round_won(_decimal(amount_per_part) * quantity * price / per)


def machine_krw(print_time_s: float, quantity: int, krw_per_hour: int) -> int:
    """Cost of machine time: print hours × quantity × the center's ₩/h, to the won."""
    _check_quantity(quantity)
    if print_time_s < 0 or krw_per_hour < 0:
        raise ValueError("print time and rate cannot be negative")
    return round_won(_decimal(print_time_s) * quantity * krw_per_hour / SECONDS_PER_HOUR)


def post_processing_krw(per_part_krw: Sequence[int], quantity: int) -> int:
    """Post-processing options chosen: the sum of their ₩ per part × quantity."""
    _check_quantity(quantity)
    return sum(int(p) for p in per_part_krw) * quantity


def vat_krw(subtotal_krw: int, vat_percent: int | float) -> int:
    """VAT on a subtotal at a percentage, rounded half up to the won."""
    return round_won(Decimal(subtotal_krw) * _decimal(vat_percent) / 100)


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError(f"quantity must be a whole number of at least 1, not {quantity!r}")


@dataclass(frozen=True)
class Breakdown:
    """A price in integer won, line by line. subtotal = the lines + top-up; total = + VAT."""

    material_krw: int
    machine_krw: int
    setup_krw: int
    post_processing_krw: int
    minimum_top_up_krw: int
    subtotal_krw: int
    vat_krw: int
    total_krw: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def breakdown(
    *,
    material_krw: int,
    machine_krw: int,
    setup_krw: int,
    post_processing_krw: int,
    minimum_order_krw: int,
    vat_percent: int | float,
) -> Breakdown:
    """Add up the (already rounded) lines, top up to the minimum order, add VAT."""
    lines = (material_krw, machine_krw, setup_krw, post_processing_krw)
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in lines):
        raise ValueError(f"price lines must be whole, non-negative won, not {lines!r}")
    before_minimum = sum(lines)
    top_up = max(0, int(minimum_order_krw) - before_minimum)
    subtotal = before_minimum + top_up
    vat = vat_krw(subtotal, vat_percent)
    return Breakdown(
        material_krw=material_krw,
        machine_krw=machine_krw,
        setup_krw=setup_krw,
        post_processing_krw=post_processing_krw,
        minimum_top_up_krw=top_up,
        subtotal_krw=subtotal,
        vat_krw=vat,
        total_krw=subtotal + vat,
    )


@dataclass(frozen=True)
class CenterPrices:
    """What a center charges, as plain values (from its price list)."""

    material_price: int  # ₩/kg (filament, powder) or ₩/L (resin)
    krw_per_hour: int
    setup_fee_krw: int
    minimum_order_krw: int
    vat_percent: int
    post_processing_per_part_krw: tuple[int, ...] = ()


def price_job(
    prices: CenterPrices, *, material_per_part: float, print_time_s: float, quantity: int
) -> Breakdown:
    """The whole breakdown of a job: quantity parts of one model at one center.

    material_per_part : g, or ml for resin (priced per litre), per part.
    print_time_s : printer time for one part.
    """
    return breakdown(
        material_krw=material_krw(material_per_part, quantity, prices.material_price),
        machine_krw=machine_krw(print_time_s, quantity, prices.krw_per_hour),
        setup_krw=int(prices.setup_fee_krw),
        post_processing_krw=post_processing_krw(prices.post_processing_per_part_krw, quantity),
        minimum_order_krw=prices.minimum_order_krw,
        vat_percent=prices.vat_percent,
    )
