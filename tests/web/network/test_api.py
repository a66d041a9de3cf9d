"""The network's JSON API: centers, one center, materials — readable without logging in."""

from __future__ import annotations

import pytest

from printhub.accounts.models import ApiToken
from printhub.network.models import Closure, Printer

from .conftest import seoul


def test_centers_list(client, db, clock):
    clock(seoul(2026, 12, 2, 12, 30))
    response = client.get("/api/centers")
    assert response.status_code == 200
    centers = {c["slug"]: c for c in response.json()}
    assert list(centers) == [
        "jeonju",
        "gunsan",
        "namwon",
        "jeongeup",
        "hanok-makers",
        "hyoja-print",
    ]
    jeonju, namwon = centers["jeonju"], centers["namwon"]
    assert jeonju["kind"] == "center" and centers["hanok-makers"]["kind"] == "partner_shop"
    assert jeonju["name_ko"] == "전주 3D프린팅 융복합센터"
    assert jeonju["name"] == jeonju["name_ko"]  # Korean unless English was chosen
    assert jeonju["is_open_now"] is True
    assert jeonju["open_until"].startswith("2026-12-02T18:00:00+09:00")
    assert namwon["is_open_now"] is False
    assert namwon["next_open"].startswith("2026-12-02T13:00:00+09:00")
    assert [p["opens"][11:16] for p in namwon["today"]] == ["09:00", "13:00"]
    assert {p["process"]: p["total"] for p in jeonju["printers"]} == {"fdm": 8, "sla": 2, "sls": 1}
    assert "pla-cf" in jeonju["materials"] and "pla-cf" not in namwon["materials"]


def test_centers_list_follows_the_language_choice(english, db):
    jeonju = english.get("/api/centers").json()[0]
    assert jeonju["name"] == "Jeonju 3D Printing Convergence Center"


def test_closed_today_reason(client, db, clock, center):
    Closure.objects.create(
        center=center("gunsan"), date=seoul(2026, 12, 2, 0, 0).date(), reason_ko="점검"
    )
    clock(seoul(2026, 12, 2, 10, 0))
    gunsan = next(c for c in client.get("/api/centers").json() if c["slug"] == "gunsan")
    assert gunsan["is_open_now"] is False and gunsan["closed_today_reason"] == "점검"
    assert gunsan["today"] == []


def test_center_detail(client, db, clock):
    clock(seoul(2026, 12, 2, 10, 0))
    response = client.get("/api/centers/jeonju")
    assert response.status_code == 200
    data = response.json()
    assert {(h["weekday"], h["opens"], h["closes"]) for h in data["hours"]} == {
        *((d, "09:00", "18:00") for d in range(5)),
        (5, "10:00", "15:00"),
    }
    printers = {p["name"]: p for p in data["printer_list"]}
    assert len(printers) == 11
    hardened = printers["MK3S-HARDENED-0.4-01"]
    assert hardened["hardened_nozzle"] and hardened["enclosed"] and hardened["nozzle_mm"] == 0.4
    assert hardened["build_mm"] == [250.0, 210.0, 210.0] and "pla-cf" in hardened["materials"]
    assert printers["SL1S-01"]["nozzle_mm"] is None and printers["SL1S-01"]["process"] == "sla"
    prices = data["prices"]
    assert prices["currency"] == "KRW" and prices["vat_percent"] == 10
    assert prices["prices_include_vat"] is False
    assert prices["setup_fee_krw"] == 3000 and prices["minimum_order_krw"] == 5000
    assert prices["machine_krw_per_hour"] == {"fdm": 2500, "sla": 6000, "sls": 15000}
    materials = {m["material"]: m for m in prices["materials"]}
    assert materials["pla-cf"]["krw_per_kg"] == 65000
    assert materials["resin-standard"] == {
        "material": "resin-standard",
        "name": "표준 레진",
        "krw_per_kg": None,
        "krw_per_l": 75000,
    }
    assert [o["code"] for o in prices["post_processing"]] == [
        "support-removal",
        "sanding",
        "painting",
    ]
    assert any(r["kind"] == "lab" for r in data["rooms"])
    assert any(e["kind"] == "laser_cutter" for e in data["equipment"])
    assert all(c["date"] >= "2026-12-02" for c in data["closures"])


def test_center_detail_hides_retired_printers(client, db, center):
    Printer.objects.filter(center=center("jeonju"), name="MK3S-01").update(status="retired")
    Printer.objects.filter(center=center("jeonju"), name="MK3S-02").update(status="maintenance")
    printers = {p["name"]: p for p in client.get("/api/centers/jeonju").json()["printer_list"]}
    assert "MK3S-01" not in printers and printers["MK3S-02"]["status"] == "maintenance"


def test_unknown_center_is_404(client, db):
    assert client.get("/api/centers/nowhere").status_code == 404


def test_materials(client, db):
    response = client.get("/api/materials")
    assert response.status_code == 200
    materials = {m["catalog_id"]: m for m in response.json()}
    assert len(materials) == 13
    cf = materials["pla-cf"]
    assert cf["is_composite"] and cf["filler"] == "carbon-fiber"
    assert cf["abrasive"] and cf["needs_hardened_nozzle"]
    assert cf["price_unit"] == "kg" and cf["colors"][0]["code"] == "black"
    offers = {o["center"]: o for o in cf["offered_at"]}
    assert set(offers) == {"jeonju", "gunsan"}
    assert offers["jeonju"]["krw_per_kg"] == 65000
    assert materials["petg-cnt"]["filler"] == "cnt" and materials["petg-cnt"]["needs_drying"]
    assert materials["pc-cf"]["needs_enclosure"]
    assert materials["pla"]["filler"] is None and not materials["pla"]["is_composite"]
    resin = materials["resin-tough"]
    assert resin["price_unit"] == "l" and all(o["krw_per_l"] for o in resin["offered_at"])


@pytest.mark.parametrize("url", ["/api/centers", "/api/centers/jeonju", "/api/materials"])
@pytest.mark.parametrize("role", [None, "citizen", "operator", "manager", "admin"])
def test_everyone_may_read(client_for, url, role):
    assert client_for(role).get(url).status_code == 200


def test_a_token_works_too(people, client):
    _token, key = ApiToken.issue(people["student"], "test")
    response = client.get("/api/centers", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/api/centers", "/api/centers/jeonju", "/api/materials"])
def test_the_api_is_read_only(client_for, url):
    assert client_for("admin").post(url, {}, content_type="application/json").status_code == 405


def test_schema_lists_the_network_endpoints(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/centers", "/api/centers/{slug}", "/api/materials"} <= set(paths)
