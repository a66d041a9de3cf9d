"""Every quote page and API endpoint × every kind of person (tests/web/matrix.py).

The model and the quote belong to the demo citizen; the quote names the Jeonju center,
whose operator and manager still may not see it: quotes are private to their owner
(and network admins); centers see orders, not quotes.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from printhub.quotes import services
from tests.web.matrix import LOGIN, assert_access, expect

OWNER_AND_ADMIN_PAGE = expect(403, anonymous=LOGIN, citizen=200, admin=200)
OWNER_AND_ADMIN_API = expect(403, anonymous=401, citizen=200, admin=200)


@pytest.fixture
def quote(people, make_model, estimates):
    model = make_model(owner=people["citizen"])
    return services.create_quote(people["citizen"], model, "pla", center="jeonju")


def test_the_quote_form_and_its_preview(quote):
    for name in ("quotes:new", "quotes:preview"):
        assert_access(reverse(name, args=[quote.model_id]), "get", OWNER_AND_ADMIN_PAGE)


def test_saving_a_quote(quote):
    data = {"material": "pla", "quantity": "1", "infill_percent": "20"}
    assert_access(
        reverse("quotes:new", args=[quote.model_id]),
        "post",
        expect(403, anonymous=LOGIN, citizen=302, admin=302),
        data,
    )


def test_a_saved_quote_and_its_pdf(quote):
    for name in ("quotes:detail", "quotes:pdf"):
        assert_access(reverse(name, args=[quote.id]), "get", OWNER_AND_ADMIN_PAGE)


def test_my_quotes(db):
    assert_access(reverse("quotes:list"), "get", expect(200, anonymous=LOGIN))


def test_api(quote):
    for path in (f"/api/quotes/{quote.id}", f"/api/quotes/{quote.id}/pdf"):
        assert_access(path, "get", OWNER_AND_ADMIN_API, auth="token")
    assert_access(
        "/api/quotes",
        "post",
        expect(403, anonymous=401, citizen=201, admin=201),
        {"model_id": str(quote.model_id), "material": "pla"},
        auth="token",
        as_json=True,
    )


def test_every_quote_url_is_covered():
    names = {
        name
        for name in get_resolver().reverse_dict
        if isinstance(name, str) and name.startswith("quotes:")
    }
    names |= {
        f"quotes:{name}"
        for name in get_resolver().namespace_dict["quotes"][1].reverse_dict
        if isinstance(name, str)
    }
    assert names == {
        "quotes:list",
        "quotes:new",
        "quotes:preview",
        "quotes:detail",
        "quotes:pdf",
    }
