"""The billing pages and API, and who may open them."""

from __future__ import annotations

from django.urls import get_resolver, reverse

from printhub.billing import services
from printhub.billing.models import LedgerEntry
from printhub.network.models import Center
from printhub.orders import services as orders
from tests.web.matrix import LOGIN, assert_access, client_for, expect, person
from tests.web.orders import factories

JEONJU_STAFF = ("operator", "manager", "admin")


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_account_page_shows_balance_subsidies_ledger_and_invoices(make_option, people):
    order = orders.submit_order(people["student"], make_option("student", total_krw=33_000))
    client = client_for("student")
    page = client.get(reverse("billing:account")).content.decode()
    assert "충전 잔액" in page and "₩37,000" in page
    assert "학생 월 출력 지원" in page and "₩0" in page  # the quota is used up this month
    assert order.invoice.number in page and order.number in page
    assert "−₩13,000" in page and "−₩20,000" in page and "+₩50,000" in page
    page = _english(client_for("student")).get(reverse("billing:account")).content.decode()
    assert "Prepaid balance" in page and "Student monthly printing quota" in page
    assert "Online payment is not available yet" in page


def test_a_program_member_sees_what_the_program_has_left(make_option, people):
    orders.submit_order(people["startup"], make_option("startup", total_krw=110_000))
    page = client_for("startup").get(reverse("billing:account")).content.decode()
    assert "탄소소재 창업보육 프로그램 1기" in page and "₩390,000" in page


def test_the_invoice_page_is_printable_and_adds_up(make_option, people):
    order = orders.submit_order(people["student"], make_option("student", total_krw=33_000))
    client = client_for("student")
    page = client.get(reverse("billing:invoice", args=[order.invoice.pk])).content.decode()
    for text in (order.invoice.number, order.number, "소재", "장비 사용료", "부가세", "₩33,000"):
        assert text in page
    assert "지원금 결제: 학생 월 출력 지원" in page and "충전 잔액 결제" in page
    assert "window.print()" in page
    orders.cancel(order, people["student"])
    page = client.get(reverse("billing:invoice", args=[order.invoice.pk])).content.decode()
    assert "환불되었습니다" in page


def test_staff_record_a_desk_payment_from_the_form(people):
    client = client_for("operator")
    page = client.get(reverse("billing:top_up")).content.decode()
    assert "창구 현금" in page and "전주 3D프린팅 융복합센터" in page
    assert "군산" not in page.split('name="center"')[1].split("</select>")[0]
    jeonju = Center.objects.get(slug="jeonju")
    before = services.balance_of(people["citizen"])
    response = client.post(
        reverse("billing:top_up"),
        {
            "email": "CITIZEN@demo.printhub.kr",
            "amount_krw": "25000",
            "method": "card",
            "center": jeonju.pk,
            "note": "영수증 0042",
        },
    )
    assert response.status_code == 302
    assert services.balance_of(people["citizen"]) == before + 25_000
    page = client.get(reverse("billing:top_up")).content.decode()
    assert "₩25,000" in page and people["citizen"].display_name in page


def test_the_desk_form_explains_its_errors_in_both_languages(people):
    jeonju = Center.objects.get(slug="jeonju")
    bad = {
        "email": "nobody@example.org",
        "amount_krw": "2,000",
        "method": "cash",
        "center": jeonju.pk,
    }
    count = LedgerEntry.objects.count()
    response = client_for("operator").post(reverse("billing:top_up"), bad)
    page = response.content.decode()
    assert response.status_code == 422
    assert "이 이메일 주소로 사용 중인 계정이 없습니다" in page
    assert "쉼표 없이" in page
    page = _english(client_for("operator")).post(reverse("billing:top_up"), bad).content.decode()
    assert "No active account has this e-mail address." in page
    too_much = dict(bad, email="citizen@demo.printhub.kr", amount_krw="5000000")
    page = _english(client_for("operator")).post(reverse("billing:top_up"), too_much)
    assert "cannot exceed ₩1,000,000" in page.content.decode()
    assert LedgerEntry.objects.count() == count


# --- who may open what ----------------------------------------------------------------------


def _invoice_of_citizen():
    citizen = person("citizen")
    option = factories.quote_option(citizen, total_krw=1_100)
    return orders.submit_order(citizen, option).invoice


def test_permissions_account(db):
    assert_access(reverse("billing:account"), "get", expect(200, anonymous=LOGIN))


def test_permissions_invoice(db):
    invoice = _invoice_of_citizen()
    allowed = dict.fromkeys((*JEONJU_STAFF, "citizen"), 200)
    assert_access(
        reverse("billing:invoice", args=[invoice.pk]),
        "get",
        expect(403, anonymous=LOGIN, **allowed),
    )


def test_permissions_top_up(db):
    staff = dict.fromkeys(("operator", "operator.gunsan", "manager", "admin"), 200)
    assert_access(reverse("billing:top_up"), "get", expect(403, anonymous=LOGIN, **staff))
    jeonju = Center.objects.get(slug="jeonju")
    data = {"email": "citizen@demo.printhub.kr", "amount_krw": "1000", "method": "cash"}
    data["center"] = jeonju.pk
    # Gunsan's operator may not record at Jeonju's desk: the form refuses the center.
    assert_access(
        reverse("billing:top_up"),
        "post",
        expect(403, anonymous=LOGIN, operator=302, manager=302, admin=302, other_operator=422),
        data,
    )


def test_permissions_api(db):
    for url in ("/api/billing/balance", "/api/billing/invoices"):
        assert_access(url, "get", expect(200, anonymous=401), auth="token")
        assert_access(url, "get", expect(200, anonymous=401))


def test_every_billing_page_and_endpoint_is_in_the_matrix(client, db):
    _prefix, sub = get_resolver().namespace_dict["billing"]
    named = {f"billing:{p.name}" for p in sub.url_patterns if getattr(p, "name", None)}
    assert named == {"billing:account", "billing:invoice", "billing:top_up"}
    paths = client.get("/api/openapi.json").json()["paths"]
    found = {
        (path, method)
        for path, operations in paths.items()
        if path.startswith("/api/billing")
        for method in operations
    }
    assert found == {("/api/billing/balance", "get"), ("/api/billing/invoices", "get")}


# --- the API --------------------------------------------------------------------------------


def test_the_balance_and_invoices_through_the_api(make_option, people):
    order = orders.submit_order(people["student"], make_option("student", total_krw=33_000))
    client = client_for("student", auth="token")
    balance = client.get("/api/billing/balance").json()
    assert balance["balance_krw"] == 37_000
    [quota] = balance["subsidies"]
    assert (quota["kind"], quota["amount_krw"], quota["used_krw"], quota["available_krw"]) == (
        "monthly_quota",
        20_000,
        20_000,
        0,
    )
    assert quota["period_start"].endswith("+09:00")
    [invoice] = client.get("/api/billing/invoices").json()
    assert invoice["number"] == order.invoice.number
    assert (invoice["paid_by_subsidy_krw"], invoice["paid_by_balance_krw"]) == (20_000, 13_000)
    assert client_for("citizen", auth="token").get("/api/billing/invoices").json() == []


def test_the_admin_manages_subsidies_and_reads_the_ledger(make_option, people):
    order = orders.submit_order(people["student"], make_option("student", total_krw=5_500))
    admin = client_for("admin")
    assert admin.get("/admin/billing/subsidy/").status_code == 200
    assert admin.get("/admin/billing/subsidy/add/").status_code == 200
    ledger = admin.get("/admin/billing/ledgerentry/")
    assert ledger.status_code == 200 and order.number in ledger.content.decode()
    assert admin.get("/admin/billing/ledgerentry/add/").status_code == 403
    page = admin.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200 and order.number in page.content.decode()
