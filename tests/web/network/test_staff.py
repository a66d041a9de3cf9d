"""The staff pages: who may see and change what, and the forms' validation."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from printhub.network import services
from printhub.network.models import Center, Closure, Material, OpeningHours, Printer

from .conftest import seoul


def jeonju_printer(name: str = "MK3S-01") -> Printer:
    return Printer.objects.get(center__slug="jeonju", name=name)


def price_form(center: Center, **changes) -> dict:
    """The price form as the page fills it, with some fields changed."""
    price_list = center.price_list
    data = {
        "setup_fee_krw": str(price_list.setup_fee_krw),
        "minimum_order_krw": str(price_list.minimum_order_krw),
        "vat_percent": str(price_list.vat_percent),
    }
    for rate in price_list.rates.all():
        data[f"rate_{rate.process}"] = str(rate.krw_per_hour)
    for price in price_list.material_prices.select_related("material"):
        data[f"material_{price.material_id}"] = str(price.unit_price_krw)
    options = list(price_list.post_processing.all())
    data.update({"pp-TOTAL_FORMS": str(len(options)), "pp-INITIAL_FORMS": str(len(options))})
    for i, o in enumerate(options):
        data.update(
            {
                f"pp-{i}-code": o.code,
                f"pp-{i}-name_ko": o.name_ko,
                f"pp-{i}-name_en": o.name_en,
                f"pp-{i}-krw_per_part": str(o.krw_per_part),
                f"pp-{i}-extra_hours": str(o.extra_hours),
            }
        )
    data.update(changes)
    return data


def hours_form(periods, existing: int = 0) -> dict:
    data = {"hours-TOTAL_FORMS": str(len(periods)), "hours-INITIAL_FORMS": str(existing)}
    for i, (weekday, opens, closes) in enumerate(periods):
        data.update(
            {
                f"hours-{i}-weekday": str(weekday),
                f"hours-{i}-opens": opens,
                f"hours-{i}-closes": closes,
            }
        )
    data["save_hours"] = "1"
    return data


# ------------------------------------------------------------------------ who may see what


@pytest.mark.parametrize(
    "url",
    [
        "/centers/staff/",
        "/centers/staff/jeonju/prices/",
        "/centers/staff/jeonju/hours/",
        "/centers/staff/jeonju/printers/add/",
    ],
)
def test_anonymous_is_sent_to_log_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["citizen", "student", "startup", "designer"])
def test_customers_get_403(client_for, role):
    client = client_for(role)
    assert client.get("/centers/staff/").status_code == 403
    assert client.get("/centers/staff/jeonju/prices/").status_code == 403
    response = client.post(
        reverse("network:printer_status", args=[jeonju_printer().pk]), {"status": "maintenance"}
    )
    assert response.status_code == 403
    assert jeonju_printer().status == "available"


def test_staff_home_lists_my_centers_only(client_for, login, gunsan_operator):
    page = client_for("operator").get("/centers/staff/").content.decode()
    assert "전주 3D프린팅 융복합센터" in page and "군산 3D프린팅 융복합센터" not in page
    assert "MK3S-HARDENED-0.4-01" in page
    assert reverse("network:staff_prices", args=["jeonju"]) not in page  # operators: no prices
    page = client_for("manager").get("/centers/staff/").content.decode()
    assert "전주 3D프린팅" in page and "한옥마을 메이커스" in page and "군산 3D" not in page
    assert reverse("network:staff_prices", args=["jeonju"]) in page
    page = login(gunsan_operator).get("/centers/staff/").content.decode()
    assert "군산 3D프린팅 융복합센터" in page and "전주 3D프린팅 융복합센터" not in page
    page = client_for("admin").get("/centers/staff/").content.decode()
    assert all(c.name_ko in page for c in Center.objects.all())


def test_staff_home_in_english(client_for):
    client = client_for("manager")
    client.cookies["django_language"] = "en"
    page = client.get("/centers/staff/").content.decode()
    assert "My centers" in page and "Edit prices" in page and "Set in maintenance" in page


# ------------------------------------------------------------------------ printer status


def test_operator_sets_a_printer_in_maintenance_and_back(client_for):
    client, printer = client_for("operator"), jeonju_printer()
    url = reverse("network:printer_status", args=[printer.pk])
    response = client.post(url, {"status": "maintenance"})
    assert response.status_code == 302
    assert jeonju_printer().status == "maintenance"
    client.post(url, {"status": "available"})
    assert jeonju_printer().status == "available"


def test_status_change_with_htmx_returns_the_row(client_for):
    printer = jeonju_printer()
    response = client_for("operator").post(
        reverse("network:printer_status", args=[printer.pk]),
        {"status": "maintenance"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith(f'<tr id="printer-{printer.pk}"')
    assert "status-maintenance" in row and "정비 중" in row


def test_status_must_be_available_or_maintenance(client_for):
    printer = jeonju_printer()
    url = reverse("network:printer_status", args=[printer.pk])
    response = client_for("operator").post(url, {"status": "retired"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert jeonju_printer().status == "available"
    response = client_for("operator").post(url, {"status": "broken"}, follow=True)
    assert "사용 가능 또는 정비 중" in response.content.decode()


def test_operator_of_another_center_gets_403(login, gunsan_operator):
    response = login(gunsan_operator).post(
        reverse("network:printer_status", args=[jeonju_printer().pk]), {"status": "maintenance"}
    )
    assert response.status_code == 403
    assert jeonju_printer().status == "available"


def test_status_needs_post(client_for):
    url = reverse("network:printer_status", args=[jeonju_printer().pk])
    assert client_for("operator").get(url).status_code == 405


def test_operator_may_not_retire_manager_may(client_for):
    printer = jeonju_printer()
    url = reverse("network:printer_retire", args=[printer.pk])
    assert client_for("operator").post(url).status_code == 403
    assert jeonju_printer().status == "available"
    assert client_for("manager").post(url).status_code == 302
    assert jeonju_printer().status == "retired"
    # An operator cannot bring it back; the manager can.
    status = reverse("network:printer_status", args=[printer.pk])
    assert client_for("operator").post(status, {"status": "available"}).status_code == 403
    client_for("manager").post(status, {"status": "available"})
    assert jeonju_printer().status == "available"


def test_manager_of_jeonju_may_not_retire_a_gunsan_printer(client_for):
    printer = Printer.objects.get(center__slug="gunsan", name="MK3S-01")
    assert (
        client_for("manager").post(reverse("network:printer_retire", args=[printer.pk])).status_code
        == 403
    )
    assert (
        client_for("admin").post(reverse("network:printer_retire", args=[printer.pk])).status_code
        == 302
    )


# ------------------------------------------------------------------------ prices


def test_operator_may_not_open_or_post_the_price_form(client_for):
    url = reverse("network:staff_prices", args=["jeonju"])
    client = client_for("operator")
    assert client.get(url).status_code == 403
    jeonju = Center.objects.get(slug="jeonju")
    assert client.post(url, price_form(jeonju, setup_fee_krw="1")).status_code == 403
    assert Center.objects.get(slug="jeonju").price_list.setup_fee_krw == 3000


def test_manager_edits_jeonju_prices(client_for):
    jeonju = Center.objects.get(slug="jeonju")
    cf = Material.objects.get(catalog_id="pla-cf")
    data = price_form(
        jeonju,
        setup_fee_krw="4,000",
        rate_fdm="₩2,800",
        **{f"material_{cf.pk}": "70000"},
    )
    data.update(
        {
            "pp-TOTAL_FORMS": str(int(data["pp-TOTAL_FORMS"]) + 1),
            "pp-3-code": "polishing",
            "pp-3-name_ko": "연마",
            "pp-3-name_en": "Polishing",
            "pp-3-krw_per_part": "7000",
            "pp-3-extra_hours": "0.5",
            "pp-0-DELETE": "on",
        }
    )
    response = client_for("manager").post(reverse("network:staff_prices", args=["jeonju"]), data)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("network:center_detail", args=["jeonju"])
    jeonju.price_list.refresh_from_db()
    assert jeonju.price_list.setup_fee_krw == 4000
    assert services.machine_rate(jeonju, "fdm") == 2800
    assert services.price_for_material(jeonju, cf).krw_per_kg == 70000
    codes = set(jeonju.price_list.post_processing.values_list("code", flat=True))
    assert "polishing" in codes and len(codes) == 3  # one deleted, one added


def test_manager_of_jeonju_may_not_edit_gunsan(client_for):
    url = reverse("network:staff_prices", args=["gunsan"])
    assert client_for("manager").get(url).status_code == 403
    gunsan = Center.objects.get(slug="gunsan")
    assert client_for("manager").post(url, price_form(gunsan, setup_fee_krw="1")).status_code == 403
    assert Center.objects.get(slug="gunsan").price_list.setup_fee_krw == 3000


def test_admin_edits_any_center(client_for):
    gunsan = Center.objects.get(slug="gunsan")
    response = client_for("admin").post(
        reverse("network:staff_prices", args=["gunsan"]), price_form(gunsan, vat_percent="0")
    )
    assert response.status_code == 302
    gunsan.price_list.refresh_from_db()
    assert gunsan.price_list.vat_percent == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("setup_fee_krw", "-100", "가격은 0보다 작을 수 없습니다"),
        ("setup_fee_krw", "1500.5", "원 단위의 정수"),
        ("minimum_order_krw", "abc", "원 단위의 정수"),
        ("vat_percent", "120", "0에서 100"),
        ("rate_fdm", "-1", "가격은 0보다 작을 수 없습니다"),
        ("setup_fee_krw", "99999999", "10,000,000"),
    ],
)
def test_bad_prices_are_refused_with_a_message_and_nothing_stored(
    client_for, field, value, message
):
    jeonju = Center.objects.get(slug="jeonju")
    response = client_for("manager").post(
        reverse("network:staff_prices", args=["jeonju"]), price_form(jeonju, **{field: value})
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "저장되지 않았습니다" in page
    jeonju.price_list.refresh_from_db()
    assert (jeonju.price_list.setup_fee_krw, jeonju.price_list.vat_percent) == (3000, 10)
    assert services.machine_rate(jeonju, "fdm") == 2500


def test_bad_prices_in_english(client_for):
    client = client_for("manager")
    client.cookies["django_language"] = "en"
    jeonju = Center.objects.get(slug="jeonju")
    cf = Material.objects.get(catalog_id="pla-cf")
    page = client.post(
        reverse("network:staff_prices", args=["jeonju"]),
        price_form(jeonju, **{f"material_{cf.pk}": "-3"}),
    ).content.decode()
    assert "Prices cannot be negative." in page
    assert "Nothing was saved" in page
    assert services.price_for_material(jeonju, cf).krw_per_kg == 65000


def test_duplicate_post_processing_codes_are_refused(client_for):
    jeonju = Center.objects.get(slug="jeonju")
    page = (
        client_for("manager")
        .post(
            reverse("network:staff_prices", args=["jeonju"]),
            price_form(jeonju, **{"pp-1-code": "support-removal"}),
        )
        .content.decode()
    )
    assert "support-removal" in page and "같은 코드" in page
    assert jeonju.price_list.post_processing.filter(code="sanding").exists()


def test_an_empty_material_price_withdraws_it(client_for):
    jeonju = Center.objects.get(slug="jeonju")
    cnt = Material.objects.get(catalog_id="petg-cnt")
    client_for("manager").post(
        reverse("network:staff_prices", args=["jeonju"]),
        price_form(jeonju, **{f"material_{cnt.pk}": ""}),
    )
    assert services.price_for_material(jeonju, cnt) is None


# ------------------------------------------------------------------------ hours and closures


def test_manager_replaces_weekly_hours(client_for):
    jeonju = Center.objects.get(slug="jeonju")
    periods = [(d, "09:00", "12:00") for d in range(5)] + [(d, "13:00", "18:00") for d in range(5)]
    response = client_for("manager").post(
        reverse("network:staff_hours", args=["jeonju"]), hours_form(periods)
    )
    assert response.status_code == 302
    assert OpeningHours.objects.filter(center=jeonju).count() == 10
    assert not services.is_open_at(jeonju, seoul(2026, 12, 2, 12, 30))
    assert not services.is_open_at(jeonju, seoul(2026, 12, 5, 11, 0))  # no Saturday any more


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([(0, "18:00", "09:00")], "닫는 시각은 여는 시각보다 늦어야 합니다"),
        ([(0, "09:00", "12:00"), (0, "11:00", "18:00")], "겹칩니다"),
        ([(0, "9시", "18:00")], "09:00"),
        ([(9, "09:00", "18:00")], "올바르게 선택"),
    ],
)
def test_bad_hours_are_refused(client_for, periods, message):
    jeonju = Center.objects.get(slug="jeonju")
    before = list(OpeningHours.objects.filter(center=jeonju).values_list("weekday", "opens"))
    response = client_for("manager").post(
        reverse("network:staff_hours", args=["jeonju"]), hours_form(periods)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (
        list(OpeningHours.objects.filter(center=jeonju).values_list("weekday", "opens")) == before
    )


def test_operator_may_not_change_hours(client_for):
    url = reverse("network:staff_hours", args=["jeonju"])
    assert client_for("operator").get(url).status_code == 403
    assert client_for("operator").post(url, hours_form([(0, "10:00", "11:00")])).status_code == 403
    assert OpeningHours.objects.filter(center__slug="jeonju").count() == 6


def _free_day(center: Center) -> dt.date:
    """A day ahead on which the center is not closed yet."""
    taken = set(center.closures.values_list("date", flat=True))
    day = services.today() + dt.timedelta(days=10)
    while day in taken:
        day += dt.timedelta(days=1)
    return day


def test_manager_adds_and_removes_a_closure(client_for):
    jeonju = Center.objects.get(slug="jeonju")
    day = _free_day(jeonju)
    url = reverse("network:staff_hours", args=["jeonju"])
    client = client_for("manager")
    response = client.post(
        url,
        {
            "add_closure": "1",
            "closure-date": day.isoformat(),
            "closure-reason_ko": "설비 점검",
            "closure-reason_en": "Maintenance",
        },
    )
    assert response.status_code == 302
    closure = Closure.objects.get(center=jeonju, date=day)
    assert "설비 점검" in client.get(url).content.decode()
    # The same day again: refused with a message.
    page = client.post(url, {"add_closure": "1", "closure-date": day.isoformat()}).content.decode()
    assert "이미 휴관" in page
    delete = reverse("network:closure_delete", args=["jeonju", closure.pk])
    assert client_for("operator").post(delete).status_code == 403
    assert client.post(delete).status_code == 302
    assert not Closure.objects.filter(pk=closure.pk).exists()


def test_a_closure_in_the_past_is_refused(client_for):
    page = (
        client_for("manager")
        .post(
            reverse("network:staff_hours", args=["jeonju"]),
            {"add_closure": "1", "closure-date": "2020-01-01"},
        )
        .content.decode()
    )
    assert "지난 날짜" in page
    assert not Closure.objects.filter(center__slug="jeonju", date=dt.date(2020, 1, 1)).exists()


def test_manager_may_not_touch_another_centers_closures(client_for):
    gunsan = Center.objects.get(slug="gunsan")
    closure = Closure.objects.create(center=gunsan, date=_free_day(gunsan))
    response = client_for("manager").post(
        reverse("network:closure_delete", args=["gunsan", closure.pk])
    )
    assert response.status_code == 403
    assert Closure.objects.filter(pk=closure.pk).exists()


# ------------------------------------------------------------------------ adding printers


def test_manager_adds_a_printer_from_the_catalog(client_for):
    url = reverse("network:printer_add", args=["hanok-makers"])
    client = client_for("manager")
    page = client.get(url).content.decode()
    assert "Original Prusa i3 MK3S+ hardened 0.4 mm, enclosed" in page
    response = client.post(url, {"catalog_id": "mk3s-hardened-0.4", "name": ""})
    assert response.status_code == 302
    printer = Printer.objects.get(center__slug="hanok-makers", catalog_id="mk3s-hardened-0.4")
    assert printer.name == "MK3S-HARDENED-0.4-01" and printer.hardened_nozzle
    hanok = Center.objects.get(slug="hanok-makers")
    cf = Material.objects.get(catalog_id="pla-cf")
    assert services.center_printers_for(hanok, cf) == [printer]


def test_add_printer_validation(client_for):
    url = reverse("network:printer_add", args=["jeonju"])
    client = client_for("manager")
    page = client.post(url, {"catalog_id": "mk3s", "name": "MK3S-01"}).content.decode()
    assert "이미 MK3S-01" in page
    page = client.post(url, {"catalog_id": "no-such-model"}).content.decode()
    assert "올바르게 선택" in page
    assert Printer.objects.filter(center__slug="jeonju").count() == 11


def test_only_managers_add_printers(client_for, gunsan_manager, login):
    url = reverse("network:printer_add", args=["jeonju"])
    assert client_for("operator").get(url).status_code == 403
    assert client_for("operator").post(url, {"catalog_id": "mk3s"}).status_code == 403
    assert login(gunsan_manager).post(url, {"catalog_id": "mk3s"}).status_code == 403
    assert client_for("admin").post(url, {"catalog_id": "mk3s"}).status_code == 302
    assert Printer.objects.filter(center__slug="jeonju").count() == 12


def test_every_staff_page_in_english(client_for):
    client = client_for("manager")
    client.cookies["django_language"] = "en"
    for name, text in [
        ("staff_prices", "Save prices"),
        ("staff_hours", "Save opening hours"),
        ("printer_add", "Add printer"),
    ]:
        page = client.get(reverse(f"network:{name}", args=["jeonju"])).content.decode()
        assert text in page


def test_unknown_center_on_staff_pages_is_404(client_for):
    assert client_for("admin").get("/centers/staff/nowhere/prices/").status_code == 404


# ------------------------------------------------------------------------ as a browser sends them


class _FormReader(HTMLParser):
    """The fields of the forms of a page, as a browser would send them (unchanged)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and attrs.get("name") and self.forms:
            kind = attrs.get("type", "text")
            if kind == "checkbox" and "checked" not in attrs:
                return
            if kind == "submit":
                return
            self.forms[-1][attrs["name"]] = attrs.get("value", "")
        elif tag == "select" and self.forms:
            self._select = attrs.get("name")
            self.forms[-1].setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1][self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def page_forms(client, url) -> list[dict[str, str]]:
    reader = _FormReader()
    reader.feed(client.get(url).content.decode())
    return [f for f in reader.forms if "csrfmiddlewaretoken" in f]


def test_price_form_sent_back_unchanged_keeps_everything(client_for):
    client = client_for("manager")
    url = reverse("network:staff_prices", args=["jeonju"])
    jeonju = Center.objects.get(slug="jeonju")
    before = (
        sorted(
            jeonju.price_list.material_prices.values_list("material_id", "krw_per_kg", "krw_per_l")
        ),
        sorted(jeonju.price_list.post_processing.values_list("code", "krw_per_part")),
    )
    (form,) = [f for f in page_forms(client, url) if "setup_fee_krw" in f]
    assert client.post(url, form).status_code == 302
    after = (
        sorted(
            jeonju.price_list.material_prices.values_list("material_id", "krw_per_kg", "krw_per_l")
        ),
        sorted(jeonju.price_list.post_processing.values_list("code", "krw_per_part")),
    )
    assert after == before


def test_hours_form_sent_back_unchanged_keeps_the_hours(client_for):
    client = client_for("admin")
    url = reverse("network:staff_hours", args=["namwon"])
    before = sorted(
        OpeningHours.objects.filter(center__slug="namwon").values_list("weekday", "opens", "closes")
    )
    (form,) = [f for f in page_forms(client, url) if "hours-TOTAL_FORMS" in f]
    form["save_hours"] = "1"
    assert client.post(url, form).status_code == 302
    after = sorted(
        OpeningHours.objects.filter(center__slug="namwon").values_list("weekday", "opens", "closes")
    )
    assert after == before and len(after) == 10


def test_hours_form_adds_a_saturday_in_a_blank_row(client_for):
    client = client_for("admin")
    url = reverse("network:staff_hours", args=["namwon"])
    (form,) = [f for f in page_forms(client, url) if "hours-TOTAL_FORMS" in f]
    form.update({"hours-10-weekday": "5", "hours-10-opens": "10:00", "hours-10-closes": "14:00"})
    form["hours-1-DELETE"] = "on"  # Monday afternoon
    form["save_hours"] = "1"
    assert client.post(url, form).status_code == 302
    namwon = Center.objects.get(slug="namwon")
    assert services.is_open_at(namwon, seoul(2026, 12, 5, 11, 0))
    assert not services.is_open_at(namwon, seoul(2026, 11, 30, 14, 0))
    assert services.is_open_at(namwon, seoul(2026, 12, 1, 14, 0))
