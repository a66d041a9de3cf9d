"""Quote pages: the live form (htmx preview), saving, the saved quote, Korean and English."""

import re

import pytest
from django.urls import reverse

from printhub.quotes import services
from printhub.quotes.models import Quote

from .conftest import seoul

NOW = seoul(2026, 12, 7, 10)


@pytest.fixture
def model(make_model):
    return make_model(name="drone-arm.stl")


def test_new_quote_page_in_korean(client_for, model, estimates):
    response = client_for("citizen").get(reverse("quotes:new", args=[model.id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "견적 받기" in page
    assert "drone-arm.stl" in page
    assert "전주 3D프린팅 융복합센터" in page  # the options table is there on first load
    assert "합계 (부가세 포함)" in page
    assert "₩" in page
    # Materials grouped by process, composites with their needs.
    assert "<optgroup" in page
    assert "경화 노즐 필요" in page
    assert 'hx-get="' + reverse("quotes:preview", args=[model.id]) in page


def test_new_quote_page_in_english(client_for, model, estimates):
    client = client_for("citizen")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("quotes:new", args=[model.id])).content.decode()
    assert "Get a quote" in page
    assert "Jeonju 3D Printing Convergence Center" in page
    assert "needs a hardened nozzle" in page
    assert "Best offer (compare every center)" in page


def test_preview_updates_the_options_without_saving(client_for, model, estimates):
    client = client_for("citizen")
    before = Quote.objects.count()
    url = reverse("quotes:preview", args=[model.id])
    params = {
        "process": "fdm",
        "last_process": "fdm",
        "material": "pa11-cf",
        "quantity": "2",
        "layer_height_mm": "0.2",
        "infill_percent": "20",
        "settings_signature": "pla",
    }
    response = client.get(url, params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert 'class="quote-options"' in fragment
    assert 'data-reason="needs_hardened_nozzle"' in fragment
    # The material changed: the settings come back out of band, with PA11-CF's colours.
    assert 'hx-swap-oob="true"' in fragment
    assert 'value="black"' in fragment
    assert Quote.objects.count() == before
    # Same material as shown: only the table.
    params["settings_signature"] = "pa11-cf"
    again = client.get(url, params, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-swap-oob" not in again


def test_choosing_another_process_picks_its_first_material(client_for, model, estimates):
    url = reverse("quotes:preview", args=[model.id])
    params = {
        "process": "sla",
        "last_process": "fdm",
        "material": "pla",
        "quantity": "1",
        "settings_signature": "pla",
    }
    fragment = client_for("citizen").get(url, params).content.decode()
    assert 'value="resin-standard" selected' in fragment
    assert 'data-reason="wrong_process"' in fragment  # Namwon has no resin printer
    assert 'name="infill_percent" value="20"' in fragment  # hidden: no infill for resin


def test_preview_shows_form_errors(client_for, model, estimates):
    url = reverse("quotes:preview", args=[model.id])
    fragment = client_for("citizen").get(url, {"material": "pla", "quantity": "0"}).content
    assert "quote-errors" in fragment.decode()


def test_save_quote_and_see_it(client_for, model, estimates):
    client = client_for("citizen")
    data = {
        "process": "fdm",
        "last_process": "fdm",
        "material": "pla",
        "color": "blue",
        "quantity": "2",
        "layer_height_mm": "0.15",
        "infill_percent": "30",
        "post_processing": ["sanding"],
        "center": "gunsan",
    }
    response = client.post(reverse("quotes:new", args=[model.id]), data)
    assert response.status_code == 302
    quote = Quote.objects.get(owner__email="citizen@demo.printhub.kr", model=model)
    assert response["Location"] == reverse("quotes:detail", args=[quote.id])
    assert (quote.color, quote.quantity, quote.infill_percent) == ("blue", 2, 30)
    assert quote.layer_height_mm == 0.15 and quote.post_processing == ["sanding"]
    assert quote.center.slug == "gunsan"
    page = client.get(response["Location"]).content.decode()
    assert quote.number in page
    assert "군산 3D프린팅 융복합센터" in page and "선택한 센터" in page
    assert "샌딩" in page and "파랑" in page
    assert "까지 유효합니다" in page
    # Every center is listed: eligible ones with a breakdown, the others with a reason.
    for option in quote.options.all():
        assert option.center.name_ko in page
    assert reverse("quotes:pdf", args=[quote.id]) in page


def test_saving_bad_input_shows_errors_and_stores_nothing(client_for, model, estimates):
    client = client_for("citizen")
    response = client.post(
        reverse("quotes:new", args=[model.id]), {"material": "pla", "quantity": "-3"}
    )
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()
    assert not Quote.objects.filter(model=model).exists()


def test_detail_in_english_with_reasons(client_for, people, model, estimates):
    quote = services.create_quote(people["citizen"], model, "pa11-cf", now=NOW)
    client = client_for("citizen")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("quotes:detail", args=[quote.id])).content.decode()
    assert "Namwon 3D Printing Education Center" in page
    assert "needs a printer with a hardened nozzle" in page
    assert "Valid until" in page or "expired" in page


def test_order_buttons_only_for_eligible_options_of_a_valid_quote(
    client_for, people, model, estimates
):
    quote = services.create_quote(people["citizen"], model, "pa11-cf")
    page = client_for("citizen").get(reverse("quotes:detail", args=[quote.id])).content.decode()
    order_links = re.findall(r'class="button" href="([^"]+)"', page)
    eligible = list(quote.options.filter(eligible=True).values_list("id", flat=True))
    assert len(order_links) == len(eligible) == 2
    for option_id, link in zip(sorted(eligible), sorted(order_links), strict=True):
        assert str(option_id) in link
    expired = services.create_quote(people["citizen"], model, "pla", now=seoul(2020, 1, 6, 10))
    page = client_for("citizen").get(reverse("quotes:detail", args=[expired.id])).content.decode()
    assert 'class="button"' not in page
    assert "만료" in page


def test_my_quotes(client_for, people, model, estimates):
    quote = services.create_quote(people["citizen"], model, "pla")
    page = client_for("citizen").get(reverse("quotes:list")).content.decode()
    assert quote.number in page
    other = client_for("student").get(reverse("quotes:list")).content.decode()
    assert quote.number not in other


def test_an_unanalysed_model_says_so(client_for, make_model, estimates):
    model = make_model(status="analysing")
    page = client_for("citizen").get(reverse("quotes:new", args=[model.id])).content.decode()
    assert "분석하고 있습니다" in page
    assert 'data-reason="model_not_ready"' in page


def test_the_quote_page_takes_a_handful_of_queries(
    client_for, people, model, estimates, django_assert_max_num_queries
):
    client = client_for("citizen")
    with django_assert_max_num_queries(24):
        assert client.get(reverse("quotes:new", args=[model.id])).status_code == 200
    quote = services.create_quote(people["citizen"], model, "pla")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("quotes:detail", args=[quote.id])).status_code == 200


# ------------------------------------------------------------------ who may see what

ROLES = [None, "student", "citizen", "operator", "manager", "admin"]


def _expected(role, owner_ok=True):
    if role is None:
        return 302
    if role == "citizen" or (role == "admin" and owner_ok):
        return 200
    return 403


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_quote_form(client_for, model, estimates, role):
    client = client_for(role)
    for name in ("quotes:new", "quotes:preview"):
        response = client.get(reverse(name, args=[model.id]))
        assert response.status_code == _expected(role), (name, role)


@pytest.mark.parametrize("role", [*ROLES, "operator_gunsan"])
def test_who_may_see_a_saved_quote(client_for, people, model, estimates, role):
    from django.test import Client

    # The quote names Jeonju; its operator and manager still may not see it (only orders
    # are shown to a center's staff).
    quote = services.create_quote(people["citizen"], model, "pla", center="jeonju")
    if role == "operator_gunsan":
        from django.contrib.auth import get_user_model

        client = Client()
        client.force_login(get_user_model().objects.get(email="operator.gunsan@demo.printhub.kr"))
        expected = 403
    else:
        client = client_for(role)
        expected = _expected(role)
    for name in ("quotes:detail", "quotes:pdf"):
        response = client.get(reverse(name, args=[quote.id]))
        assert response.status_code == expected, (name, role)


def test_unknown_things_are_404(client_for, estimates):
    client = client_for("citizen")
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/quotes/{missing}/").status_code == 404
    assert client.get(f"/quotes/new/{missing}/").status_code == 404
