"""Shaded thumbnails of a mesh, drawn on the CPU: no GPU, no display, no OpenGL.

A small software rasteriser in numpy. The model is turned into camera space for a fixed view,
fitted to the image, and every triangle is rasterised into one 64-bit buffer per pixel whose high
bits hold the quantised depth and low bits the face number, so that a single `np.maximum.at`
both z-tests and remembers the winning face. Triangles that cover at least one pixel centre get
an exact barycentric test over their bounding box: small boxes (up to 8 x 8 centres, nearly every
triangle of a dense mesh) grouped by their exact size and tested as (t, rows, cols) grids by
broadcasting, large ones laid out flat with `np.repeat` in batches, with no Python loop per
triangle. Triangles that cover none (sub-pixel ones, or faces seen edge-on) are splatted as
points along their longest edge so that thin parts stay visible. Faces are then flat-shaded
with a key light and a headlight fixed to the camera plus ambient (both sides lit, since open
meshes show their inside), outlines, depth steps and creases are darkened, and the image is
rendered at twice the size and averaged down for antialiasing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from os import PathLike

import numpy as np
from PIL import Image

from printhub.geometry.errors import EmptyMeshError, GeometryError
from printhub.geometry.mesh import Mesh
from printhub.geometry.tolerances import (
    THUMBNAIL_BARYCENTRIC_EPS,
    THUMBNAIL_CREASE_DEG,
    THUMBNAIL_DEPTH_JUMP_PX,
    THUMBNAIL_FLAT_AREA_PX2,
)

# Camera bases as rows (right, up, toward the viewer), right-handed: right x up = toward.
_S2, _S3, _S6 = np.sqrt(2.0), np.sqrt(3.0), np.sqrt(6.0)
VIEWS: dict[str, np.ndarray] = {
    # From front-right-above, +Z up on screen, as slicers show a part on the bed.
    "iso": np.array(
        [[1 / _S2, 1 / _S2, 0.0], [-1 / _S6, 1 / _S6, 2 / _S6], [1 / _S3, -1 / _S3, 1 / _S3]]
    ),
    # The printer's front is -Y: looking along +Y, X to the right, Z up.
    "front": np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]),
    # Looking down -Z, X to the right, Y up (the bed seen from above, front at the bottom).
    "top": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
}

MATERIAL_RGB = (196, 201, 208)  # light grey, so that the warning colour stands out
HIGHLIGHT_RGB = (235, 72, 36)  # warning orange-red for overhangs, thin walls
LINE_SHADE = 0.5  # outlines and creases: colour times this
AMBIENT = 0.30
# Lights in camera space (x right, y up, z toward the viewer), as (direction, weight): a key
# light from the upper left and a headlight, so that the top, left and right faces of a cube
# seen in "iso" come out light, middle and dark.
LIGHTS = (
    (np.array([-0.30, 0.40, 0.87]), 0.60),
    (np.array([0.0, 0.0, 1.0]), 0.25),
)
MARGIN = 0.06  # fraction of the image left free on each side
SUPERSAMPLE = 2  # rendered at this many times the size, then averaged down
MAX_SIZE = 1024  # per side, in output pixels (about 320 MB of work arrays at that size)
FACE_CHUNK = 1 << 18  # faces projected and rasterised at a time (bounds memory)
CANDIDATE_BUDGET = 1 << 20  # pixel candidates tested at a time (bounds memory)
SMALL_BOX = 8  # boxes up to this many pixel centres a side are tested as grids
_DEPTH_LEVELS = float(1 << 30)  # depth quantisation; high bits of the 64-bit key
_FACE_BITS = 32


def render_thumbnail(
    mesh: Mesh,
    size: tuple[int, int] = (512, 512),
    view: str = "iso",
    highlight_faces: np.ndarray | None = None,
    background: tuple[int, int, int, int] = (0, 0, 0, 0),
) -> Image.Image:
    """An RGBA image of the mesh shaded from a standard view ("iso", "front", "top").

    size : (width, height), output pixels.
    highlight_faces : (m,) bool mask or (k,) int face indices drawn in the warning colour.
    background : RGBA colour behind the model; transparent by default.
    """
    width, height = _check_size(size)
    basis = _view_basis(view)
    background = _check_background(background)
    faces = np.asarray(mesh.faces)
    if len(faces) == 0:
        raise EmptyMeshError("the mesh has no triangles, so there is nothing to draw")
    vertices = np.asarray(mesh.vertices)
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise GeometryError(
            f"face indices run from {faces.min()} to {faces.max()} but the mesh has "
            f"{len(vertices)} vertices; the mesh is corrupt, read it again"
        )
    highlighted = _highlight_mask(highlight_faces, len(faces))

    ss = SUPERSAMPLE
    big_w, big_h = width * ss, height * ss
    points, depth_range = _fit_to_image(vertices, faces, basis, big_w, big_h)
    keys = np.zeros(big_w * big_h, dtype=np.uint64)
    face_normals = np.empty((3, len(faces)), dtype=np.float32)
    face_colours = np.empty((len(faces), 3), dtype=np.float32)
    for start in range(0, len(faces), FACE_CHUNK):
        stop = min(start + FACE_CHUNK, len(faces))
        triangles = points[:, faces[start:stop].T]
        ids = np.arange(start, stop, dtype=np.uint64)
        _rasterise(keys, big_w, big_h, triangles, ids, depth_range)
        face_normals[:, start:stop] = _camera_normals(triangles)
        face_colours[start:stop] = _lit_colours(
            face_normals[:, start:stop], highlighted[start:stop]
        )

    rgb, covered = _shade(keys.reshape(big_h, big_w), face_normals, face_colours, depth_range)
    return _downsample(rgb, covered, ss, background)


def save_thumbnail(mesh: Mesh, path: str | PathLike, **kwargs) -> None:
    """Render the mesh (same keywords as render_thumbnail) and write it as a PNG file."""
    render_thumbnail(mesh, **kwargs).save(path, format="PNG")


# --- inputs ---------------------------------------------------------------------------------


def _check_size(size) -> tuple[int, int]:
    try:
        width, height = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be (width, height) in pixels, got {size!r}") from None
    if not (1 <= width <= MAX_SIZE and 1 <= height <= MAX_SIZE):
        raise ValueError(f"thumbnail size must be 1..{MAX_SIZE} pixels a side, got {size!r}")
    return width, height


def _view_basis(view: str) -> np.ndarray:
    try:
        return VIEWS[view]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown view {view!r}; choose one of {', '.join(map(repr, VIEWS))}"
        ) from None


def _check_background(background) -> np.ndarray:
    values = np.asarray(background, dtype=float)
    if values.shape != (4,) or not np.all((values >= 0) & (values <= 255)):
        raise ValueError(f"background must be an RGBA tuple of 0..255, got {background!r}")
    return values


def _highlight_mask(highlight_faces, face_count: int) -> np.ndarray:
    """(m,) bool: which faces get the warning colour."""
    mask = np.zeros(face_count, dtype=bool)
    if highlight_faces is None:
        return mask
    selection = np.asarray(highlight_faces)
    if selection.dtype == bool:
        if selection.shape != (face_count,):
            raise ValueError(
                f"highlight_faces as a mask needs one value per face ({face_count}), "
                f"got shape {selection.shape}"
            )
        return selection.copy()
    if selection.size == 0:
        return mask
    if not np.issubdtype(selection.dtype, np.integer):
        raise ValueError("highlight_faces must be a bool mask or integer face indices")
    selection = selection.ravel()
    if selection.min() < -face_count or selection.max() >= face_count:
        raise ValueError(f"highlight_faces has indices outside 0..{face_count - 1}")
    mask[selection] = True
    return mask


def _fit_to_image(
    vertices: np.ndarray, faces: np.ndarray, basis: np.ndarray, width: int, height: int
) -> tuple[np.ndarray, float]:
    """Vertices in pixel space (3, n) float64 (x right, y down, z toward the viewer), z range.

    Only vertices used by a face count for the fit; depth is in pixel units, 0 the farthest.
    """
    used = np.zeros(len(vertices), dtype=bool)
    used[faces.ravel()] = True
    all_used = bool(used.all())
    # Coordinates as rows (3, n): reductions and gathers along contiguous rows are fast.
    coords = np.ascontiguousarray(np.asarray(vertices, dtype=np.float64).T)
    used_coords = coords if all_used else coords[:, used]
    if not np.all(np.isfinite(used_coords)):
        raise GeometryError(
            "the mesh has NaN or infinite coordinates; repair it or export the model again"
        )
    # Centre in model space first so that far-off models keep their precision.
    centre = (used_coords.min(axis=1) + used_coords.max(axis=1)) / 2
    centred = coords - centre[:, None]
    camera = _rotate(basis, centred)
    used_camera = camera if all_used else camera[:, used]
    lo, hi = used_camera.min(axis=1), used_camera.max(axis=1)
    extent = hi - lo
    if not np.all(np.isfinite(extent)):
        raise GeometryError("the mesh's coordinates span more than a float can hold")
    room = np.array([width, height]) * (1 - 2 * MARGIN)
    largest = extent[:2].max()
    # A side seen edge-on (a flat plate from the front) has no extent: fit by the other side.
    fits = [room[i] / extent[i] for i in range(2) if extent[i] > 1e-9 * largest]
    scale = min(fits) if fits else 1.0
    middle = (lo + hi) / 2
    camera[0] = width / 2 + (camera[0] - middle[0]) * scale
    camera[1] = height / 2 - (camera[1] - middle[1]) * scale
    camera[2] = (camera[2] - lo[2]) * scale
    return camera, max(float(extent[2] * scale), 1e-12)


def _rotate(rows: np.ndarray, points: np.ndarray) -> np.ndarray:
    """rows (k, 3) applied to points (3, n): (k, n), without BLAS.

    A 3-wide matrix product is memory-bound; multi-threaded BLAS only adds threads that spin
    and take CPU from the other work on a shared machine.
    """
    return np.stack([r[0] * points[0] + r[1] * points[1] + r[2] * points[2] for r in rows])


# --- rasterisation --------------------------------------------------------------------------


def _depth_keys(depth: np.ndarray, face_ids: np.ndarray, depth_range: float) -> np.ndarray:
    """(k,) uint64: quantised depth in the high bits, face number + 1 in the low bits."""
    level = np.clip(depth * (_DEPTH_LEVELS / depth_range), 0.0, _DEPTH_LEVELS)
    return (level.astype(np.uint64) << np.uint64(_FACE_BITS)) | (face_ids + np.uint64(1))


def _rasterise(
    keys: np.ndarray,
    width: int,
    height: int,
    triangles: np.ndarray,
    face_ids: np.ndarray,
    depth_range: float,
) -> None:
    """Z-test triangles into keys (height * width,) uint64, in place.

    triangles : (3, 3, t) float64, pixel space, indexed [coordinate, corner, triangle].
    face_ids : (t,) uint64, the faces' numbers in the mesh.
    """
    x, y = triangles[0], triangles[1]
    # Pixel (i, j) has its centre at (i + 0.5, j + 0.5): the first and last centres inside.
    col0 = np.ceil(x.min(axis=0) - 0.5).clip(0, width)
    row0 = np.ceil(y.min(axis=0) - 0.5).clip(0, height)
    ncols = (np.floor(x.max(axis=0) - 0.5).clip(-1, width - 1) - col0 + 1).clip(0, None)
    nrows = (np.floor(y.max(axis=0) - 0.5).clip(-1, height - 1) - row0 + 1).clip(0, None)
    col0, row0 = col0.astype(np.int64), row0.astype(np.int64)
    ncols, nrows = ncols.astype(np.int64), nrows.astype(np.int64)
    (x0, x1, x2), (y0, y1, y2), (z0, z1, z2) = triangles
    ax, ay, bx, by = x1 - x0, y1 - y0, x2 - x0, y2 - y0
    area2 = ax * by - ay * bx
    is_flat = np.abs(area2) <= THUMBNAIL_FLAT_AREA_PX2
    has_centre = (ncols > 0) & (nrows > 0) & ~is_flat

    empty = np.flatnonzero(~has_centre)
    if len(empty):
        _splat(keys, width, height, triangles[:, :, empty], face_ids[empty], depth_range)
    if len(empty) == len(face_ids):
        return
    inverse_area2 = 1.0 / np.where(is_flat, 1.0, area2)
    plane = _Plane(
        dx=col0 + (0.5 - x0),
        dy=row0 + (0.5 - y0),
        # Barycentric weights of corners 1 and 2 are linear in the offset from corner 0.
        k1x=by * inverse_area2,
        k1y=-bx * inverse_area2,
        k2x=-ay * inverse_area2,
        k2y=ax * inverse_area2,
        z0=z0,
        dz1=z1 - z0,
        dz2=z2 - z0,
        first_pixel=row0 * width + col0,
        face_ids=face_ids,
    )
    # Small boxes (most triangles of a dense mesh) are grouped by their exact size and tested
    # as (t, rows, cols) grids by broadcasting; larger ones are laid out flat with np.repeat.
    is_small = has_centre & (ncols <= SMALL_BOX) & (nrows <= SMALL_BOX)
    small = np.flatnonzero(is_small)
    if len(small):
        # uint8 keys so that the stable sort is a radix sort.
        shape_key = (nrows[small] * (SMALL_BOX + 1) + ncols[small]).astype(np.uint8)
        order = np.argsort(shape_key, kind="stable")
        small, shape_key = small[order], shape_key[order]
        edges = np.flatnonzero(np.diff(shape_key)) + 1
        for lo, hi in itertools.pairwise([0, *edges.tolist(), len(small)]):
            rows, cols = divmod(int(shape_key[lo]), SMALL_BOX + 1)
            per_batch = max(CANDIDATE_BUDGET // (rows * cols), 1)
            for start in range(lo, hi, per_batch):
                members = small[start : min(start + per_batch, hi)]
                plane.test_grid(keys, members, rows, cols, width, depth_range)
    large = np.flatnonzero(has_centre & ~is_small)
    if len(large):
        _fill_large(keys, width, plane, large, ncols[large], nrows[large], depth_range)


def _fill_large(keys, width, plane, large, ncols, nrows, depth_range) -> None:
    """Test the boxes of large triangles, laid out flat with np.repeat, in batches."""
    # A box alone over the budget is cut into strips of rows: (owner, first row, rows).
    rows_per_piece = np.maximum(CANDIDATE_BUDGET // ncols, 1)
    pieces = -(-nrows // rows_per_piece)
    owner = np.repeat(large, pieces)
    piece = np.arange(len(owner)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    piece_rows = np.repeat(rows_per_piece, pieces)
    piece_ncols = np.repeat(ncols, pieces)
    piece_row0 = piece * piece_rows
    piece_nrows = np.minimum(piece_rows, np.repeat(nrows, pieces) - piece_row0)
    counts = piece_ncols * piece_nrows
    for lo, hi in _batches(counts, CANDIDATE_BUDGET):
        batch = counts[lo:hi]
        which = np.repeat(np.arange(lo, hi), batch)
        local = np.arange(len(which)) - np.repeat(np.cumsum(batch) - batch, batch)
        row_in_piece, col_in_box = np.divmod(local, piece_ncols[which])
        row_in_box = piece_row0[which] + row_in_piece
        plane.test_flat(keys, owner[which], row_in_box, col_in_box, width, depth_range)


@dataclass(frozen=True)
class _Plane:
    """Per-triangle coefficients for testing pixel centres; every field is a (t,) array."""

    dx: np.ndarray  # offset of the box's first pixel centre from corner 0, pixels
    dy: np.ndarray
    k1x: np.ndarray  # barycentric weight of corner 1 per pixel along x
    k1y: np.ndarray
    k2x: np.ndarray  # barycentric weight of corner 2 per pixel along x
    k2y: np.ndarray
    z0: np.ndarray  # depth of corner 0 and of corners 1, 2 relative to it, pixels
    dz1: np.ndarray
    dz2: np.ndarray
    first_pixel: np.ndarray  # flat index of the box's first pixel
    face_ids: np.ndarray  # uint64 face numbers in the mesh

    def test_grid(self, keys, members, rows, cols, width, depth_range) -> None:
        """Z-test the whole rows x cols box of pixel centres of each triangle in members."""

        def column(name):
            return getattr(self, name)[members][:, None, None]

        px = column("dx") + np.arange(cols)
        py = column("dy") + np.arange(rows)[:, None]
        w1 = px * column("k1x") + py * column("k1y")
        w2 = px * column("k2x") + py * column("k2y")
        eps = THUMBNAIL_BARYCENTRIC_EPS
        inside = (w1 >= -eps) & (w2 >= -eps) & (w1 + w2 <= 1 + eps)
        depth = column("z0") + w1 * column("dz1") + w2 * column("dz2")
        pixel = column("first_pixel") + (np.arange(rows)[:, None] * width + np.arange(cols))
        face_ids = np.broadcast_to(column("face_ids"), inside.shape)
        np.maximum.at(
            keys, pixel[inside], _depth_keys(depth[inside], face_ids[inside], depth_range)
        )

    def test_flat(self, keys, owner, row_in_box, col_in_box, width, depth_range) -> None:
        """Z-test the candidate pixels (owner, row_in_box, col_in_box) that lie inside."""
        px = self.dx[owner] + col_in_box
        py = self.dy[owner] + row_in_box
        w1 = px * self.k1x[owner] + py * self.k1y[owner]
        w2 = px * self.k2x[owner] + py * self.k2y[owner]
        eps = THUMBNAIL_BARYCENTRIC_EPS
        inside = (w1 >= -eps) & (w2 >= -eps) & (w1 + w2 <= 1 + eps)
        hit = owner[inside]
        w1, w2 = w1[inside], w2[inside]
        depth = self.z0[hit] + w1 * self.dz1[hit] + w2 * self.dz2[hit]
        pixel = self.first_pixel[hit] + row_in_box[inside] * width + col_in_box[inside]
        np.maximum.at(keys, pixel, _depth_keys(depth, self.face_ids[hit], depth_range))


def _splat(keys, width, height, triangles, face_ids, depth_range) -> None:
    """Draw triangles that cover no pixel centre as points along their longest edge.

    triangles : (3, 3, t) float64, pixel space; face_ids : (t,) uint64.
    """
    x, y = triangles[0], triangles[1]
    nxt = [1, 2, 0]
    lengths = np.hypot(x[nxt] - x, y[nxt] - y)  # (3, t): edge from corner c to c + 1
    longest = lengths.argmax(axis=0)
    pick = np.arange(len(face_ids))
    start = triangles[:, longest, pick]
    end = triangles[:, (longest + 1) % 3, pick]
    length = lengths[longest, pick]
    # A triangle under a pixel becomes one point at its centroid; longer ones (faces seen
    # edge-on, slivers) a dotted line, two points per pixel, so that they draw continuous.
    samples = np.where(length <= 1.0, 1, np.ceil(2 * length).astype(np.int64) + 1)
    centroid = triangles.mean(axis=1)
    for lo, hi in _batches(samples, CANDIDATE_BUDGET):
        batch = samples[lo:hi]
        if np.all(batch == 1):
            owner = np.arange(lo, hi)
            points = centroid[:, lo:hi]
        else:
            owner = np.repeat(np.arange(lo, hi), batch)
            step = np.arange(len(owner)) - np.repeat(np.cumsum(batch) - batch, batch)
            t = step / np.maximum(samples[owner] - 1, 1)
            points = np.where(
                samples[owner] == 1,
                centroid[:, owner],
                start[:, owner] + t * (end[:, owner] - start[:, owner]),
            )
        col = np.floor(points[0]).astype(np.int64)
        row = np.floor(points[1]).astype(np.int64)
        keep = (col >= 0) & (col < width) & (row >= 0) & (row < height)
        np.maximum.at(
            keys,
            row[keep] * width + col[keep],
            _depth_keys(points[2, keep], face_ids[owner[keep]], depth_range),
        )


def _batches(counts: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """(lo, hi) index ranges of consecutive items whose counts add up to about budget."""
    ends = np.cumsum(counts)
    cuts = np.searchsorted(ends, np.arange(budget, ends[-1], budget)) + 1
    bounds = np.unique(np.concatenate([[0], cuts, [len(counts)]]).clip(0, len(counts)))
    return [(int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds)]


# --- shading --------------------------------------------------------------------------------


def _camera_normals(triangles: np.ndarray) -> np.ndarray:
    """(3, t) float32 unit normals in camera space, turned toward the viewer.

    triangles : (3, 3, t) float64, pixel space. Computed there because those coordinates are
    centred and scaled already: neither huge nor tiny models under- or overflow.
    """
    a = triangles[:, 1] - triangles[:, 0]
    b = triangles[:, 2] - triangles[:, 0]
    normal = np.stack(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )
    normal[1] *= -1  # pixel y runs down, camera y up
    length = np.sqrt(np.einsum("it,it->t", normal, normal))
    degenerate = length == 0
    normal[:, degenerate] = np.array([[0.0], [0.0], [1.0]])
    normal /= np.where(degenerate, 1.0, length)
    # Light both sides: open meshes and inverted faces show their back, which should not be
    # black. The winding is not trusted here.
    normal *= np.where(normal[2] < 0, -1.0, 1.0)
    return normal.astype(np.float32)


def _lit_colours(normals: np.ndarray, highlighted: np.ndarray) -> np.ndarray:
    """(t, 3) float32 RGB 0..255 of faces with camera-space unit normals (3, t)."""
    intensity = np.full(normals.shape[1], AMBIENT, dtype=np.float32)
    for direction, weight in LIGHTS:
        unit = (direction / np.linalg.norm(direction)).astype(np.float32)
        intensity += weight * np.clip(_rotate(unit[None], normals)[0], 0.0, None)
    colours = intensity[:, None] * np.array(MATERIAL_RGB, dtype=np.float32)
    if highlighted.any():
        colours[highlighted] = intensity[highlighted, None] * np.array(HIGHLIGHT_RGB, np.float32)
    return np.clip(colours, 0.0, 255.0, out=colours)


def _shade(
    keys: np.ndarray, face_normals: np.ndarray, face_colours: np.ndarray, depth_range: float
) -> tuple[np.ndarray, np.ndarray]:
    """Colour (h, w, 3) float32 0..255 and coverage (h, w) bool from the key buffer (h, w)."""
    height, width = keys.shape
    flat_keys = keys.ravel()
    where = np.flatnonzero(flat_keys)
    winning = flat_keys[where]
    face = (winning & np.uint64((1 << _FACE_BITS) - 1)).astype(np.intp) - 1
    depth = (winning >> np.uint64(_FACE_BITS)).astype(np.float32) * np.float32(
        depth_range / _DEPTH_LEVELS
    )
    covered = np.zeros(height * width, dtype=bool)
    covered[where] = True
    normal_image = np.zeros((3, height * width), dtype=np.float32)
    normal_image[:, where] = face_normals[:, face]
    depth_image = np.zeros(height * width, dtype=np.float32)
    depth_image[where] = depth
    lines = _line_mask(
        covered.reshape(height, width),
        normal_image.reshape(3, height, width),
        depth_image.reshape(height, width),
    )
    colour = face_colours[face]
    colour[lines.ravel()[where]] *= LINE_SHADE
    rgb = np.zeros((height * width, 3), dtype=np.float32)
    rgb[where] = colour
    return rgb.reshape(height, width, 3), covered.reshape(height, width)


def _line_mask(covered: np.ndarray, normal: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """(h, w) bool: outline, depth-step and crease pixels, darkened for readability.

    covered : (h, w) bool; normal : (3, h, w) unit, camera space; depth : (h, w), pixels.
    """
    # Depth slope of each pixel's face along +x and +y (pixel y runs down, camera y up).
    nz = np.maximum(normal[2], np.float32(1e-3))
    slope_x = -normal[0] / nz
    slope_y = normal[1] / nz
    cos_crease = np.float32(np.cos(np.radians(THUMBNAIL_CREASE_DEG)))
    lines = np.zeros_like(covered)
    for axis, slope in ((1, slope_x), (0, slope_y)):
        first, second = [slice(None)] * 2, [slice(None)] * 2
        first[axis], second[axis] = slice(None, -1), slice(1, None)
        a, b = tuple(first), tuple(second)
        both = covered[a] & covered[b]
        # A step in depth that neither face's own slope explains: one part before another.
        miss = np.minimum(
            np.abs(depth[b] - depth[a] - slope[a]), np.abs(depth[a] - depth[b] + slope[b])
        )
        # Faces seen at a grazing angle change slope fast from pixel to pixel: allow for it.
        allowed = THUMBNAIL_DEPTH_JUMP_PX + 0.5 * np.maximum(np.abs(slope[a]), np.abs(slope[b]))
        step = both & (miss > allowed)
        cosine = normal[0][a] * normal[0][b] + normal[1][a] * normal[1][b]
        cosine += normal[2][a] * normal[2][b]
        crease = both & (cosine < cos_crease)
        a_front = depth[a] >= depth[b]
        # Outline on the model's side, steps on the nearer part, creases on both sides.
        lines[a] |= (covered[a] & ~covered[b]) | (step & a_front) | crease
        lines[b] |= (covered[b] & ~covered[a]) | (step & ~a_front) | crease
    return lines


def _downsample(
    rgb: np.ndarray, covered: np.ndarray, factor: int, background: np.ndarray
) -> Image.Image:
    """Average factor x factor blocks (premultiplied) and lay the result over the background."""
    height, width = covered.shape[0] // factor, covered.shape[1] // factor
    blocks = factor * factor
    coverage = (
        covered.reshape(height, factor, width, factor).sum(axis=(1, 3), dtype=np.float32) / blocks
    )
    colour = rgb.reshape(height, factor, width, factor, 3).sum(axis=(1, 3)) / blocks
    back_alpha = np.float32(background[3] / 255.0)
    alpha = coverage + back_alpha * (1 - coverage)
    premultiplied = (
        colour + (background[:3] * back_alpha).astype(np.float32) * (1 - coverage)[..., None]
    )
    safe_alpha = np.maximum(alpha, np.float32(1e-6))[..., None]
    shown = np.where(alpha[..., None] > 0, premultiplied / safe_alpha, background[:3])
    out = np.empty((height, width, 4), dtype=np.uint8)
    out[..., :3] = np.rint(np.clip(shown, 0, 255))
    out[..., 3] = np.rint(alpha * 255)
    return Image.fromarray(out, mode="RGBA")
