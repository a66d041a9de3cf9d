"""Thumbnails: a software rasteriser's pictures checked by what a person would see in them."""

from __future__ import annotations

import io

import numpy as np
import pytest
import trimesh
from PIL import Image

from printhub.geometry import thumbnail
from printhub.geometry.errors import EmptyMeshError, GeometryError
from printhub.geometry.mesh import Mesh
from printhub.geometry.thumbnail import render_thumbnail, save_thumbnail


def as_mesh(shape: trimesh.Trimesh) -> Mesh:
    return Mesh(np.asarray(shape.vertices, dtype=np.float64), shape.faces.astype(np.int32))


def box(extents, centre=(0.0, 0.0, 0.0)) -> Mesh:
    shape = trimesh.creation.box(extents)
    shape.apply_translation(centre)
    return as_mesh(shape)


def combine(*meshes: Mesh) -> tuple[Mesh, list[np.ndarray]]:
    """One mesh of several, and the face indices that came from each."""
    vertices, faces, groups, offset, first = [], [], [], 0, 0
    for mesh in meshes:
        vertices.append(mesh.vertices)
        faces.append(mesh.faces + offset)
        groups.append(np.arange(first, first + len(mesh.faces)))
        offset += len(mesh.vertices)
        first += len(mesh.faces)
    return Mesh(np.vstack(vertices), np.vstack(faces).astype(np.int32)), groups


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGBA")).astype(int)


def covered(image: Image.Image) -> np.ndarray:
    """(h, w) bool: pixels the model touches (any coverage on a transparent background)."""
    return pixels(image)[..., 3] > 0


def warning_pixels(image: Image.Image) -> np.ndarray:
    """(h, w) bool: pixels in the warning hue (red well above green and blue)."""
    rgba = pixels(image)
    r, g, b, a = rgba[..., 0], rgba[..., 1], rgba[..., 2], rgba[..., 3]
    return (a > 0) & (r > 1.6 * g + 10) & (r > 1.6 * b + 10)


def centroid(mask: np.ndarray) -> np.ndarray:
    """(x, y) mean pixel position of a mask, in units of the image's width and height."""
    rows, cols = np.nonzero(mask)
    return np.array([cols.mean() / mask.shape[1], rows.mean() / mask.shape[0]])


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


CUBE = box((20, 20, 20))


def test_same_mesh_gives_the_same_png_bytes():
    first = png_bytes(render_thumbnail(CUBE, size=(128, 128)))
    second = png_bytes(render_thumbnail(box((20, 20, 20)), size=(128, 128)))
    assert first == second


def test_chunk_and_batch_sizes_do_not_change_the_picture(monkeypatch):
    sphere = as_mesh(trimesh.creation.icosphere(subdivisions=3))
    mesh, _ = combine(CUBE, sphere)
    reference = png_bytes(render_thumbnail(mesh, size=(96, 96)))
    # Tiny chunks and budgets force many batches and cut big triangles into row strips.
    monkeypatch.setattr(thumbnail, "FACE_CHUNK", 7)
    monkeypatch.setattr(thumbnail, "CANDIDATE_BUDGET", 500)
    assert png_bytes(render_thumbnail(mesh, size=(96, 96))) == reference


def test_iso_cube_is_a_centred_shape_with_three_shades():
    image = render_thumbnail(CUBE, size=(200, 200))
    assert image.size == (200, 200) and image.mode == "RGBA"
    mask = covered(image)
    # An iso cube is a hexagon filling most of the fitted square (about 0.65 of it).
    assert 0.35 < mask.mean() < 0.8
    assert np.allclose(centroid(mask), 0.5, atol=0.02)
    rgba = pixels(image)
    solid = rgba[rgba[..., 3] == 255][:, :3]
    colours, counts = np.unique(solid, axis=0, return_counts=True)
    main_shades = colours[counts > 0.05 * len(solid)]
    assert len(main_shades) == 3, "top, left and right faces should be lit differently"
    brightness = main_shades.sum(axis=1)
    assert brightness.max() - brightness.min() > 60


def test_iso_cube_top_face_is_lightest_and_on_top():
    rgba = pixels(render_thumbnail(CUBE, size=(200, 200)))
    top, left, right = rgba[55, 100], rgba[130, 60], rgba[130, 140]
    assert top[3] == left[3] == right[3] == 255
    assert top[:3].sum() > left[:3].sum() > right[:3].sum()


def test_front_view_of_a_tall_box_is_taller_than_wide():
    mask = covered(render_thumbnail(box((10, 10, 40)), size=(128, 128), view="front"))
    rows, cols = np.nonzero(mask)
    height = rows.max() - rows.min() + 1
    width = cols.max() - cols.min() + 1
    assert height > 3 * width
    # Fitted with a margin: nearly the whole height, but not touching the border.
    assert 0.8 * 128 < height < 128
    assert not mask[0].any() and not mask[-1].any()


@pytest.mark.parametrize(
    ("view", "tower_at", "expected_side"),
    [
        # Seen from the front right: +X goes to the right, -Y (toward the viewer) to the left.
        ("iso", (20, 0, 0), "right"),
        ("iso", (0, -20, 0), "left"),
        ("front", (20, 0, 0), "right"),
        ("front", (-20, 0, 0), "left"),
        # From above: +Y is up in the picture.
        ("top", (0, 20, 0), "up"),
        ("top", (0, -20, 0), "down"),
    ],
)
def test_views_put_the_model_where_a_slicer_would(view, tower_at, expected_side):
    plate = box((50, 50, 2))
    tower = box((6, 6, 6), centre=tower_at)
    mesh, (_, tower_faces) = combine(plate, tower)
    image = render_thumbnail(mesh, size=(160, 160), view=view, highlight_faces=tower_faces)
    x, y = centroid(warning_pixels(image))
    side = {"right": x > 0.6, "left": x < 0.4, "up": y < 0.4, "down": y > 0.6}
    assert side[expected_side], (x, y)


def test_iso_view_has_z_up():
    column = box((6, 6, 40))
    cap = box((6, 6, 2), centre=(0, 0, 21))
    mesh, (_, cap_faces) = combine(column, cap)
    image = render_thumbnail(mesh, size=(160, 160), view="iso", highlight_faces=cap_faces)
    _, y = centroid(warning_pixels(image))
    assert y < 0.25


def test_warning_colour_appears_only_on_highlighted_faces():
    plain = render_thumbnail(CUBE, size=(128, 128))
    assert not warning_pixels(plain).any()
    assert not warning_pixels(render_thumbnail(CUBE, size=(128, 128), highlight_faces=[])).any()

    top_faces = np.flatnonzero(trimesh.creation.box((20, 20, 20)).face_normals[:, 2] > 0.9)
    marked = render_thumbnail(CUBE, size=(128, 128), highlight_faces=top_faces)
    warning = warning_pixels(marked)
    # The top face is roughly a third of the hexagon, and it is the upper part of the image.
    assert 0.15 < warning.sum() / covered(marked).sum() < 0.5
    assert centroid(warning)[1] < 0.45
    # A boolean mask selects the same faces as their indices.
    mask = np.zeros(len(CUBE.faces), dtype=bool)
    mask[top_faces] = True
    assert png_bytes(render_thumbnail(CUBE, size=(128, 128), highlight_faces=mask)) == png_bytes(
        marked
    )


def test_highlight_outside_the_faces_is_refused():
    with pytest.raises(ValueError, match="outside"):
        render_thumbnail(CUBE, highlight_faces=[12])
    with pytest.raises(ValueError, match="one value per face"):
        render_thumbnail(CUBE, highlight_faces=np.ones(3, dtype=bool))


def test_png_round_trip(tmp_path):
    path = tmp_path / "cube.png"
    save_thumbnail(CUBE, path, size=(96, 64), view="front", background=(255, 255, 255, 255))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as loaded:
        assert loaded.format == "PNG"
        assert loaded.size == (96, 64)
        assert np.array_equal(
            pixels(loaded),
            pixels(render_thumbnail(CUBE, size=(96, 64), view="front", background=(255,) * 4)),
        )


def test_background_colour_and_antialiased_edges():
    transparent = pixels(render_thumbnail(CUBE, size=(128, 128)))
    assert (transparent[0, 0] == 0).all()
    # Supersampling leaves partly covered pixels along the outline.
    partial = (transparent[..., 3] > 0) & (transparent[..., 3] < 255)
    assert partial.sum() > 50

    opaque = pixels(render_thumbnail(CUBE, size=(128, 128), background=(20, 30, 40, 255)))
    assert (opaque[..., 3] == 255).all()
    assert tuple(opaque[0, 0]) == (20, 30, 40, 255)


def test_dense_sphere_from_above_is_a_disc_without_holes():
    # 327,680 faces at 160 px: most triangles are under a pixel and are splatted as points.
    sphere = as_mesh(trimesh.creation.icosphere(subdivisions=7, radius=10))
    image = render_thumbnail(sphere, size=(160, 160), view="top")
    alpha = pixels(image)[..., 3]
    radius = 80 * (1 - 2 * thumbnail.MARGIN)
    rows, cols = np.mgrid[0:160, 0:160] + 0.5
    distance = np.hypot(rows - 80, cols - 80)
    assert (alpha[distance < radius - 1.5] == 255).all()
    assert (alpha[distance > radius + 1.5] == 0).all()


def test_open_mesh_shows_its_inside_lit():
    shape = trimesh.creation.box((20, 20, 20))
    without_top = shape.faces[shape.face_normals[:, 2] < 0.5]
    open_box = Mesh(np.asarray(shape.vertices, dtype=np.float64), without_top.astype(np.int32))
    rgba = pixels(render_thumbnail(open_box, size=(128, 128)))
    # Where the top used to be, one sees the inner walls and floor: lit, not black or empty.
    inside = rgba[32, 64]
    assert inside[3] == 255
    assert inside[:3].sum() > 3 * 60


def test_single_triangle_renders_in_every_view():
    triangle = Mesh(np.array([[0, 0, 0], [10, 0, 0], [0, 10, 5]], float), np.array([[0, 1, 2]]))
    for view in thumbnail.VIEWS:
        mask = covered(render_thumbnail(triangle, size=(64, 64), view=view))
        assert mask.sum() > 64, view


def test_zero_height_plate_seen_edge_on_is_a_line():
    plate = Mesh(
        np.array([[0, 0, 0], [50, 0, 0], [50, 30, 0], [0, 30, 0]], float),
        np.array([[0, 1, 2], [0, 2, 3]], dtype=np.int32),
    )
    mask = covered(render_thumbnail(plate, size=(100, 100), view="front"))
    rows, cols = np.nonzero(mask)
    assert rows.max() - rows.min() <= 2
    assert cols.max() - cols.min() >= 80
    # The same plate from above fills its rectangle.
    assert covered(render_thumbnail(plate, size=(100, 100), view="top")).mean() > 0.4


@pytest.mark.parametrize("scale, offset", [(1e-6, 1e6), (1e6, 0.0), (1.0, -3e7)])
def test_tiny_huge_and_far_models_look_like_the_normal_one(scale, offset):
    reference = pixels(render_thumbnail(CUBE, size=(96, 96)))
    moved = Mesh(CUBE.vertices * scale + offset, CUBE.faces)
    other = pixels(render_thumbnail(moved, size=(96, 96)))
    differing = np.abs(other - reference).max(axis=2) > 8
    assert differing.mean() < 0.01


def test_degenerate_faces_do_not_disturb_the_picture():
    reference = pixels(render_thumbnail(CUBE, size=(96, 96)))
    vertices = np.vstack([CUBE.vertices, [[0, 0, 0], [5, 5, 5], [10, 10, 10]]])
    n = len(CUBE.vertices)
    extra = np.array([[0, 0, 0], [n, n + 1, n + 2], [1, 1, 2]], dtype=np.int32)  # point, line
    mesh = Mesh(vertices, np.vstack([CUBE.faces, extra]).astype(np.int32))
    other = pixels(render_thumbnail(mesh, size=(96, 96)))
    differing = np.abs(other - reference).max(axis=2) > 8
    assert differing.mean() < 0.01


def test_unused_far_vertices_do_not_shrink_the_model():
    vertices = np.vstack([CUBE.vertices, [[1e9, 1e9, 1e9]]])
    mesh = Mesh(vertices, CUBE.faces)
    assert png_bytes(render_thumbnail(mesh, size=(64, 64))) == png_bytes(
        render_thumbnail(CUBE, size=(64, 64))
    )


def test_empty_mesh_is_a_clear_error():
    empty = Mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int32))
    with pytest.raises(EmptyMeshError, match="no triangles"):
        render_thumbnail(empty)
    assert issubclass(EmptyMeshError, GeometryError) and issubclass(EmptyMeshError, ValueError)


def test_bad_inputs_are_refused_with_a_message():
    with pytest.raises(ValueError, match="'iso', 'front', 'top'"):
        render_thumbnail(CUBE, view="side")
    with pytest.raises(ValueError, match="size"):
        render_thumbnail(CUBE, size=(0, 10))
    with pytest.raises(ValueError, match="1024 pixels a side"):
        render_thumbnail(CUBE, size=(4000, 4000))
    with pytest.raises(ValueError, match="background"):
        render_thumbnail(CUBE, background=(0, 0, 0))
    broken = Mesh(np.where(np.arange(24).reshape(8, 3) == 5, np.nan, CUBE.vertices), CUBE.faces)
    with pytest.raises(GeometryError, match="NaN"):
        render_thumbnail(broken)
    dangling = Mesh(CUBE.vertices, np.vstack([CUBE.faces, [[0, 1, 99]]]).astype(np.int32))
    with pytest.raises(GeometryError, match="vertices"):
        render_thumbnail(dangling)


def test_prusaslicer_bunny_renders(prusa_shapes, tmp_path):
    bunny = as_mesh(trimesh.load(prusa_shapes / "bunny.stl", force="mesh"))
    path = tmp_path / "bunny.png"
    save_thumbnail(bunny, path)
    with Image.open(path) as image:
        mask = covered(image)
        assert image.size == (512, 512)
        assert 0.15 < mask.mean() < 0.8
        assert np.allclose(centroid(mask), 0.5, atol=0.1)
        # Shaded, not a flat silhouette: many distinct colours.
        assert len(np.unique(pixels(image)[mask][:, :3], axis=0)) > 50


def test_every_prusaslicer_shape_renders(prusa_shapes):
    for path in sorted(prusa_shapes.glob("*.stl")):
        mesh = as_mesh(trimesh.load(path, force="mesh"))
        for view in thumbnail.VIEWS:
            mask = covered(render_thumbnail(mesh, size=(64, 64), view=view))
            assert mask.mean() > 0.02, (path.name, view)
