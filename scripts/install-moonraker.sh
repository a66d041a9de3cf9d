#!/usr/bin/env bash
# Installs Moonraker (Klipper's API server) into its own virtual environment (.venv-moonraker)
# for the printer tests. It gets its own environment because its pinned dependencies differ
# from ours. Does nothing when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-moonraker

if [ -x "$venv/bin/moonraker" ]; then
    exit 0
fi
echo "printhub: installing Moonraker 0.11 into $venv (for tests/printers)"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "moonraker==0.11.0"
