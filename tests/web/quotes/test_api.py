"""The quotes API: POST /api/quotes, GET /api/quotes/{id}, GET /api/quotes/{id}/pdf."""

import pytest

from printhub.accounts.models import ApiToken
from printhub.quotes import services
from printhub.quotes.models import Quote


def bearer(user) -> dict:
    _token, key = ApiToken.issue(user, "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_create_a_quote(client, people, make_model, estimates):
    model = make_model()
    response = client.post(
        "/api/quotes",
        {
            "model_id": str(model.id),
            "material": "pa11-cf",
            "quantity": 2,
            "post_processing": ["support-removal"],
        },
        content_type="application/json",
        **bearer(people["citizen"]),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("Q-")
    assert body["material"] == "pa11-cf" and body["quantity"] == 2
    assert body["is_valid"] is True
    assert len(body["options"]) == 6
    first = body["options"][0]
    assert first["eligible"] and first["position"] == 0
    assert first["total_krw"] == first["subtotal_krw"] + first["vat_krw"]
    assert first["ready_at"]
    namwon = next(o for o in body["options"] if o["center"] == "namwon")
    assert namwon["eligible"] is False
    assert namwon["reason_code"] == "needs_hardened_nozzle"
    assert "경화 노즐" in namwon["reason_ko"] and "hardened nozzle" in namwon["reason_en"]
    assert Quote.objects.filter(pk=body["id"], owner=people["citizen"]).exists()


def test_read_a_quote_and_its_pdf(client, people, make_model, estimates):
    quote = services.create_quote(people["citizen"], make_model(), "pla")
    headers = bearer(people["citizen"])
    body = client.get(f"/api/quotes/{quote.id}", **headers).json()
    assert body["id"] == str(quote.id)
    assert [o["position"] for o in body["options"]] == list(range(6))
    response = client.get(body["pdf_url"], **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"material": "pla", "quantity": 0}, "quantity"),
        ({"material": "unobtainium"}, "material"),
        ({"material": "pla", "quantity": "lots"}, "quantity"),
        ({"material": "pla", "post_processing": ["gilding"]}, "post_processing"),
        ({"material": "pla", "center": "busan"}, "center"),
        ({"material": "pla", "layer_height_mm": 3}, "layer_height_mm"),
        ({"material": "pla", "color": "gold"}, "color"),
    ],
)
def test_bad_input_is_422_with_messages(client, people, make_model, estimates, payload, field):
    model = make_model()
    before = Quote.objects.count()
    response = client.post(
        "/api/quotes",
        {"model_id": str(model.id), **payload},
        content_type="application/json",
        **bearer(people["citizen"]),
    )
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(p["loc"][-1] == field and p["msg"] for p in problems), problems
    assert Quote.objects.count() == before


def test_messages_follow_the_language(client, people, make_model, estimates):
    client.cookies["django_language"] = "en"
    response = client.post(
        "/api/quotes", {"model_id": str(make_model().id), "material": "pla", "quantity": 0},
        content_type="application/json", **bearer(people["citizen"]),
    )  # fmt: skip
    assert "The quantity must be a whole number from 1 to 500." in str(response.json())


def test_a_missing_model_id_is_422(client, people, estimates):
    response = client.post(
        "/api/quotes", {"material": "pla"}, content_type="application/json",
        **bearer(people["citizen"]),
    )  # fmt: skip
    assert response.status_code == 422


def test_anonymous_is_401(client, people, make_model, estimates):
    model = make_model()
    quote = services.create_quote(people["citizen"], model, "pla")
    assert client.get(f"/api/quotes/{quote.id}").status_code == 401
    assert client.get(f"/api/quotes/{quote.id}/pdf").status_code == 401
    response = client.post(
        "/api/quotes", {"model_id": str(model.id), "material": "pla"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("role", "status"),
    [("citizen", 200), ("student", 403), ("operator", 403), ("manager", 403), ("admin", 200)],
)
def test_who_may_read_a_quote(client, people, make_model, estimates, role, status):
    quote = services.create_quote(people["citizen"], make_model(), "pla", center="jeonju")
    headers = bearer(people[role])
    assert client.get(f"/api/quotes/{quote.id}", **headers).status_code == status
    assert client.get(f"/api/quotes/{quote.id}/pdf", **headers).status_code == status


@pytest.mark.parametrize(("role", "status"), [("student", 403), ("operator", 403)])
def test_nobody_quotes_anothers_model(client, people, make_model, estimates, role, status):
    model = make_model(owner=people["citizen"])
    response = client.post(
        "/api/quotes", {"model_id": str(model.id), "material": "pla"},
        content_type="application/json", **bearer(people[role]),
    )  # fmt: skip
    assert response.status_code == status


def test_unknown_quote_is_404(client, people, estimates):
    headers = bearer(people["citizen"])
    assert (
        client.get("/api/quotes/00000000-0000-0000-0000-000000000000", **headers).status_code == 404
    )
