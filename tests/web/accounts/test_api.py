"""GET /api/me: who the token or session belongs to."""

from __future__ import annotations

from django.test import Client

from printhub.accounts.models import ApiToken


def me(user) -> dict:
    _token, key = ApiToken.issue(user, "test")
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/me")
    assert response.status_code == 200
    return response.json()


def test_a_customer(people):
    student = people["student"]
    assert me(student) == {
        "id": student.pk,
        "email": "student@demo.printhub.kr",
        "name": "이학생",
        "role": "student",
        "role_label": "학생",
        "centers": [],
        "language": "ko",
    }


def test_a_manager_sees_their_centers(people):
    found = me(people["manager"])
    assert found["role"] == "manager"
    assert [c["slug"] for c in found["centers"]] == ["jeonju", "hanok-makers"]
    assert found["centers"][0]["name"] == "전주 3D프린팅 융복합센터"


def test_language_follows_the_preference(people):
    people["designer"].preferred_language = "en"
    people["designer"].save()
    found = me(people["designer"])
    assert found["language"] == "en"


def test_role_label_in_english_with_the_language_switch(client_for):
    client = client_for("operator")
    client.cookies["django_language"] = "en"
    found = client.get("/api/me").json()
    assert found["role_label"] == "Center operator"
    assert found["centers"][0]["name"] == "Jeonju 3D Printing Convergence Center"


def test_the_session_works_too(client_for, people):
    assert client_for("admin").get("/api/me").json()["email"] == people["admin"].email


def test_anonymous_and_bad_tokens_get_401(db):
    assert Client().get("/api/me").status_code == 401
    bad = Client(headers={"Authorization": "Bearer nope"})
    assert bad.get("/api/me").json() == {"detail": "authentication required"}


def test_it_is_in_the_openapi_schema(client, db):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/me"]["get"]
    assert operation["tags"] == ["me"]
    me_schema = schema["components"]["schemas"]["Me"]
    assert set(me_schema["properties"]) == {
        "id",
        "email",
        "name",
        "role",
        "role_label",
        "centers",
        "language",
    }
