"""The stock's data: what is left, one spool per printer, a use of exactly one item."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from printhub.inventory.models import Spool, StockUse


def test_remaining_is_initial_minus_used_never_below_zero(jeonju, make_spool):
    spool = make_spool(jeonju, initial_g=1000, used_g=250)
    assert spool.remaining_weight_g == 750
    assert spool.remaining_percent == 75
    spool.used_weight_g = 1200  # edited by hand past the initial weight
    assert spool.remaining_weight_g == 0
    assert spool.is_empty


def test_the_annotation_agrees_with_the_property(jeonju, make_spool):
    made = [make_spool(jeonju, used_g=used) for used in (0, 400, 1000)]
    spool_ids = [s.pk for s in made]
    annotated = Spool.objects.filter(pk__in=spool_ids).with_remaining().order_by("pk")
    assert [s.remaining_g for s in annotated] == [s.remaining_weight_g for s in made]
    assert [s.remaining_g for s in annotated] == [1000, 600, 0]


def test_a_printer_holds_at_most_one_spool(jeonju, make_spool, printer):
    mk3s = printer("jeonju", "MK3S-01")
    make_spool(jeonju, printer=mk3s)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_spool(jeonju, printer=mk3s)


def test_a_use_is_of_exactly_one_item(jeonju, make_spool, make_bottle):
    spool, bottle = make_spool(jeonju), make_bottle(jeonju)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockUse.objects.create(spool=spool, bottle=bottle, amount=1, unit="g")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockUse.objects.create(amount=1, unit="g")
    use = StockUse.objects.create(spool=spool, amount=12.5, unit="g")
    assert use.item == spool


def test_weights_cannot_go_negative(jeonju, make_spool):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_spool(jeonju, used_g=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_spool(jeonju, initial_g=0)
