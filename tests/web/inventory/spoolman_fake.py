"""A fake Spoolman server for the client's tests.

Why a fake: Spoolman (github.com/Donkie/Spoolman) is a FastAPI application shipped as a
Docker image and a release zip; it is not on PyPI (`pip download spoolman` finds an
unrelated asynchronous *client* of it), so it cannot run here. This fake answers the
endpoints printhub uses, written from Spoolman's API v1 source (spoolman/api/v1/models.py,
spool.py, router.py):

- ``GET /api/v1/health`` → ``{"status": "healthy"}``
- ``GET /api/v1/vendor`` / ``/filament`` / ``/spool`` → lists; nulls left out
  (``response_model_exclude_none``); spools nest their filament, filaments their vendor;
  archived spools only with ``?allow_archived=true``
- ``PUT /api/v1/spool/{id}/use`` with ``{"use_weight": g}`` or ``{"use_length": mm}``
  (not both, not neither: 400) → the spool; unknown id → 404; errors are
  ``{"message": ...}``
- colours are ``RRGGBB`` without ``#``; ``remaining_weight`` = initial − used, at least 0.
"""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

REGISTERED = "2026-11-01T09:00:00Z"


def _without_nulls(item: dict) -> dict:
    return {k: v for k, v in item.items() if v is not None}


class FakeSpoolman:
    """State of the fake server: vendors, filaments and spools by id; requests seen."""

    def __init__(self):
        self.vendors: dict[int, dict] = {}
        self.filaments: dict[int, dict] = {}
        self.spools: dict[int, dict] = {}
        self.requests: list[tuple[str, str, dict | None]] = []
        self.server: ThreadingHTTPServer | None = None

    # --- data -----------------------------------------------------------------------------

    def add_vendor(self, id: int, name: str, empty_spool_weight: float | None = None) -> dict:
        self.vendors[id] = {
            "id": id,
            "registered": REGISTERED,
            "name": name,
            "empty_spool_weight": empty_spool_weight,
            "extra": {},
        }
        return self.vendors[id]

    def add_filament(self, id: int, vendor_id: int | None, material: str | None, **fields):
        self.filaments[id] = {
            "id": id,
            "registered": REGISTERED,
            "name": fields.get("name"),
            "vendor_id": vendor_id,
            "material": material,
            "density": fields.get("density", 1.24),
            "diameter": fields.get("diameter", 1.75),
            "weight": fields.get("weight", 1000.0),
            "spool_weight": fields.get("spool_weight"),
            "color_hex": fields.get("color_hex"),
            "extra": {},
        }
        return self.filaments[id]

    def add_spool(self, id: int, filament_id: int, **fields):
        self.spools[id] = {
            "id": id,
            "registered": REGISTERED,
            "filament_id": filament_id,
            "initial_weight": fields.get("initial_weight"),
            "spool_weight": fields.get("spool_weight"),
            "used_weight": fields.get("used_weight", 0.0),
            "location": fields.get("location"),
            "lot_nr": fields.get("lot_nr"),
            "comment": None,
            "archived": fields.get("archived", False),
            "extra": {},
        }
        return self.spools[id]

    # --- what the API answers ---------------------------------------------------------------

    def vendor_json(self, vendor_id: int) -> dict:
        return _without_nulls(self.vendors[vendor_id])

    def filament_json(self, filament_id: int) -> dict:
        item = dict(self.filaments[filament_id])
        vendor_id = item.pop("vendor_id")
        item["vendor"] = self.vendor_json(vendor_id) if vendor_id is not None else None
        return _without_nulls(item)

    def spool_json(self, spool_id: int) -> dict:
        item = dict(self.spools[spool_id])
        filament = self.filaments[item.pop("filament_id")]
        initial = item["initial_weight"] or filament["weight"]
        item["filament"] = self.filament_json(filament["id"])
        item["initial_weight"] = initial
        area_mm2 = math.pi * (filament["diameter"] / 2) ** 2
        mm_per_g = 1000 / (filament["density"] * area_mm2)
        item["used_length"] = item["used_weight"] * mm_per_g
        if initial is not None:
            item["remaining_weight"] = max(initial - item["used_weight"], 0.0)
            item["remaining_length"] = item["remaining_weight"] * mm_per_g
        return _without_nulls(item)

    # --- the server -------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, payload) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlparse(self.path)
                query = parse_qs(url.query)
                fake.requests.append(("GET", self.path, None))
                if url.path == "/api/v1/health":
                    return self._send(200, {"status": "healthy"})
                if url.path == "/api/v1/vendor":
                    return self._send(200, [fake.vendor_json(i) for i in sorted(fake.vendors)])
                if url.path == "/api/v1/filament":
                    return self._send(200, [fake.filament_json(i) for i in sorted(fake.filaments)])
                if url.path == "/api/v1/spool":
                    archived_too = query.get("allow_archived", ["false"])[0] == "true"
                    return self._send(
                        200,
                        [
                            fake.spool_json(i)
                            for i in sorted(fake.spools)
                            if archived_too or not fake.spools[i]["archived"]
                        ],
                    )
                return self._send(404, {"detail": "Not Found"})

            def do_PUT(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(("PUT", self.path, body))
                parts = url.path.strip("/").split("/")
                if parts[:3] != ["api", "v1", "spool"] or len(parts) != 5 or parts[4] != "use":
                    return self._send(404, {"detail": "Not Found"})
                spool_id = int(parts[3])
                if spool_id not in fake.spools:
                    return self._send(404, {"message": f"No spool with ID {spool_id} found."})
                weight, length_mm = body.get("use_weight"), body.get("use_length")
                if weight is not None and length_mm is not None:
                    return self._send(
                        400, {"message": "Only specify either use_weight or use_length."}
                    )
                if weight is None and length_mm is None:
                    return self._send(
                        400, {"message": "Either use_weight or use_length must be specified."}
                    )
                spool = fake.spools[spool_id]
                if weight is None:
                    filament = fake.filaments[spool["filament_id"]]
                    area_mm2 = math.pi * (filament["diameter"] / 2) ** 2
                    weight = filament["density"] * area_mm2 * length_mm / 1000
                spool["used_weight"] = max(spool["used_weight"] + weight, 0.0)
                return self._send(200, fake.spool_json(spool_id))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
