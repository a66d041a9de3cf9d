"""Wall thickness by ray casting: how far the material goes behind each face.

From a face's centroid a ray goes along the inward normal (faces are counter-clockwise seen
from outside, so the normal points out). The wall thickness there is the distance to the
first face the ray leaves the material through: a face whose normal points along the ray.
Hits on faces turned towards the ray (an inner shell, an overlapping body, a flipped face)
and grazing hits are skipped and the ray goes on. A ray that escapes (open meshes, flipped
faces) measures inf; that is a result, not an error.

Ray engines, fastest first:

* "embree": Embree 4 as bundled inside the embreex wheel, called through ctypes. The mesh
  buffers are shared with Embree (no copy) and the BVH is built at low quality, which is
  the right trade for a few thousand rays. embreex's own TriangleMesh copies every vertex
  and index through Python-level indexing (about 1 s per million triangles), which alone
  would eat the time budget.
* "embreex": embreex's public API (EmbreeScene, TriangleMesh), used when the bundled
  library cannot be loaded directly.
* "numpy": a chunked brute-force ray/triangle test, used when embreex is not installed.
  Its cost is rays x triangles, so it measures fewer faces on large meshes (see
  _NUMPY_TESTS_BUDGET); on meshes of a few thousand faces it measures all of them.
"""

from __future__ import annotations

import ctypes
import glob
import os
from dataclasses import dataclass, field

import numpy as np

from .mesh import Mesh
from .tolerances import (
    DEGENERATE_AREA_MM2,
    RAY_START_OFFSET_MM,
    THICKNESS_GRAZING_COS,
    THICKNESS_START_REL,
)

# Rays that keep hitting faces turned towards them give up after this many hits.
_MAX_HITS_PER_RAY = 8
# The numpy engine tests at most this many ray/triangle pairs in total ...
_NUMPY_TESTS_BUDGET = 10_000_000
# ... and at most this many at once (memory: about 200 bytes each).
_NUMPY_CHUNK_TESTS = 500_000
# ... but measures at least this many faces, however large the mesh.
_NUMPY_MIN_SAMPLES = 16

ENGINES = ("embree", "embreex", "numpy")


@dataclass(frozen=True)
class Thickness:
    """Wall thickness measured behind a sample of faces.

    sample_faces : (k,) int32, the faces measured (every usable face when the mesh has at
        most max_samples of them; degenerate faces have no normal and are never measured)
    thickness_mm : (k,) float, mm, wall thickness behind each sampled face (inf: ray escaped)
    face_area_mm2 : (k,) float, mm², area of each sampled face (the weights)
    total_area_mm2 : float, mm², area of all usable faces, to scale samples to the whole
    min_mm : thinnest sample (inf when every ray escaped or nothing was measured)
    p05_mm : area-weighted 5th percentile: 5% of the sampled area is thinner than this
    engine : which ray engine measured it ("embree", "embreex" or "numpy")
    """

    sample_faces: np.ndarray
    thickness_mm: np.ndarray
    face_area_mm2: np.ndarray
    total_area_mm2: float
    min_mm: float
    p05_mm: float
    engine: str = field(default="embree")

    def thin_faces(self, threshold_mm: float) -> np.ndarray:
        """(j,) int32: sampled faces whose wall is thinner than threshold_mm."""
        return self.sample_faces[self.thickness_mm < threshold_mm]

    def thin_area_mm2(self, threshold_mm: float) -> float:
        """Estimated surface area (mm²) with walls thinner than threshold_mm, whole mesh."""
        sampled = float(self.face_area_mm2.sum())
        if sampled <= 0.0:
            return 0.0
        thin = float(self.face_area_mm2[self.thickness_mm < threshold_mm].sum())
        return thin * self.total_area_mm2 / sampled


def measure_thickness(
    mesh: Mesh, max_samples: int = 20_000, seed: int = 0, *, engine: str | None = None
) -> Thickness:
    """Measure wall thickness behind up to max_samples faces (all faces when m <= max_samples).

    engine : force a ray engine ("embree", "embreex", "numpy"); default the fastest available.
    """
    if max_samples < 1:
        raise ValueError(f"max_samples must be at least 1, got {max_samples}")
    automatic = engine is None
    if engine is None:
        engine = available_engines()[0]
    elif engine not in available_engines():
        raise ValueError(
            f"ray engine {engine!r} is not available here; choose one of {available_engines()}"
        )

    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces)
    if len(faces) == 0:
        return _empty(engine)
    # Centre the part: Embree works in float32, whose rounding grows with the distance from 0.
    vertices = vertices - 0.5 * (mesh.bounds[0] + mesh.bounds[1])
    double_area = np.linalg.norm(_face_cross(vertices, faces), axis=1)
    usable = 0.5 * double_area > DEGENERATE_AREA_MM2
    ids = np.flatnonzero(usable)
    if len(ids) == 0:
        return _empty(engine)
    total_area = 0.5 * float(double_area[ids].sum())

    if engine == "numpy":
        max_samples = min(max_samples, max(_NUMPY_MIN_SAMPLES, _NUMPY_TESTS_BUDGET // len(faces)))
    if len(ids) > max_samples:
        ids = np.sort(np.random.default_rng(seed).choice(ids, size=max_samples, replace=False))

    origins = np.take(vertices, faces[ids], axis=0).mean(axis=1)
    directions = -_face_cross(vertices, faces[ids]) / double_area[ids, None]
    start = max(RAY_START_OFFSET_MM, THICKNESS_START_REL * float(np.linalg.norm(mesh.extents)))

    if engine == "numpy":
        distance = _cast_numpy(vertices, faces[usable], origins, directions, start)
    else:
        try:
            caster = _EmbreeDirect if engine == "embree" else _EmbreexScene
            with caster(vertices, faces) as cast:
                distance = _first_exit(cast, vertices, faces, origins, directions, start)
        except RuntimeError:
            # The bundled library refused (an unexpected Embree build): embreex's own API.
            if not (automatic and engine == "embree" and "embreex" in available_engines()):
                raise
            engine = "embreex"
            with _EmbreexScene(vertices, faces) as cast:
                distance = _first_exit(cast, vertices, faces, origins, directions, start)

    area = 0.5 * double_area[ids]
    return Thickness(
        sample_faces=ids.astype(np.int32),
        thickness_mm=distance,
        face_area_mm2=area,
        total_area_mm2=total_area,
        min_mm=float(distance.min()),
        p05_mm=_weighted_quantile(distance, area, 0.05),
        engine=engine,
    )


def available_engines() -> tuple[str, ...]:
    """Ray engines usable here, fastest first."""
    found = []
    if _embree_library() is not None:
        found.append("embree")
    try:
        import embreex.mesh_construction
        import embreex.rtcore_scene  # noqa: F401
    except ImportError:
        pass
    else:
        found.append("embreex")
    found.append("numpy")
    return tuple(found)


def _empty(engine: str) -> Thickness:
    return Thickness(
        sample_faces=np.zeros(0, dtype=np.int32),
        thickness_mm=np.zeros(0),
        face_area_mm2=np.zeros(0),
        total_area_mm2=0.0,
        min_mm=float("inf"),
        p05_mm=float("inf"),
        engine=engine,
    )


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value below which at least a fraction q of the total weight lies."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    if len(cumulative) == 0 or cumulative[-1] <= 0:
        return float("inf")
    k = int(np.searchsorted(cumulative, q * cumulative[-1], side="left"))
    return float(values[order[min(k, len(order) - 1)]])


def _face_cross(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(m, 3) float: (v1 - v0) x (v2 - v0), the normal scaled by twice the area."""
    v0 = np.take(vertices, faces[:, 0], axis=0)
    e1 = np.take(vertices, faces[:, 1], axis=0) - v0
    e2 = np.take(vertices, faces[:, 2], axis=0) - v0
    # Written out: np.cross is several times slower on long arrays.
    return np.stack(
        [
            e1[:, 1] * e2[:, 2] - e1[:, 2] * e2[:, 1],
            e1[:, 2] * e2[:, 0] - e1[:, 0] * e2[:, 2],
            e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0],
        ],
        axis=1,
    )


def _first_exit(cast, vertices, faces, origins, directions, start) -> np.ndarray:
    """Distance to the first face each ray leaves the material through (inf if none)."""
    k = len(origins)
    distance = np.full(k, np.inf)
    active = np.arange(k)
    tnear = np.full(k, start)
    for _ in range(_MAX_HITS_PER_RAY):
        if len(active) == 0:
            break
        prim = cast(origins[active], directions[active], tnear[active])
        hit = prim >= 0
        active, prim = active[hit], prim[hit]
        cross = _face_cross(vertices, faces[prim])
        with np.errstate(divide="ignore", invalid="ignore"):
            n = cross / np.linalg.norm(cross, axis=1)[:, None]
            along = np.einsum("ij,ij->i", n, directions[active])
            # Exact float64 distance to the hit face's plane; Embree reports float32.
            gap = vertices[faces[prim, 0]] - origins[active]
            t = np.einsum("ij,ij->i", n, gap) / along
        leaves = along > THICKNESS_GRAZING_COS
        distance[active[leaves]] = t[leaves]
        # Skipped hits: the ray goes on from just past the face.
        active = active[~leaves]
        tnear[active] = np.where(np.isfinite(t[~leaves]), t[~leaves], tnear[active]) + start
    return distance


def _embree_library() -> ctypes.CDLL | None:
    """Embree 4 as bundled in the embreex wheel, with the few functions used here typed."""
    if "lib" in _EMBREE:
        return _EMBREE["lib"]
    _EMBREE["lib"] = None
    try:
        import embreex
    except ImportError:
        return None
    site = os.path.dirname(os.path.dirname(embreex.__file__))
    for path in sorted(glob.glob(os.path.join(site, "embreex.libs", "libembree4*.so*"))):
        try:
            lib = ctypes.CDLL(path)
            _declare(lib)
        except (OSError, AttributeError):
            continue
        _EMBREE["lib"] = lib
        break
    return _EMBREE["lib"]


_EMBREE: dict[str, ctypes.CDLL | None] = {}


def _declare(lib: ctypes.CDLL) -> None:
    p, i, u, s = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_size_t
    signatures = {
        "rtcNewDevice": (p, [ctypes.c_char_p]),
        "rtcReleaseDevice": (None, [p]),
        "rtcGetDeviceError": (i, [p]),
        "rtcNewScene": (p, [p]),
        "rtcReleaseScene": (None, [p]),
        "rtcSetSceneFlags": (None, [p, i]),
        "rtcSetSceneBuildQuality": (None, [p, i]),
        "rtcCommitScene": (None, [p]),
        "rtcNewGeometry": (p, [p, i]),
        "rtcSetSharedGeometryBuffer": (None, [p, i, u, i, p, s, s, s]),
        "rtcCommitGeometry": (None, [p]),
        "rtcAttachGeometry": (u, [p, p]),
        "rtcReleaseGeometry": (None, [p]),
        "rtcIntersect1": (None, [p, p, p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


# Constants and struct layout of Embree 4's C API (rtcore_common.h, rtcore_ray.h).
_RTC_GEOMETRY_TYPE_TRIANGLE = 0
_RTC_BUFFER_TYPE_INDEX = 0
_RTC_BUFFER_TYPE_VERTEX = 1
_RTC_FORMAT_UINT3 = 0x5003
_RTC_FORMAT_FLOAT3 = 0x9003
_RTC_SCENE_FLAG_ROBUST = 1 << 2
_RTC_BUILD_QUALITY_LOW = 0
_RTC_INVALID_ID = 0xFFFFFFFF
# RTCRayHit: ray (org xyz, tnear, dir xyz, time, tfar, mask, id, flags) then hit (Ng xyz, u,
# v, primID, geomID, instID[, instPrimID]); 96 bytes per record leaves room for the
# optional last field and keeps every record 16-byte aligned.
_RAYHIT_WORDS = 24
_TFAR, _MASK, _PRIM_ID, _GEOM_ID, _INST_ID = 8, 9, 17, 18, 19


class _EmbreeDirect:
    """A static Embree scene over shared numpy buffers; call it to cast rays."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray):
        self.lib = _embree_library()
        # Embree reads vertices with 16-byte loads: one spare vertex keeps the last in bounds.
        self.vertex_buffer = np.zeros((len(vertices) + 1, 3), dtype=np.float32)
        self.vertex_buffer[:-1] = vertices
        self.index_buffer = np.ascontiguousarray(faces, dtype=np.uint32)
        lib = self.lib
        self.device = lib.rtcNewDevice(None)
        if not self.device:
            raise RuntimeError("Embree could not create a device (is the CPU x86-64 with SSE2?)")
        self.scene = lib.rtcNewScene(self.device)
        lib.rtcSetSceneFlags(self.scene, _RTC_SCENE_FLAG_ROBUST)
        lib.rtcSetSceneBuildQuality(self.scene, _RTC_BUILD_QUALITY_LOW)
        geometry = lib.rtcNewGeometry(self.device, _RTC_GEOMETRY_TYPE_TRIANGLE)
        lib.rtcSetSharedGeometryBuffer(
            geometry,
            _RTC_BUFFER_TYPE_VERTEX,
            0,
            _RTC_FORMAT_FLOAT3,
            self.vertex_buffer.ctypes.data,
            0,
            12,
            len(vertices),
        )
        lib.rtcSetSharedGeometryBuffer(
            geometry,
            _RTC_BUFFER_TYPE_INDEX,
            0,
            _RTC_FORMAT_UINT3,
            self.index_buffer.ctypes.data,
            0,
            12,
            len(faces),
        )
        lib.rtcCommitGeometry(geometry)
        lib.rtcAttachGeometry(self.scene, geometry)
        lib.rtcReleaseGeometry(geometry)
        lib.rtcCommitScene(self.scene)
        error = lib.rtcGetDeviceError(self.device)
        if error:
            self.close()
            raise RuntimeError(f"Embree failed to build the scene (error code {error})")

    def __call__(self, origins: np.ndarray, directions: np.ndarray, tnear: np.ndarray):
        """(k,) int64 face hit first beyond tnear along each ray, -1 for none."""
        k = len(origins)
        records = np.zeros((k, _RAYHIT_WORDS), dtype=np.float32)
        records[:, 0:3] = origins
        records[:, 3] = tnear
        records[:, 4:7] = directions
        records[:, _TFAR] = np.inf
        words = records.view(np.uint32)
        words[:, _MASK] = 0xFFFFFFFF
        words[:, [_PRIM_ID, _GEOM_ID, _INST_ID]] = _RTC_INVALID_ID
        intersect, scene, base = self.lib.rtcIntersect1, self.scene, records.ctypes.data
        stride = records.strides[0]
        for r in range(k):
            intersect(scene, base + r * stride, None)
        hit = words[:, _GEOM_ID] != _RTC_INVALID_ID
        return np.where(hit, words[:, _PRIM_ID].astype(np.int64), -1)

    def close(self) -> None:
        if self.scene:
            self.lib.rtcReleaseScene(self.scene)
            self.scene = None
        if self.device:
            self.lib.rtcReleaseDevice(self.device)
            self.device = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _EmbreexScene:
    """The same casting through embreex's public API (slower to build, same answers)."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray):
        from embreex import mesh_construction, rtcore_scene

        self.scene = rtcore_scene.EmbreeScene()
        mesh_construction.TriangleMesh(
            self.scene, np.asarray(vertices, dtype=np.float64), np.asarray(faces, dtype=np.int64)
        )

    def __call__(self, origins: np.ndarray, directions: np.ndarray, tnear: np.ndarray):
        # embreex starts every ray at tnear = 0: move the origins forward instead.
        shifted = (origins + directions * tnear[:, None]).astype(np.float32)
        result = self.scene.run(shifted, directions.astype(np.float32), output=1)
        prim = result["primID"].astype(np.int64)
        return np.where(result["geomID"] >= 0, prim, -1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.scene = None


def _cast_numpy(vertices, faces, origins, directions, start) -> np.ndarray:
    """Brute force: every ray against every face, keeping the nearest face it leaves through."""
    v0 = np.take(vertices, faces[:, 0], axis=0)
    e1 = np.take(vertices, faces[:, 1], axis=0) - v0
    e2 = np.take(vertices, faces[:, 2], axis=0) - v0
    cross = np.cross(e1, e2)
    outward = cross / np.linalg.norm(cross, axis=1)[:, None]
    distance = np.full(len(origins), np.inf)
    rays_per_chunk = max(1, _NUMPY_CHUNK_TESTS // max(1, len(faces)))
    for lo in range(0, len(origins), rays_per_chunk):
        o = origins[lo : lo + rays_per_chunk, None, :]
        d = directions[lo : lo + rays_per_chunk, None, :]
        # Möller–Trumbore, all rays of the chunk against all faces.
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.cross(d, e2[None])
            inv = 1.0 / np.einsum("rfk,fk->rf", p, e1)
            s = o - v0[None]
            u = np.einsum("rfk,rfk->rf", s, p) * inv
            q = np.cross(s, e1[None])
            v = np.einsum("rfk,rk->rf", q, d[:, 0]) * inv
            t = np.einsum("rfk,fk->rf", q, e2) * inv
            along = np.einsum("fk,rk->rf", outward, d[:, 0])
            ok = (
                np.isfinite(inv)
                & (u >= 0)
                & (v >= 0)
                & (u + v <= 1)
                & (t > start)
                & (along > THICKNESS_GRAZING_COS)
            )
        distance[lo : lo + rays_per_chunk] = np.where(ok, t, np.inf).min(axis=1, initial=np.inf)
    return distance
