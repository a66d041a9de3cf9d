"""Broad phase: pairs of faces whose bounding volumes meet (see the package docstring)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations, pairwise
from typing import NamedTuple

import numpy as np
from scipy.spatial import cKDTree

from ._exact import rowdot

# Candidate pairs handed on at once; bounds memory at a few hundred bytes per pair.
CHUNK_PAIRS = 1_000_000
# A k-d tree query covers at most this many faces; larger size classes are cut into slabs.
_SLAB_FACES = 100_000
# Size classes by bounding-sphere radius, in powers of two around the median face: this many
# below it and above it (faces beyond join the extreme classes).
_SMALL_CLASSES = 3
_LARGE_CLASSES = 5
# Neighbouring classes whose largest radii differ by less than this factor are searched as one.
_MERGE_CLASS_RATIO = 1.5
# Faces sampled per size class to estimate the sphere pairs.
_ESTIMATE_SAMPLE = 20_000
# Faces per leaf of the box hierarchy, and children per node above the leaves.
_BUCKET_FACES = 4
_BRANCH = 4


class Planes(NamedTuple):
    """Faces lying exactly in a coordinate plane, for skipping faces that stay on one side.

    A face that lies on one side of such a face's plane (touching it at most) and is not
    itself within the touch tolerance of that plane cannot cross it: the exact test finds it
    neither straddling that plane nor coplanar. Whole subtrees of faces in one plane
    are skipped against subtrees that stay on one side of it, which is what keeps the
    seams of finely divided axis-aligned faces (CAD parts) cheap.
    """

    axis: np.ndarray  # (m,) int: the axis normal to the face's plane, -1 if none
    coord: np.ndarray  # (m,) float: the plane's coordinate on that axis, mm
    thin: np.ndarray  # (m, 3) bool: the face spans at most 2 tol along each axis
    reach: float  # mm: a box side this close to a plane keeps the face within tol of it


def bounding_spheres(triangles: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest enclosing sphere of each face: centres (m, 3) mm and radii (m,) mm.

    Acute faces: the circumscribed sphere. Right and obtuse ones: the sphere on the longest
    edge. For slivers and right triangles this is much smaller than a sphere around the
    centroid, and pairs grow with the square of the radius.
    """
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    # Squared edge lengths opposite each corner.
    la, lb, lc = (rowdot(*2 * [q - p]) for p, q in ((b, c), (a, c), (a, b)))
    # Barycentric weights of the circumcentre; a weight <= 0 marks a right or obtuse corner,
    # whose sphere is the one on the opposite edge: weights 0 there and 1 at its ends.
    wa, wb, wc = la * (lb + lc - la), lb * (la + lc - lb), lc * (la + lb - lc)
    flat = (wa <= 0) | (wb <= 0) | (wc <= 0) | ~usable
    longest_a = (la >= lb) & (la >= lc)
    longest_b = ~longest_a & (lb >= lc)
    longest_c = ~longest_a & ~longest_b
    wa = np.where(flat, ~longest_a, wa)
    wb = np.where(flat, ~longest_b, wb)
    wc = np.where(flat, ~longest_c, wc)
    total = wa + wb + wc
    centers = (wa[:, None] * a + wb[:, None] * b + wc[:, None] * c) / total[:, None]
    # Radii measured, not derived, so that rounding can only err on the safe side.
    radius_sq = rowdot(*2 * [a - centers])
    for corner in (b, c):
        np.maximum(radius_sq, rowdot(*2 * [corner - centers]), out=radius_sq)
    return centers, np.sqrt(radius_sq) * (1 + 1e-9)


def size_classes(radius: np.ndarray, usable: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """Faces grouped by bounding-sphere radius: [(radius bound, face ids)], largest first."""
    ids = np.flatnonzero(usable)
    # Faces are grouped by powers of two of their radius around the median face (faces
    # beyond a few powers join the extreme groups); each class's bound is its own largest
    # radius, and classes whose bounds differ little are merged. Largest class first.
    base = float(np.median(radius[ids]))
    with np.errstate(divide="ignore"):
        level = np.ceil(np.log2(np.maximum(radius[ids], 1e-300) / base))
    level = np.clip(level, -_SMALL_CLASSES, _LARGE_CLASSES).astype(np.int64)
    classes: list[tuple[float, np.ndarray]] = []
    for k in range(_LARGE_CLASSES, -_SMALL_CLASSES - 1, -1):
        members = ids[level == k]
        if len(members) == 0:
            continue
        bound = float(radius[members].max())
        if classes and bound * _MERGE_CLASS_RATIO >= classes[-1][0]:
            classes[-1] = (classes[-1][0], np.concatenate([classes[-1][1], members]))
        else:
            classes.append((bound, members))
    return classes


def estimated_sphere_pairs(centers: np.ndarray, classes: list) -> float:
    """About how many pairs the sphere broad phase would produce (from a sample per class)."""
    rng = np.random.default_rng(0)
    total = 0.0
    for bound, members in classes:
        sample = members
        if len(members) > _ESTIMATE_SAMPLE:
            sample = rng.choice(members, _ESTIMATE_SAMPLE, replace=False)
        tree = cKDTree(centers[sample])
        # count_neighbors counts ordered pairs, and each point with itself.
        found = (tree.count_neighbors(tree, 2 * bound) - len(sample)) / 2
        total += found * (len(members) / len(sample)) ** 2
    return total


def sphere_pairs(
    centers: np.ndarray, radius: np.ndarray, classes: list
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of faces whose bounding spheres meet, class by class and across classes."""
    ids = np.concatenate([members for _, members in classes])
    top = max(bound for bound, _ in classes)
    # Widen the search by a hair so that rounding in the tree never drops a touching pair.
    pad = 1e-9 * top
    axis = int(np.argmax(np.ptp(centers[ids], axis=0)))

    # Each class is cut into slabs with one k-d tree each, kept for the queries across classes.
    slabbed = []
    for bound, members in classes:
        reach = 2 * bound + pad
        slabs = _slabs(centers, members, reach, axis)
        trees = [_tree(centers[slab]) for slab in slabs]
        slabbed.append((slabs, trees))
        for a, b in _pairs_within(centers, slabs, trees, reach, axis):
            yield from chunks(a, b)
    for i, j in combinations(range(len(classes)), 2):
        reach = classes[i][0] + classes[j][0] + pad
        # Query the slabs of the larger class against one tree over the smaller one.
        big, small = (i, j) if len(classes[i][1]) >= len(classes[j][1]) else (j, i)
        small_members = classes[small][1]
        small_slabs, small_trees = slabbed[small]
        small_tree = small_trees[0] if len(small_slabs) == 1 else _tree(centers[small_members])
        small_members = small_slabs[0] if len(small_slabs) == 1 else small_members
        for slab, tree in zip(*slabbed[big], strict=True):
            hits = tree.sparse_distance_matrix(small_tree, reach, output_type="ndarray")
            a, b = slab[hits["i"]], small_members[hits["j"]]
            close = hits["v"] <= radius[a] + radius[b] + pad
            yield from chunks(a[close], b[close])


def _tree(points: np.ndarray) -> cKDTree:
    # Unbalanced, uncompacted trees build faster and query about as fast here.
    return cKDTree(points, balanced_tree=False, compact_nodes=False)


def _slabs(centers: np.ndarray, members: np.ndarray, reach: float, axis: int) -> list[np.ndarray]:
    """Cut members into runs along one axis, each run wider than reach (except the last)."""
    order = members[np.argsort(centers[members, axis], kind="stable")]
    if len(order) <= _SLAB_FACES:
        return [order]
    x = centers[order, axis]
    cuts = [0]
    for start in range(_SLAB_FACES, len(order), _SLAB_FACES):
        if x[start] - x[cuts[-1]] > reach:
            cuts.append(start)
    cuts.append(len(order))
    return [order[s:e] for s, e in pairwise(cuts)]


def _pairs_within(
    centers: np.ndarray, slabs: list, trees: list, reach: float, axis: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of faces of one class whose centers are within reach, slab by slab."""
    for k, (slab, tree) in enumerate(zip(slabs, trees, strict=True)):
        pairs = tree.query_pairs(reach, output_type="ndarray")
        yield slab[pairs[:, 0]], slab[pairs[:, 1]]
        if k + 1 < len(slabs):
            # Slabs are wider than reach, so a close pair straddles at most one boundary and
            # both of its faces lie within reach of it.
            nxt = slabs[k + 1]
            boundary = centers[nxt[0], axis]
            left = slab[centers[slab, axis] >= boundary - reach]
            right = nxt[centers[nxt, axis] < boundary + reach]
            if len(left) and len(right):
                hits = _tree(centers[left]).sparse_distance_matrix(
                    _tree(centers[right]), reach, output_type="ndarray"
                )
                yield left[hits["i"]], right[hits["j"]]


def box_tree_pairs(
    boxes: np.ndarray,
    order: np.ndarray,
    labels: np.ndarray | None = None,
    planes: Planes | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of faces whose boxes overlap, by walking a box hierarchy against itself.

    boxes : (m, 6) float32 (min xyz, max xyz), mm
    order : (k,) int, the faces to pair, in an order that keeps faces close in space close
        together (Morton order); consecutive runs of _BUCKET_FACES make the leaves
    labels : (m,) int or None. Pairs of faces carrying the same label >= 0 are skipped, and
        so are whole pairs of subtrees in which every face carries that one label.
    planes : faces lying in coordinate planes; a subtree all in one such plane is not paired
        with a subtree that stays on one side of it without a face thin along its axis
        (see Planes).

    A tree of _BRANCH children per node over the leaves holds every node's box and label,
    level by level. Node pairs are expanded a level at a time, all at once, keeping those
    whose boxes overlap; large frontiers are split and walked depth-first to bound memory.
    Children (and a leaf's faces) are stored side by side, so each pair's children are
    compared as one block.
    """
    order = np.asarray(order)
    if len(order) < 2:
        return
    # Buckets of faces, padded to whole groups of children. Padding faces get empty boxes
    # (min > max) that overlap nothing, and the last real face's label and plane so that
    # they never make a node mixed.
    buckets = _whole_groups(-(-len(order) // _BUCKET_FACES))
    size = buckets * _BUCKET_FACES
    real = len(order)
    leaf = np.empty((size, 6), dtype=np.float32)
    leaf[:, :3], leaf[:, 3:] = np.inf, -np.inf
    np.take(boxes, order, axis=0, out=leaf[:real])
    leaf_label = np.full(size, -1, dtype=np.int64)
    if labels is not None:
        leaf_label[:real] = labels[order]
        leaf_label[real:] = leaf_label[real - 1]
    leaf_sides = None
    if planes is not None and np.any(planes.axis[order] >= 0):
        # Per node: the plane all its faces lie in (axis -1 if none), and whether any of
        # them is thin along each axis.
        axis = np.empty(size, dtype=np.int64)
        coord = np.empty(size)
        axis[:real], coord[:real] = planes.axis[order], planes.coord[order]
        axis[real:], coord[real:] = axis[real - 1], coord[real - 1]
        thin = np.zeros((size, 3), dtype=bool)
        thin[:real] = planes.thin[order]
        leaf_sides = (axis, coord, thin)

    # levels[d] : node boxes at depth d, levels[-1] the buckets; likewise labels and sides.
    levels = [_merge_boxes(leaf, _BUCKET_FACES)]
    node_labels = [_merge_labels(leaf_label, _BUCKET_FACES)]
    node_sides = [None if leaf_sides is None else _merge_sides(leaf_sides, _BUCKET_FACES)]
    while len(levels[-1]) > 1:
        parents = -(-len(levels[-1]) // _BRANCH)
        levels[-1], node_labels[-1], node_sides[-1] = _padded(
            levels[-1], node_labels[-1], node_sides[-1], parents * _BRANCH
        )
        levels.append(_merge_boxes(levels[-1], _BRANCH))
        node_labels.append(_merge_labels(node_labels[-1], _BRANCH))
        node_sides.append(None if leaf_sides is None else _merge_sides(node_sides[-1], _BRANCH))
    levels.reverse()
    node_labels.reverse()
    node_sides.reverse()
    depth = len(levels) - 1
    reach = None if planes is None else planes.reach
    leaf_blocks = leaf.reshape(-1, _BUCKET_FACES, 6)
    label_blocks = leaf_label.reshape(-1, _BUCKET_FACES)
    leaf_side = None if leaf_sides is None else (leaf_sides, reach)
    upper_leaf = np.triu(np.ones((_BUCKET_FACES, _BUCKET_FACES), dtype=bool), 1)
    upper_node = np.triu(np.ones((_BRANCH, _BRANCH), dtype=bool), 1)

    per_chunk = max(1, CHUNK_PAIRS // _BUCKET_FACES**2)
    empty = np.zeros(0, dtype=np.int64)
    root = np.zeros(1 if node_labels[0][0] < 0 else 0, dtype=np.int64)
    stack = [(0, empty, empty, root)]
    while stack:
        d, a, b, same = stack.pop()
        if d == depth:
            # Face pairs between two overlapping buckets, and within each bucket.
            for start in range(0, max(len(a), len(same)), per_chunk):
                part_a, part_b = a[start : start + per_chunk], b[start : start + per_chunk]
                part_s = same[start : start + per_chunk]
                pair, i, j = _block_pairs(leaf_blocks, label_blocks, part_a, part_b, leaf_side)
                fa = [part_a[pair] * _BUCKET_FACES + i]
                fb = [part_b[pair] * _BUCKET_FACES + j]
                pair, i, j = _block_pairs(
                    leaf_blocks, label_blocks, part_s, part_s, leaf_side, upper_leaf
                )
                fa.append(part_s[pair] * _BUCKET_FACES + i)
                fb.append(part_s[pair] * _BUCKET_FACES + j)
                yield order[np.concatenate(fa)], order[np.concatenate(fb)]
            continue
        below_boxes, below_labels = levels[d + 1], node_labels[d + 1]
        child_boxes = below_boxes.reshape(-1, _BRANCH, 6)
        child_labels = below_labels.reshape(-1, _BRANCH)
        side = None if node_sides[d + 1] is None else (node_sides[d + 1], reach)
        pair, i, j = _block_pairs(child_boxes, child_labels, a, b, side)
        child_a = [_BRANCH * a[pair] + i]
        child_b = [_BRANCH * b[pair] + j]
        # Within a node: its children against each other, and each against itself.
        pair, i, j = _block_pairs(child_boxes, child_labels, same, same, side, upper_node)
        child_a.append(_BRANCH * same[pair] + i)
        child_b.append(_BRANCH * same[pair] + j)
        child_a, child_b = np.concatenate(child_a), np.concatenate(child_b)
        same = (_BRANCH * same[:, None] + np.arange(_BRANCH)).ravel()
        # Only non-empty nodes with faces of more than one label hold pairs of their own.
        same = same[(below_boxes[same, 0] <= below_boxes[same, 3]) & (below_labels[same] < 0)]
        if len(child_a) + len(same) > CHUNK_PAIRS and d + 1 < depth:
            half_a, half_s = len(child_a) // 2, len(same) // 2
            stack.append((d + 1, child_a[:half_a], child_b[:half_a], same[:half_s]))
            stack.append((d + 1, child_a[half_a:], child_b[half_a:], same[half_s:]))
        else:
            stack.append((d + 1, child_a, child_b, same))


def _whole_groups(count: int) -> int:
    """count, rounded up to whole groups of _BRANCH (1 stays 1)."""
    return count if count <= 1 else -(-count // _BRANCH) * _BRANCH


def _padded(boxes: np.ndarray, labels: np.ndarray, sides: tuple | None, count: int):
    """Nodes padded to `count` with empty boxes that repeat the last node's label and plane."""
    extra = count - len(boxes)
    if extra <= 0:
        return boxes, labels, sides
    pad = np.empty((extra, 6), dtype=boxes.dtype)
    pad[:, :3], pad[:, 3:] = np.inf, -np.inf
    boxes = np.concatenate([boxes, pad])
    labels = np.concatenate([labels, np.repeat(labels[-1:], extra)])
    if sides is not None:
        axis, coord, thin = sides
        sides = (
            np.concatenate([axis, np.repeat(axis[-1:], extra)]),
            np.concatenate([coord, np.repeat(coord[-1:], extra)]),
            np.concatenate([thin, np.zeros((extra, 3), dtype=bool)]),
        )
    return boxes, labels, sides


def _block_pairs(
    blocks: np.ndarray,
    block_labels: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    side: tuple | None = None,
    within: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Box i of block a[k] and box j of block b[k] that overlap, as (k, i, j) index arrays.

    blocks : (n, g, 6) float32 boxes; block_labels : (n, g) int; pairs with one label >= 0
        are left out
    side : ((axis, coord, thin) per box, flattened; reach): also leave out box pairs one of
        which lies in a plane that the other stays on one side of (see Planes)
    within : (g, g) bool, the (i, j) to consider (default all)
    """
    box_a = np.take(blocks, a, axis=0)[:, :, None, :]
    box_b = np.take(blocks, b, axis=0)[:, None, :, :]
    hit = box_a[..., 0] <= box_b[..., 3]
    for lo, hi in ((1, 4), (2, 5)):
        hit &= box_a[..., lo] <= box_b[..., hi]
    for lo, hi in ((0, 3), (1, 4), (2, 5)):
        hit &= box_b[..., lo] <= box_a[..., hi]
    label_a = np.take(block_labels, a, axis=0)[:, :, None]
    label_b = np.take(block_labels, b, axis=0)[:, None, :]
    hit &= (label_a < 0) | (label_a != label_b)
    if within is not None:
        hit &= within
    k, i, j = np.nonzero(hit)
    if side is not None and len(k):
        g = blocks.shape[1]
        row_a, row_b = a[k] * g + i, b[k] * g + j  # rows of the flattened blocks
        flat_boxes = blocks.reshape(-1, 6)
        keep = ~_stays_beside(side, row_a, flat_boxes, row_b)
        keep &= ~_stays_beside(side, row_b, flat_boxes, row_a)
        k, i, j = k[keep], i[keep], j[keep]
    return k, i, j


def _stays_beside(side: tuple, flat_rows: np.ndarray, boxes: np.ndarray, rows: np.ndarray):
    """(k,) bool: box rows[k] stays on one side of the plane that box flat_rows[k] lies in,
    and holds no face thin along that plane's axis (so none can cross one in the plane)."""
    (axis, coord, thin), reach = side
    result = np.zeros(len(rows), dtype=bool)
    plane_axis = axis[flat_rows]
    live = np.flatnonzero(plane_axis >= 0)
    if len(live) == 0:
        return result
    plane_axis, row = plane_axis[live], rows[live]
    plane = coord[flat_rows[live]]
    low = np.take(boxes.reshape(-1), 6 * row + plane_axis)
    high = np.take(boxes.reshape(-1), 6 * row + 3 + plane_axis)
    is_thin = np.take(thin.reshape(-1), 3 * row + plane_axis)
    result[live] = ((high <= plane + reach) | (low >= plane - reach)) & ~is_thin
    return result


def _merge_sides(sides: tuple, group: int) -> tuple:
    """Per-box (axis, coord, thin) in runs of `group` → per run: the plane all share (axis -1
    if they do not), and whether any is thin along each axis."""
    axis, coord, thin = sides
    axis, coord = axis.reshape(-1, group), coord.reshape(-1, group)
    merged_axis, merged_coord = axis[:, 0].copy(), coord[:, 0].copy()
    for i in range(1, group):
        merged_axis[(axis[:, i] != axis[:, 0]) | (coord[:, i] != coord[:, 0])] = -1
    return merged_axis, merged_coord, thin.reshape(-1, group, 3).any(axis=1)


def _merge_boxes(boxes: np.ndarray, group: int) -> np.ndarray:
    """(k * group, 6) boxes → (k, 6) boxes around each run of `group`."""
    grouped = boxes.reshape(-1, group, 6)
    merged = grouped[:, 0].copy()
    for i in range(1, group):
        np.minimum(merged[:, :3], grouped[:, i, :3], out=merged[:, :3])
        np.maximum(merged[:, 3:], grouped[:, i, 3:], out=merged[:, 3:])
    return merged


def _merge_labels(labels: np.ndarray, group: int) -> np.ndarray:
    """(k * group,) labels → (k,) the run's label where all agree, else -1."""
    grouped = labels.reshape(-1, group)
    merged = grouped[:, 0].copy()
    for i in range(1, group):
        merged[grouped[:, i] != grouped[:, 0]] = -1
    return merged


def _overlap(boxes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k,) bool: boxes[a] and boxes[b] overlap (touching counts)."""
    box_a = np.take(boxes, a, axis=0)
    box_b = np.take(boxes, b, axis=0)
    return (
        (box_a[:, 0] <= box_b[:, 3])
        & (box_a[:, 1] <= box_b[:, 4])
        & (box_a[:, 2] <= box_b[:, 5])
        & (box_b[:, 0] <= box_a[:, 3])
        & (box_b[:, 1] <= box_a[:, 4])
        & (box_b[:, 2] <= box_a[:, 5])
    )


def morton_codes(points: np.ndarray) -> np.ndarray:
    """(n,) uint64 positions of (n, 2 or 3) points along a Z-order curve (16 bits per axis)."""
    # Column by column: reducing a (n, 3) array along axis 0 is several times slower.
    lo = np.array([points[:, k].min() for k in range(points.shape[1])])
    hi = np.array([points[:, k].max() for k in range(points.shape[1])])
    span = float((hi - lo).max()) or 1.0
    cells = np.clip((points - lo) * (65535 / span), 0, 65535).astype(np.uint64)
    code = np.zeros(len(points), dtype=np.uint64)
    for axis in range(points.shape[1]):
        x = cells[:, axis]
        # Each byte's bits spread apart through a table, two zero bits after each.
        spread = _SPREAD_BYTE[x & np.uint64(255)] | (
            _SPREAD_BYTE[x >> np.uint64(8)] << np.uint64(24)
        )
        code |= spread << np.uint64(axis)
    return code


def _spread_byte() -> np.ndarray:
    """(256,) uint64: bit i of each byte moved to bit 3 i."""
    table = np.zeros(256, dtype=np.uint64)
    for bit in range(8):
        table |= ((np.arange(256, dtype=np.uint64) >> np.uint64(bit)) & np.uint64(1)) << np.uint64(
            3 * bit
        )
    return table


_SPREAD_BYTE = _spread_byte()


def chunks(a: np.ndarray, b: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Cut long pair lists into pieces of at most CHUNK_PAIRS."""
    for start in range(0, len(a), CHUNK_PAIRS):
        yield a[start : start + CHUNK_PAIRS], b[start : start + CHUNK_PAIRS]


def face_boxes(triangles: np.ndarray, tol: float) -> tuple[np.ndarray, Planes]:
    """(m, 6) float32 bounding boxes (min xyz, max xyz) grown by at least tol, mm; and which
    faces lie exactly in a coordinate plane (see Planes)."""
    lo = np.minimum(np.minimum(triangles[:, 0], triangles[:, 1]), triangles[:, 2])
    hi = np.maximum(np.maximum(triangles[:, 0], triangles[:, 1]), triangles[:, 2])
    # Rounding to float32 moves a value by at most 2**-24 of the largest magnitude; growing
    # by 2**-22 of it more makes the rounded boxes still contain the grown ones.
    largest = max(abs(float(lo.min(initial=0.0))), abs(float(hi.max(initial=0.0))))
    grow = tol + largest * 2.0**-22
    boxes = np.empty((len(triangles), 6), dtype=np.float32)
    np.subtract(lo, grow, out=boxes[:, :3], casting="same_kind")
    np.add(hi, grow, out=boxes[:, 3:], casting="same_kind")

    span = hi - lo
    # A face lies exactly in an axis plane when its corners share that coordinate; its own
    # plane, which the exact test uses, is then exactly that plane.
    in_plane = span == 0
    axis = np.where(in_plane[:, 0], 0, np.where(in_plane[:, 1], 1, np.where(in_plane[:, 2], 2, -1)))
    coord = np.take(lo.reshape(-1), 3 * np.arange(len(lo)) + np.maximum(axis, 0))
    # A box side at most tol + grow - 2**-23 largest beyond a coordinate leaves the corners
    # (grow inside it, give or take 2**-24 largest of rounding) within tol of it.
    reach = tol + grow - largest * 2.0**-23
    return boxes, Planes(axis, coord, span <= 2 * tol, reach)


def round_down(x: np.ndarray) -> np.ndarray:
    """float32 values no greater than x (float64)."""
    x32 = x.astype(np.float32)
    return np.where(x32 > x, np.nextafter(x32, np.float32(-np.inf)), x32)


def round_up(x: np.ndarray) -> np.ndarray:
    """float32 values no less than x (float64)."""
    x32 = x.astype(np.float32)
    return np.where(x32 < x, np.nextafter(x32, np.float32(np.inf)), x32)


def boxes_overlap(boxes: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the pairs whose bounding boxes overlap: far tighter than spheres for slivers."""
    keep = _overlap(boxes, a, b)
    return a[keep], b[keep]
