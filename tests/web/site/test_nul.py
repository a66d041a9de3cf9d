"""NUL characters (\\x00) are refused with 400 wherever a request carries text."""

import json

import pytest

KO = "요청에 NUL 문자"
EN = "The request holds a NUL character"


@pytest.mark.parametrize(
    "path", ["/api/centers/a%00b", "/api/orders?state=queued%00", "/centers/?q=%00"]
)
def test_in_the_url(client, db, path):
    response = client.get(path)
    assert response.status_code == 400
    text = response.json()["detail"] if path.startswith("/api/") else response.content.decode()
    assert text.startswith(KO)


def test_in_api_json_answers_json_in_the_chosen_language(client_for):
    client = client_for("citizen")
    client.cookies["django_language"] = "en"
    body = {"model_id": "x", "material": "pla", "post_processing": ["a\u0000"]}
    response = client.post("/api/quotes", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(EN)


def test_in_a_form(client, db):
    response = client.post(
        "/accounts/login/",
        "username=a%00&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


def test_text_without_nul_passes(client_for):
    client = client_for("citizen")
    # An escaped backslash followed by "u0000" is ordinary text, not a NUL.
    body = {"model_id": "x", "material": "\\u0000"}
    response = client.post("/api/quotes", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
