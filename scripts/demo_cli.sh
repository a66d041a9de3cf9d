#!/usr/bin/env bash
# `make demo-cli`: the command line analysing,
# orienting, estimating and slicing the bundled sample models.
set -euo pipefail
cd "$(dirname "$0")/.."
ph=.venv/bin/printhub
out=out/demo
mkdir -p "$out"

step() { printf '\n\033[1m== %s ==\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "Analyse an uploaded bracket (it arrived upside down)" \
    $ph analyze samples/bracket.stl
step "Suggest how to lay it on the bed" \
    $ph orient samples/bracket.stl -o "$out/bracket-oriented.stl"
step "Instant estimate: PLA on an Original Prusa MK3S+" \
    $ph estimate "$out/bracket-oriented.stl" --printer mk3s --material pla
step "Instant estimate: carbon-fibre nylon on the hardened-nozzle MK3S+" \
    $ph estimate "$out/bracket-oriented.stl" --printer mk3s-hardened-0.4 --material pa11-cf
step "Carbon fibre on a brass nozzle is refused with the reason" \
    $ph estimate "$out/bracket-oriented.stl" --printer mk3s --material pa11-cf || true
step "A picture of it" \
    $ph thumbnail "$out/bracket-oriented.stl" -o "$out/bracket.png"
step "A broken model: analyse, then repair" \
    $ph analyze samples/broken_box.stl --quick
step "" $ph repair samples/broken_box.stl -o "$out/box-repaired.3mf"
if command -v prusa-slicer >/dev/null 2>&1; then
    step "Slice for real with PrusaSlicer and compare with the estimate" \
        $ph slice "$out/bracket-oriented.stl" --printer mk3s --material pla -o "$out/bracket.gcode"
else
    echo "PrusaSlicer is not installed (apt-get install prusa-slicer): skipping the slice step"
fi
printf '\nFiles written to %s/\n' "$out"
