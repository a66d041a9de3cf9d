"""Fitted coefficients of the instant estimates (generated; do not edit by hand).

Regenerate with:  python -m bench.estimate_vs_slicer --fit
"""

FDM_COEFFICIENTS: dict[str, float] = {
    "perimeter_length": 1.01347,
    "shell_window": 1.59435,
    "shell_ring": 1.27475,
    "sparse_length": 0.997655,
    "support_area": 1.53906,
    "corners_per_loop": 6.62985,
    "sparse_segment": 1.97903,
    "sparse_junction": 0.5,
    "junction_jerk": 0.3,
    "retracts_per_layer": 3.57536e-12,
    "retracts_per_island": 0.2721,
    "retracts_per_hole": 0.449076,
    "retracts_sparse": 0.596376,
    "retracts_per_wave": 0.0918134,
    "retracts_solid": 1.04728,
    "retracts_support": 2.11388,
    "travel_per_retract": 5,
    "travel_overhead_s": 5.91113e-15,
    "layer_change_s": 0.236742,
    "print_start_s": 2.18874,
}

SLA_COEFFICIENTS: dict[str, float] = {
    "pad": 1.04657,
    "head": 0.496613,
    "layer_s": 0.249275,
}
