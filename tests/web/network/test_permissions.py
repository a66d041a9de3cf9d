"""Every page and endpoint of the network app × every kind of person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from printhub.network import services
from printhub.network.models import Center, Closure, Printer
from tests.web.matrix import LOGIN, assert_access, expect

PUBLIC = [
    ("network:center_list", []),
    ("network:center_detail", ["jeonju"]),
    ("network:center_detail", ["hanok-makers"]),
    ("network:materials", []),
]


@pytest.mark.parametrize(("name", "args"), PUBLIC)
def test_public_pages_are_for_everyone(db, name, args):
    assert_access(reverse(name, args=args), "get", expect(200))


@pytest.mark.parametrize("url", ["/api/centers", "/api/centers/gunsan", "/api/materials"])
def test_api_is_for_everyone(db, url):
    assert_access(url, "get", expect(200))
    assert_access(url, "get", expect(200), auth="token")


def test_staff_home(db):
    assert_access(
        reverse("network:staff_home"),
        "get",
        expect(
            403,
            anonymous=LOGIN,
            operator=200,
            other_operator=200,
            manager=200,
            admin=200,
        ),
    )


def _jeonju_printer() -> str:
    printer = Printer.objects.get(center__slug="jeonju", name="MK3S-01")
    printer.status = Printer.Status.AVAILABLE
    printer.save()
    return reverse("network:printer_status", args=[printer.pk])


def test_printer_status(db):
    assert_access(
        _jeonju_printer,
        "post",
        expect(403, anonymous=LOGIN, operator=302, manager=302, admin=302),
        {"status": "maintenance"},
    )


def _retire_url() -> str:
    printer = Printer.objects.get(center__slug="jeonju", name="MK3S-02")
    printer.status = Printer.Status.AVAILABLE
    printer.save()
    return reverse("network:printer_retire", args=[printer.pk])


def test_printer_retire(db):
    assert_access(_retire_url, "post", expect(403, anonymous=LOGIN, manager=302, admin=302))


@pytest.mark.parametrize("name", ["staff_prices", "staff_hours", "printer_add"])
def test_manager_pages_of_jeonju(db, name):
    assert_access(
        reverse(f"network:{name}", args=["jeonju"]),
        "get",
        expect(403, anonymous=LOGIN, manager=200, admin=200),
    )


@pytest.mark.parametrize("name", ["staff_prices", "staff_hours", "printer_add"])
def test_manager_pages_of_gunsan(db, name):
    # The Gunsan operator works there but does not manage it; Jeonju's manager neither.
    assert_access(
        reverse(f"network:{name}", args=["gunsan"]),
        "get",
        expect(403, anonymous=LOGIN, admin=200),
    )


def _closure_url() -> str:
    jeonju = Center.objects.get(slug="jeonju")
    day = services.today() + dt.timedelta(days=40)
    while jeonju.closures.filter(date=day).exists():
        day += dt.timedelta(days=1)
    closure = Closure.objects.create(center=jeonju, date=day)
    return reverse("network:closure_delete", args=["jeonju", closure.pk])


def test_closure_delete(db):
    assert_access(_closure_url, "post", expect(403, anonymous=LOGIN, manager=302, admin=302))


def test_adding_a_printer_by_post(db):
    url = reverse("network:printer_add", args=["jeonju"])
    assert_access(
        url,
        "post",
        expect(403, anonymous=LOGIN, manager=302, admin=302),
        {"catalog_id": "mini", "name": ""},
    )
    assert Printer.objects.filter(center__slug="jeonju", catalog_id="mini").count() == 2


def test_saving_hours_by_post(db):
    data = {
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-opens": "09:00",
        "hours-0-closes": "18:00",
        "save_hours": "1",
    }
    assert_access(
        reverse("network:staff_hours", args=["gunsan"]),
        "post",
        expect(403, anonymous=LOGIN, admin=302),
        data,
    )
