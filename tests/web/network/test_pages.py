"""The public pages: centers, one center, materials — in Korean and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from printhub.network.models import Closure, Printer

from .conftest import seoul


def card(page: str, slug: str) -> str:
    """The part of the centers page about one center."""
    start = page.index(f'id="center-{slug}"')
    return page[start : page.index("</article>", start)]


def test_center_list_in_korean(client, db, clock):
    clock(seoul(2026, 12, 2, 10, 0))
    response = client.get(reverse("network:center_list"))
    assert response.status_code == 200
    assert response["Content-Language"] == "ko"
    page = response.content.decode()
    for name in ("전주 3D프린팅 융복합센터", "군산", "남원", "정읍", "한옥마을 메이커스"):
        assert name in page
    assert "협력 출력소" in page and "융복합센터" in page  # kinds
    jeonju = card(page, "jeonju")
    assert "063-000-3100" in jeonju
    assert "전북특별자치도 전주시 덕진구 팔복로 100" in jeonju
    assert "09:00–18:00" in jeonju
    assert "운영 중" in jeonju
    assert "FDM (필라멘트) 8" in jeonju and "SLA (레진) 2" in jeonju and "SLS (분말) 1" in jeonju
    assert "탄소섬유 PLA" in jeonju and "경화 노즐" in jeonju and "건조" in jeonju
    assert "CNT 정전기 방지 PETG" in jeonju


def test_center_list_in_english(english, db, clock):
    clock(seoul(2026, 12, 2, 10, 0))
    page = english.get(reverse("network:center_list")).content.decode()
    assert "Centers and partner shops" in page
    assert "Jeonju 3D Printing Convergence Center" in page
    assert "Partner print shop" in page and "Convergence center" in page
    jeonju = card(page, "jeonju")
    assert "Open now" in jeonju and "until 18:00" in jeonju
    assert "PLA-CF (carbon fiber)" in jeonju
    assert "hardened nozzle" in jeonju and "enclosure" in jeonju and "drying" in jeonju


def test_composites_are_not_offered_where_no_printer_can_run_them(english, db, clock):
    clock(seoul(2026, 12, 2, 10, 0))
    page = english.get(reverse("network:center_list")).content.decode()
    namwon = card(page, "namwon")
    assert "PLA" in namwon and "carbon fiber" not in namwon and "hardened nozzle" not in namwon


def test_namwon_is_closed_over_lunch_on_the_page(english, db, clock):
    clock(seoul(2026, 12, 2, 12, 30))
    page = english.get(reverse("network:center_list")).content.decode()
    namwon = card(page, "namwon")
    assert "09:00–12:00, 13:00–18:00" in namwon
    assert "Closed now" in namwon and "13:00" in namwon
    assert "Open now" in card(page, "jeonju")


def test_namwon_lunch_break_in_korean(client, db, clock):
    clock(seoul(2026, 12, 2, 12, 30))
    namwon = card(client.get(reverse("network:center_list")).content.decode(), "namwon")
    assert "운영 종료" in namwon and "12월 2일 수요일 13:00" in namwon


def test_a_closure_day_on_the_page(english, db, clock, center):
    Closure.objects.create(
        center=center("jeonju"), date=dt.date(2026, 12, 2), reason_ko="점검", reason_en="Inspection"
    )
    clock(seoul(2026, 12, 2, 10, 0))
    jeonju = card(english.get(reverse("network:center_list")).content.decode(), "jeonju")
    assert "Closed today (Inspection)" in jeonju
    assert "Closed now" in jeonju and "Thu 3 Dec, 09:00" in jeonju


def test_sunday_shows_when_it_opens_next(english, db, clock):
    clock(seoul(2026, 12, 6, 11, 0))
    jeonju = card(english.get(reverse("network:center_list")).content.decode(), "jeonju")
    assert "Closed now" in jeonju and "Mon 7 Dec, 09:00" in jeonju
    # The partner shop in Hanok Village opens on Sundays.
    hanok = card(english.get(reverse("network:center_list")).content.decode(), "hanok-makers")
    assert "12:00–18:00" in hanok


def test_printer_counts_show_what_is_in_maintenance(english, db, clock, center):
    Printer.objects.filter(center=center("namwon"), name="MK3S-01").update(status="maintenance")
    clock(seoul(2026, 12, 2, 10, 0))
    namwon = card(english.get(reverse("network:center_list")).content.decode(), "namwon")
    assert "FDM (filament) 4" in namwon and "3 available" in namwon


def test_center_detail_in_korean(client, db, clock):
    clock(seoul(2026, 12, 2, 10, 0))
    response = client.get(reverse("network:center_detail", args=["jeonju"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "운영 시간" in page and "토요일" in page and "10:00–15:00" in page
    assert "일요일" in page and "휴무" in page
    assert "탄소·CNT 소재 연구실" in page  # a room
    assert "레이저 커터" in page  # other equipment
    assert "Original Prusa i3 MK3S+ hardened 0.4 mm, enclosed" in page
    assert "250 × 210 × 210 mm" in page and "0.4 mm" in page
    assert "₩2,500 / 시간" in page  # FDM machine rate
    assert "₩65,000 / kg" in page  # PLA-CF
    assert "₩75,000 / 리터" in page  # resin per litre
    assert "₩3,000" in page and "₩5,000" in page  # set-up fee, minimum order
    assert "서포트 제거" in page and "₩2,000 / 개" in page
    assert "부가세" in page and "10%" in page


def test_center_detail_in_english(english, db, clock, center):
    Closure.objects.create(
        center=center("namwon"),
        date=dt.date(2026, 12, 24),
        reason_ko="시설 점검",
        reason_en="Building inspection",
    )
    Closure.objects.create(center=center("namwon"), date=dt.date(2026, 11, 2))  # past
    clock(seoul(2026, 12, 2, 10, 0))
    page = english.get(reverse("network:center_detail", args=["namwon"])).content.decode()
    assert "Namwon 3D Printing Education Center" in page
    assert "09:00–12:00, 13:00–18:00" in page
    assert "Closures ahead" in page and "2026-12-24 (Thu) — Building inspection" in page
    assert "2026-11-02" not in page
    assert "Original Prusa MINI+" in page
    assert "Prices are in won and exclude VAT" in page
    assert "SLS" not in page.split('id="prices"')[1].split("Materials")[0]  # no SLS rate
    assert "PLA-CF" not in page  # no hardened printer here


def test_retired_printers_are_not_listed(english, db, center):
    Printer.objects.filter(center=center("gunsan"), name="SL1S-01").update(status="retired")
    page = english.get(reverse("network:center_detail", args=["gunsan"])).content.decode()
    assert "SL1S-01" not in page and "MK3S-01" in page


def test_unknown_or_inactive_center_is_404(client, db, center):
    assert client.get(reverse("network:center_detail", args=["nowhere"])).status_code == 404
    gunsan = center("gunsan")
    gunsan.is_active = False
    gunsan.save()
    assert client.get(reverse("network:center_detail", args=["gunsan"])).status_code == 404
    assert "군산" not in client.get(reverse("network:center_list")).content.decode()


def test_manager_sees_edit_links_others_do_not(client_for):
    url = reverse("network:center_detail", args=["jeonju"])
    prices = reverse("network:staff_prices", args=["jeonju"])
    assert prices in client_for("manager").get(url).content.decode()
    assert prices in client_for("admin").get(url).content.decode()
    for role in (None, "citizen", "operator"):
        assert prices not in client_for(role).get(url).content.decode()
    gunsan = reverse("network:center_detail", args=["gunsan"])
    assert "/staff/gunsan/prices/" not in client_for("manager").get(gunsan).content.decode()


def test_materials_page_in_korean(client, db):
    page = client.get(reverse("network:materials")).content.decode()
    assert "소재" in page
    assert "탄소섬유" in page and "탄소나노튜브 (CNT)" in page
    assert "경화 노즐" in page and "챔버" in page and "건조" in page
    assert "흰색" in page and "#e8590c" in page  # colours


def test_materials_page_in_english(english, db):
    page = english.get(reverse("network:materials")).content.decode()
    row = page[page.index('id="material-pla-cf"') :]
    row = row[: row.index("</tr>")]
    assert "Carbon fibre" in row and "hardened nozzle" in row
    assert "Jeonju 3D Printing Convergence Center" in row and "₩65,000 / kg" in row
    assert "Namwon" not in row
    resin = page[page.index('id="material-resin-standard"') :]
    assert "₩75,000 / litre" in resin[: resin.index("</tr>")]
    powder = page[page.index('id="material-pa12-powder"') :]
    powder = powder[: powder.index("</tr>")]
    assert "Jeonju" in powder and "Gunsan" not in powder


@pytest.mark.parametrize("name", ["center_list", "materials"])
def test_public_pages_need_no_log_in(client, db, name):
    assert client.get(reverse(f"network:{name}")).status_code == 200
