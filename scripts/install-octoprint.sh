#!/usr/bin/env bash
# Installs OctoPrint into its own virtual environment (.venv-octoprint) for the printer tests.
# It gets its own environment because its pinned dependencies differ from ours.
# Does nothing when it is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-octoprint

if [ -x "$venv/bin/octoprint" ]; then
    exit 0
fi
echo "printhub: installing OctoPrint 1.11 into $venv (for tests/printers)"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "octoprint>=1.11,<1.12"
