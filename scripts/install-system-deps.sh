#!/usr/bin/env bash
# Installs the Debian packages printhub needs: the real slicer and real test models.
# As root it installs what is missing; otherwise it says what to run and goes on,
# so that everything that does not need them still works.
set -euo pipefail

missing=()
command -v prusa-slicer >/dev/null 2>&1 || missing+=(prusa-slicer)
[ -d /usr/share/assimp/models ] || missing+=(assimp-testmodels)
[ -d /usr/share/openscad/testdata ] || missing+=(openscad-testing-data)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)          # Django's compilemessages
command -v chromium >/dev/null 2>&1 || missing+=(chromium)       # browser tests (Playwright)
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=(fonts-nanum)  # Korean PDFs
command -v wrk >/dev/null 2>&1 || missing+=(wrk)                 # load benchmark

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "printhub: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "printhub: missing Debian packages: ${missing[*]}" >&2
    echo "printhub: ask an administrator to run: sudo apt-get install ${missing[*]}" >&2
fi
