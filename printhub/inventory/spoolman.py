"""A small client of Spoolman's REST API v1 (https://github.com/Donkie/Spoolman), and the
import of a Spoolman server's vendors, filaments and spools into a center's stock.

Only what printhub needs: ``GET /api/v1/health``, ``GET /api/v1/vendor``,
``GET /api/v1/filament``, ``GET /api/v1/spool`` and ``PUT /api/v1/spool/{id}/use`` with
``{"use_weight": g}``. Spoolman answers lists of JSON objects and leaves out fields that
are null; errors carry ``{"message": ...}``. Masses are grams, lengths mm, colours
``RRGGBB`` without ``#``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

API_PREFIX = "/api/v1"


class SpoolmanError(Exception):
    """Spoolman could not be reached or refused a request; the message says which."""


class SpoolmanClient:
    """Speaks to one Spoolman server. Knows nothing of printhub's database."""

    def __init__(self, base_url: str, timeout_s: float = 5.0):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"Spoolman's address must start with http:// or https://: {base_url}")
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def _request(self, method: str, path: str, body: dict | None = None, query: dict | None = None):
        url = self.base_url + API_PREFIX + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            raise SpoolmanError(
                f"Spoolman answered {err.code} to {method} {path}: {_message(err)}"
            ) from err
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            raise SpoolmanError(f"cannot reach Spoolman at {self.base_url}: {err}") from err
        except ValueError as err:
            raise SpoolmanError(f"Spoolman sent something that is not JSON for {path}") from err

    def health(self) -> bool:
        """Whether the server says it is healthy."""
        return (self._request("GET", "/health") or {}).get("status") == "healthy"

    def vendors(self) -> list[dict]:
        return self._request("GET", "/vendor")

    def filaments(self) -> list[dict]:
        return self._request("GET", "/filament")

    def spools(self, allow_archived: bool = False) -> list[dict]:
        query = {"allow_archived": "true"} if allow_archived else None
        return self._request("GET", "/spool", query=query)

    def use_spool(self, spool_id: int, grams: float) -> dict:
        """Report grams of filament used from a spool; returns the spool as Spoolman has it."""
        return self._request("PUT", f"/spool/{int(spool_id)}/use", {"use_weight": float(grams)})


def _message(err: urllib.error.HTTPError) -> str:
    try:
        payload = json.loads(err.read() or b"{}")
    except ValueError:
        return err.reason or ""
    if isinstance(payload, dict):
        return str(payload.get("message") or payload.get("detail") or err.reason)
    return str(err.reason)


@dataclass
class SyncReport:
    """What `sync_from_spoolman` did."""

    vendors: int = 0
    filaments: int = 0
    spools_created: int = 0
    spools_updated: int = 0
    skipped: list[str] | None = None


def _material_for(spoolman_material: str | None):
    """The catalog material a Spoolman material name means ("PLA" → pla, "PETG-CF" → petg-cf)."""
    from printhub.network.models import Material, Process

    if not spoolman_material:
        return None
    code = spoolman_material.strip().lower().replace(" ", "-")
    return (
        Material.objects.filter(process=Process.FDM, catalog_id=code).first()
        or Material.objects.filter(process=Process.FDM, family__iexact=code, filler="").first()
    )


def sync_from_spoolman(base_url: str, center, client: SpoolmanClient | None = None) -> SyncReport:
    """Import a Spoolman server's vendors, filaments and spools into a center's stock.

    Matched by Spoolman id: running it again updates weights, lot, location and archived
    state. Filaments of a material the catalog does not know are skipped (listed in the
    report). Spools already in printhub keep their printer.
    """
    from django.db import transaction

    from printhub.inventory.models import Filament, Spool, Vendor

    client = client or SpoolmanClient(base_url)
    vendors, filaments, spools = client.vendors(), client.filaments(), client.spools(True)
    report = SyncReport(skipped=[])
    with transaction.atomic():
        vendor_by_id = {}
        for item in vendors:
            vendor = Vendor.objects.filter(spoolman_id=item["id"]).first()
            vendor = vendor or Vendor.objects.filter(name=item["name"]).first() or Vendor()
            vendor.name = item["name"][:100]
            vendor.spoolman_id = item["id"]
            vendor.empty_spool_weight_g = item.get("empty_spool_weight")
            vendor.save()
            vendor_by_id[item["id"]] = vendor
            report.vendors += 1
        filament_by_id = {}
        for item in filaments:
            material = _material_for(item.get("material"))
            vendor_data = item.get("vendor")
            if material is None or not vendor_data or vendor_data["id"] not in vendor_by_id:
                report.skipped.append(f"filament {item['id']} ({item.get('material') or '?'})")
                continue
            filament = Filament.objects.filter(spoolman_id=item["id"]).first() or Filament()
            filament.vendor = vendor_by_id[vendor_data["id"]]
            filament.material = material
            filament.color_name = (item.get("name") or material.name_en)[:60]
            filament.color_hex = "#" + (item.get("color_hex") or "888888")[:6].lower()
            filament.diameter_mm = item.get("diameter") or 1.75
            filament.spool_weight_g = item.get("spool_weight")
            filament.net_weight_g = item.get("weight") or 1000
            filament.spoolman_id = item["id"]
            filament.save()
            filament_by_id[item["id"]] = filament
            report.filaments += 1
        for item in spools:
            filament = filament_by_id.get(item["filament"]["id"])
            if filament is None:
                report.skipped.append(f"spool {item['id']}")
                continue
            initial = item.get("initial_weight") or filament.net_weight_g
            spool = Spool.objects.filter(spoolman_id=item["id"]).first()
            if spool is None:
                spool = Spool(spoolman_id=item["id"], center=center)
                report.spools_created += 1
            else:
                report.spools_updated += 1
            spool.filament = filament
            spool.initial_weight_g = initial
            spool.used_weight_g = min(float(item.get("used_weight") or 0), initial)
            spool.lot = (item.get("lot_nr") or "")[:64]
            spool.location = (item.get("location") or "")[:100]
            spool.archived = bool(item.get("archived"))
            if spool.archived:
                spool.printer = None
                spool.loaded_at = None
            spool.save()
    return report
