"""The estimate cache: computed once per (printer model, material, settings), then read."""

from __future__ import annotations

import numpy as np
import pytest

from printhub.geometry.io import load_model
from printhub.parts import estimates
from printhub.parts.estimates import EstimateUnavailable, estimate_for, settings_key
from printhub.parts.models import Estimate, UploadedModel
from printhub.slicing import PrintSettings
from printhub.slicing.errors import IncompatibleMaterial, InvalidSettings
from printhub.slicing.estimate import estimate


def test_settings_key():
    assert settings_key() == "layer=default;infill=20"
    assert settings_key(0.15, 35) == "layer=0.150;infill=35"
    assert settings_key(0.1500001, 35) == settings_key(0.15, 35)


def test_default_estimate_is_read_from_the_cache(bunny, monkeypatch):
    stored = Estimate.objects.get(
        model=bunny, printer_catalog_id="mk3s", material_catalog_id="pla",
        settings_key=settings_key(),
    )  # fmt: skip

    def must_not_run(*args, **kwargs):
        raise AssertionError("the estimator ran although the estimate is stored")

    monkeypatch.setattr("printhub.slicing.estimate.estimate", must_not_run)
    found = estimate_for(bunny, "mk3s", "pla")
    assert found.pk == stored.pk


def test_stored_figures_are_the_estimators_on_the_oriented_mesh(bunny, prusa_shapes):
    bunny.refresh_from_db()
    row = estimate_for(bunny, "mk3s", "pla")
    mesh = load_model(prusa_shapes / "bunny.stl").mesh
    oriented = mesh.transformed(np.array(bunny.orientation["rotation"]))
    expected = estimate(oriented, "mk3s", "pla", PrintSettings())
    assert row.print_time_s == pytest.approx(expected.print_time_s)
    assert row.material_g == pytest.approx(expected.material_g)
    assert row.layers == expected.layers
    assert row.material_ml is None
    assert row.details["mesh"] == "uploaded" and row.details["oriented"] is True
    assert row.details["filament_g"] == pytest.approx(expected.filament_g)


def test_other_settings_are_computed_once_on_demand(bunny):
    bunny.refresh_from_db()
    before = Estimate.objects.filter(model=bunny).count()
    fine = estimate_for(bunny, "mk3s", "pla", layer_height_mm=0.1, infill_percent=40)
    assert fine.settings_key == "layer=0.100;infill=40"
    assert Estimate.objects.filter(model=bunny).count() == before + 1
    again = estimate_for(bunny, "mk3s", "pla", layer_height_mm=0.1, infill_percent=40)
    assert again.pk == fine.pk
    default = estimate_for(bunny, "mk3s", "pla")
    assert fine.layers > default.layers  # thinner layers, more of them
    assert fine.print_time_s > default.print_time_s


def test_resin_estimates_store_millilitres(bunny):
    bunny.refresh_from_db()
    row = estimate_for(bunny, "sl1s", "resin-standard")
    assert row.material_ml is not None and row.material_ml > 0


def test_repaired_mesh_is_estimated_when_a_repair_changed_it(broken_box):
    broken_box.refresh_from_db()
    row = estimate_for(broken_box, "mk3s", "pla")
    assert row.details["mesh"] == "repaired"


def test_incompatible_material_raises_the_libraries_error(bunny):
    bunny.refresh_from_db()
    with pytest.raises(IncompatibleMaterial):
        estimate_for(bunny, "mk3s", "pla-cf")  # carbon fibre on a brass nozzle
    with pytest.raises(InvalidSettings):
        estimate_for(bunny, "mk3s", "pla", layer_height_mm=0.9)


def test_a_model_not_analysed_cannot_be_estimated(bunny):
    UploadedModel.objects.filter(pk=bunny.pk).update(status="analysing")
    bunny.refresh_from_db()
    with pytest.raises(EstimateUnavailable):
        estimate_for(bunny, "mk3s", "pla", infill_percent=50)


def test_a_concurrent_store_is_reused(bunny, monkeypatch):
    """Two requests computing the same estimate: the second keeps the first's row."""
    bunny.refresh_from_db()
    first = estimate_for(bunny, "mk3s", "petg", infill_percent=30)
    real_filter = Estimate.objects.filter

    class Miss:
        def first(self):
            return None

    monkeypatch.setattr(
        Estimate.objects,
        "filter",
        lambda *a, **k: Miss() if "settings_key" in k else real_filter(*a, **k),
    )
    second = estimates.estimate_for(bunny, "mk3s", "petg", infill_percent=30)
    assert second.pk == first.pk
