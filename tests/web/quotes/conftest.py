"""Fixtures of the quotes tests: analysed models, fixed estimates, a fixed clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from printhub.geometry.io import write_stl
from printhub.geometry.mesh import Mesh
from printhub.parts.models import UploadedModel
from printhub.quotes import services

SEOUL = timezone.get_default_timezone()


def seoul(year, month, day, hour=0, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SEOUL)


# A Monday with no holiday in the demo data; the tests count weekdays from it.
MONDAY = dt.date(2026, 12, 7)
assert MONDAY.weekday() == 0


def box_mesh(size) -> Mesh:
    """A closed box of size (x, y, z) mm with its corner at the origin."""
    x, y, z = size
    vertices = np.array(
        [[0, 0, 0], [x, 0, 0], [x, y, 0], [0, y, 0], [0, 0, z], [x, 0, z], [x, y, z], [0, y, z]],
        dtype=np.float64,
    )
    faces = np.array(
        [
            [0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
            [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7],
        ],
        dtype=np.int32,
    )  # fmt: skip
    return Mesh(vertices, faces)


def box_stl(size) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "box.stl"
        write_stl(box_mesh(size), path)
        return path.read_bytes()


@pytest.fixture
def make_model(people):
    """make_model(size=(40, 30, 20), status="ready", owner=people["citizen"], fits=None)."""

    def make(size=(40.0, 30.0, 20.0), status="ready", owner=None, fits=None, name="bracket.stl"):
        content = box_stl(size)
        model = UploadedModel(
            owner=owner or people["citizen"],
            original_name=name,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            format="stl",
            status=status,
        )
        model.file.save("original", ContentFile(content), save=False)
        if status == "ready":
            model.volume_mm3 = float(size[0] * size[1] * size[2])
            model.bbox_x_mm, model.bbox_y_mm, model.bbox_z_mm = (float(v) for v in size)
            model.analysed_at = timezone.now()
            model.report = {
                "bbox_mm": list(size),
                "printer_fits": [
                    {"printer_id": pid, "fits": ok} for pid, ok in (fits or {}).items()
                ],
            }
        model.save()
        return model

    return make


@pytest.fixture
def estimates(monkeypatch):
    """Fixed figures per printer model: estimates.set(print_time_s=…, material_g=…, …).

    Replaces the parts app's estimate so that prices are exact and known. A printer model
    can get its own figures: estimates.set(printer="voron-2.4-350", print_time_s=…).
    """
    table: dict[str | None, SimpleNamespace] = {}
    calls: list[str] = []

    def set_figures(printer=None, print_time_s=3600.0, material_g=50.0, material_ml=None):
        table[printer] = SimpleNamespace(
            print_time_s=print_time_s, material_g=material_g, material_ml=material_ml
        )

    def fake(model, printer_catalog_id, material_catalog_id, layer_height_mm, infill):
        calls.append(printer_catalog_id)
        return table.get(printer_catalog_id) or table[None]

    set_figures()
    monkeypatch.setattr(services, "_estimate_for", fake)
    return SimpleNamespace(set=set_figures, calls=calls)


@pytest.fixture(autouse=True)
def _fresh_network_in_previews(settings):
    """Previews read the network afresh in tests (the DB changes between and within tests)."""
    from printhub.quotes import services as quote_services

    settings.QUOTE_PREVIEW_CACHE_SECONDS = 0
    quote_services._network_cache.clear()
    yield
    quote_services._network_cache.clear()
