#!/usr/bin/env bash
# `make demo`: the whole platform on this machine — database, catalog, the demo network of
# four centers and two partner shops, demo people, virtual printers with spools — with the
# web server on 127.0.0.1:${PRINTHUB_PORT:-8000}, the background worker and the fleet monitor
# (with the demo's operators and customers). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python manage.py run_platform "$@"
