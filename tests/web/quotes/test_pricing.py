"""Pricing arithmetic: exact won, VAT rounding, the minimum order (no database)."""

import pytest

from printhub.quotes import pricing


def test_round_won_halves_go_up():
    assert pricing.round_won(2.5) == 3
    assert pricing.round_won(3.5) == 4  # not banker's rounding
    assert pricing.round_won(2.4999) == 2
    assert pricing.round_won(0) == 0


def test_material_is_grams_times_quantity_times_price_per_kg():
    # 12.5 g × 2 parts × ₩30,000/kg = ₩750 exactly
    assert pricing.material_krw(12.5, 2, 30_000) == 750
    # 0.05 g × ₩30,000/kg = ₩1.5 → ₩2 (half up), computed in decimals, not binary floats
    assert pricing.material_krw(0.05, 1, 30_000) == 2
    # 0.1 g × 3 × ₩10,000/kg = ₩3 exactly (0.1 × 3 in floats is 0.30000000000000004)
    assert pricing.material_krw(0.1, 3, 10_000) == 3


def test_resin_is_millilitres_times_price_per_litre():
    # 18.3 ml × 4 × ₩75,000/L = ₩5,490
    assert pricing.material_krw(18.3, 4, 75_000) == 5_490


def test_machine_time_is_hours_times_quantity_times_rate():
    assert pricing.machine_krw(5_400, 2, 2_500) == 7_500  # 1.5 h × 2 × ₩2,500
    # 1 s × ₩2,500/h = ₩0.694… → ₩1
    assert pricing.machine_krw(1, 1, 2_500) == 1
    # 9 s × ₩2,500/h = ₩6.25 → ₩6
    assert pricing.machine_krw(9, 1, 2_500) == 6


def test_post_processing_is_per_part():
    assert pricing.post_processing_krw([2_000, 5_000], 3) == 21_000
    assert pricing.post_processing_krw([], 3) == 0


def test_vat_is_rounded_half_up_to_the_won():
    assert pricing.vat_krw(12_345, 10) == 1_235  # 1,234.5 → 1,235
    assert pricing.vat_krw(12_344, 10) == 1_234  # 1,234.4 → 1,234
    assert pricing.vat_krw(10_000, 0) == 0


def test_breakdown_adds_up_and_tops_up_to_the_minimum():
    small = pricing.breakdown(
        material_krw=300,
        machine_krw=1_200,
        setup_krw=3_000,
        post_processing_krw=0,
        minimum_order_krw=5_000,
        vat_percent=10,
    )
    assert small.minimum_top_up_krw == 500
    assert small.subtotal_krw == 5_000
    assert small.vat_krw == 500
    assert small.total_krw == 5_500

    large = pricing.breakdown(
        material_krw=3_000,
        machine_krw=5_000,
        setup_krw=3_000,
        post_processing_krw=345,
        minimum_order_krw=5_000,
        vat_percent=10,
    )
    assert large.minimum_top_up_krw == 0
    assert large.subtotal_krw == 11_345
    assert large.vat_krw == 1_135  # 1,134.5 → 1,135
    assert large.total_krw == 12_480
    lines = (
        large.material_krw,
        large.machine_krw,
        large.setup_krw,
        large.post_processing_krw,
        large.minimum_top_up_krw,
    )
    assert sum(lines) == large.subtotal_krw


def test_price_job_the_whole_way():
    prices = pricing.CenterPrices(
        material_price=30_000,
        krw_per_hour=2_500,
        setup_fee_krw=3_000,
        minimum_order_krw=5_000,
        vat_percent=10,
        post_processing_per_part_krw=(2_000,),
    )
    result = pricing.price_job(prices, material_per_part=50.0, print_time_s=3_600, quantity=2)
    assert result.to_dict() == {
        "material_krw": 3_000,
        "machine_krw": 5_000,
        "setup_krw": 3_000,
        "post_processing_krw": 4_000,
        "minimum_top_up_krw": 0,
        "subtotal_krw": 15_000,
        "vat_krw": 1_500,
        "total_krw": 16_500,
    }


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True, "2"])
def test_bad_quantities_are_refused(quantity):
    with pytest.raises(ValueError, match="quantity"):
        pricing.material_krw(10, quantity, 30_000)


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        pricing.material_krw(-1, 1, 30_000)
    with pytest.raises(ValueError):
        pricing.machine_krw(-1, 1, 2_500)
    with pytest.raises(ValueError):
        pricing.breakdown(
            material_krw=-5,
            machine_krw=0,
            setup_krw=0,
            post_processing_krw=0,
            minimum_order_krw=0,
            vat_percent=10,
        )
