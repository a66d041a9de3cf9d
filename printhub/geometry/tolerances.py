"""Every numeric tolerance of the geometry library, in one place.

Lengths are in mm, areas in mm², angles in degrees.
"""

# Faces whose area is below this are degenerate (zero-area slivers, collinear points).
DEGENERATE_AREA_MM2 = 1e-12
# Relative tolerance when comparing an enclosed volume to another one.
VOLUME_RTOL = 1e-6
# Support is needed under faces steeper than this from vertical (PrusaSlicer's default
# "support threshold" is also measured from the horizontal plane's normal).
DEFAULT_OVERHANG_ANGLE_DEG = 45.0
# Faces within this height of the lowest point rest on the bed and need no support.
BED_CONTACT_MM = 0.05
# A face is "flat on the bed" when its normal is within this angle of -Z.
BED_CONTACT_ANGLE_DEG = 1.0
# A part whose largest dimension is below this is probably modelled in inches or metres.
UNIT_SUSPECT_SMALL_MM = 3.0
# A part whose largest dimension is above this is probably modelled in micrometres.
UNIT_SUSPECT_LARGE_MM = 5000.0
# Distance used to start thickness rays just inside the surface.
RAY_START_OFFSET_MM = 1e-4
# Vertices closer than this are merged by repair (readers merge only exact copies).
REPAIR_MERGE_MM = 1e-5

# Thumbnails (pixel units, at the supersampled resolution).
# A pixel centre this far outside a triangle (in barycentric units) still counts as inside,
# so that shared edges leave no pinholes.
THUMBNAIL_BARYCENTRIC_EPS = 1e-9
# Triangles with less area than this in the image (seen edge-on) are drawn as lines.
THUMBNAIL_FLAT_AREA_PX2 = 1e-9
# Neighbouring pixels whose faces' normals differ by more than this get a crease line.
THUMBNAIL_CREASE_DEG = 35.0
# A depth step between neighbouring pixels beyond what their faces' slopes explain.
THUMBNAIL_DEPTH_JUMP_PX = 2.0

# Self-intersections (printhub.geometry.intersect).
# Distances and overlaps up to this fraction of the part's size count as touching, not
# crossing. The size is the larger of the bounding-box diagonal and the largest coordinate
# magnitude, because float32 coordinates (STL, 3MF) are rounded relative to their distance
# from the origin: about 8 float32 steps, 1e-4 mm for a part 100 mm across or 100 mm from
# the origin, far below anything a printer resolves. Faces thinner than this (height of the
# triangle) are left out of the search.
INTERSECT_TOUCH_REL = 1e-6
# A face counts toward an embedded vertex fan only if its normal leans at least this much
# (cosine) towards the vertex normal; below it the projected wedge is too thin to trust.
INTERSECT_FAN_MIN_COS = 1e-6
# A patch's border vertex must have its faces turn less than a full turn by at least this many
# radians (seen along the patch's axis): a full turn means two border edges on one line.
INTERSECT_SLIT_RAD = 1e-9
# A face too thin for the exact test still has a trustworthy normal (for telling which way it
# faces, in patches) while twice its area exceeds this fraction of its longest edge squared.
INTERSECT_PATCH_MIN_SINE = 1e-9
# A face is seen along its neighbourhood's main axis (in patches) only if its own normal leans
# at least this much (cosine) towards that axis; otherwise along its own main axis.
INTERSECT_PATCH_MIN_COS = 1e-3

# Wall thickness (printhub.geometry.thickness).
# Rays start this fraction of the bounding-box diagonal inside the surface when that is more
# than RAY_START_OFFSET_MM: Embree works in float32, whose rounding grows with the part.
THICKNESS_START_REL = 2e-6
# Hits on faces whose normal is within this cosine of perpendicular to the ray (the ray
# skims along them) are skipped and the ray goes on, like hits on faces turned towards it.
THICKNESS_GRAZING_COS = 1e-3
# Thin walls are reported once they cover at least this much surface (a sliver of a
# sharp edge is not a wall).
THIN_WALL_MIN_AREA_MM2 = 1.0
