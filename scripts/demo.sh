#!/usr/bin/env bash
# `make demo`: the whole platform on this machine — database, catalog, the demo network of
# four centers and two partner shops, demo people — with the web server on
# 127.0.0.1:${PRINTHUB_PORT:-8000} and the background worker. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python manage.py run_platform "$@"
