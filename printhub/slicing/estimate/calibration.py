"""Fitted coefficients of the instant estimates (generated; do not edit by hand).

Regenerate with:  python -m bench.estimate_vs_slicer --fit
"""

FDM_COEFFICIENTS: dict[str, float] = {
    "perimeter_length": 1.0,
    "shell_window": 1.0,
    "sparse_length": 1.06,
    "support_area": 1.5,
    "corners_per_loop": 4.0,
    "sparse_segment": 0.45,
    "sparse_junction": 2.5,
    "junction_jerk": 1.0,
    "retracts_per_layer": 2.0,
    "retracts_per_island": 1.0,
    "retracts_per_hole": 1.0,
    "retracts_sparse": 1.0,
    "retracts_support": 0.5,
    "travel_per_retract": 0.5,
    "travel_overhead_s": 0.02,
    "layer_change_s": 0.3,
    "print_start_s": 0.0,
}

SLA_COEFFICIENTS: dict[str, float] = {
    "pad": 1.0,
    "pillar": 0.05,
    "head": 0.1,
    "layer_s": 0.25,
}
