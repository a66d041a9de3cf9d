"""Fixtures of the parts app's tests: real model files, uploads, analysed models."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from printhub.geometry.io import write_stl
from printhub.geometry.mesh import Mesh
from printhub.parts import services

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def as_upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    """A real file as Django hands an upload to a view."""
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def bytes_upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def upload_as(people):
    """upload_as("citizen", path_or_upload) → the UploadedModel (analysed: tasks run inline)."""

    def make(role: str, source, name: str | None = None):
        uploaded = source if not isinstance(source, Path) else as_upload(source, name)
        return services.upload_model(people[role], uploaded)

    return make


@pytest.fixture
def bunny(upload_as, prusa_shapes):
    """The citizen's analysed bunny (292 triangles, needs support)."""
    return upload_as("citizen", prusa_shapes / "bunny.stl")


@pytest.fixture
def broken_box(upload_as):
    """The citizen's analysed broken box: a hole and a flipped face (repair has work)."""
    return upload_as("citizen", SAMPLES / "broken_box.stl")


def cube_mesh(size: float = 20.0) -> Mesh:
    """A closed cube, 12 triangles, outward winding."""
    v = (
        np.array(
            [
                [0, 0, 0],
                [1, 0, 0],
                [1, 1, 0],
                [0, 1, 0],
                [0, 0, 1],
                [1, 0, 1],
                [1, 1, 1],
                [0, 1, 1],
            ],
            dtype=np.float64,
        )
        * size
    )
    f = np.array(
        [
            [0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
            [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7],
        ],
        dtype=np.int32,
    )  # fmt: skip
    return Mesh(v, f)


def stl_bytes(mesh: Mesh, tmp_path: Path) -> bytes:
    path = tmp_path / "mesh.stl"
    write_stl(mesh, path)
    return path.read_bytes()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def order_for(model, center_slug: str):
    """An order of `model` at a center (so that center's staff may see the model)."""
    import datetime as dt

    from django.utils import timezone

    from printhub.network.models import Center, Material
    from printhub.orders.models import Order
    from printhub.quotes.models import Quote, QuoteOption

    center = Center.objects.get(slug=center_slug)
    material = Material.objects.get(catalog_id="pla")
    quote = Quote.objects.create(
        owner=model.owner,
        model=model,
        material=material,
        valid_until=timezone.now() + dt.timedelta(days=14),
    )
    option = QuoteOption.objects.create(quote=quote, center=center, eligible=True, total_krw=9000)
    return Order.objects.create(
        number=f"T-{model.id.hex[:10]}-{center_slug}",
        customer=model.owner,
        quote_option=option,
        center=center,
        model=model,
        material=material,
        quantity=1,
        total_krw=9000,
    )
