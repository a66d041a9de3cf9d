"""Copy the browser files printhub serves from node_modules into its static folder.

Run by the set-up after `npm ci`; the copies are git-ignored. Only what pages
load is copied, so collectstatic stays small and nothing comes from a CDN.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
TARGET = ROOT / "printhub" / "site" / "static" / "vendor"

FILES = {
    "three/build/three.module.js": "three/three.module.js",
    "three/build/three.core.js": "three/three.core.js",
    "three/examples/jsm/controls/OrbitControls.js": "three/addons/controls/OrbitControls.js",
    "three/examples/jsm/loaders/STLLoader.js": "three/addons/loaders/STLLoader.js",
    "three/LICENSE": "three/LICENSE",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "htmx.org/LICENSE": "htmx/LICENSE",
}


def main() -> int:
    missing = [source for source in FILES if not (NODE / source).exists()]
    if missing:
        print(f"vendor_static: run `npm ci` first; missing {', '.join(missing)}", file=sys.stderr)
        return 1
    for source, target in FILES.items():
        destination = TARGET / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE / source, destination)
    return 0


if __name__ == "__main__":
    sys.exit(main())
