"""API tokens: made on the profile page (key shown once), used as Bearer, revoked."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from printhub.accounts import services
from printhub.accounts.models import ApiToken

KEY = re.compile(r'<code id="new-key" class="key">([^<]+)</code>')


def make_token(client, name="slicer plug-in") -> str:
    response = client.post(reverse("accounts:tokens"), {"name": name})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:tokens")
    page = client.get(reverse("accounts:tokens")).content.decode()
    found = KEY.findall(page)
    assert len(found) == 1
    return found[0]


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_create_use_and_revoke(client_for, people):
    client = client_for("student")
    key = make_token(client)
    assert key.startswith("ph_")
    token = ApiToken.objects.get(user=people["student"], name="slicer plug-in")
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert token.prefix == key[:8]

    # The key is shown once: reloading the page does not show it again.
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert not KEY.findall(page)
    assert key not in page
    assert token.prefix in page and "slicer plug-in" in page and "없음" in page  # never used

    response = bearer(key).get("/api/me")
    assert response.status_code == 200
    assert response.json()["email"] == people["student"].email
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "없음" not in client.get(reverse("accounts:tokens")).content.decode()

    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response["Location"] == reverse("accounts:tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(key).get("/api/me").status_code == 401
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert "최근 폐기한 토큰" in page and "사용 중인 토큰이 없습니다" in page


def test_the_key_is_the_persons_own(client_for, people):
    key = make_token(client_for("operator"), "line laptop")
    me = bearer(key).get("/api/me").json()
    assert me["role"] == "operator" and [c["slug"] for c in me["centers"]] == ["jeonju"]


def test_nobody_else_can_revoke_a_token(client_for, people):
    token, key = ApiToken.issue(people["citizen"], "mine")
    for role in ("student", "operator", "manager", "admin"):
        response = client_for(role).post(reverse("accounts:token_revoke", args=[token.pk]))
        assert response.status_code == 404, role
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(key).get("/api/me").status_code == 200


def test_a_wrong_or_missing_key_is_refused(db):
    assert bearer("ph_not-a-key").get("/api/me").status_code == 401
    assert Client().get("/api/me").status_code == 401


def test_a_deactivated_persons_tokens_stop_working(people):
    _token, key = ApiToken.issue(people["designer"], "x")
    people["designer"].is_active = False
    people["designer"].save()
    assert bearer(key).get("/api/me").status_code == 401


@pytest.mark.parametrize(
    ("name", "korean", "english"),
    [
        ("", "필수 항목", "This field is required"),
        ("   ", "필수 항목", "This field is required"),
        ("x" * 101, "100", "100"),
    ],
)
def test_a_token_needs_a_name(client_for, people, name, korean, english):
    client = client_for("citizen")
    response = client.post(reverse("accounts:tokens"), {"name": name})
    assert response.status_code == 200
    assert korean in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:tokens"), {"name": name})
    assert english in response.content.decode()
    assert not people["citizen"].api_tokens.exists()


def test_at_most_so_many_active_tokens(client_for, people):
    for i in range(services.MAX_ACTIVE_TOKENS):
        ApiToken.issue(people["startup"], f"t{i}")
    client = client_for("startup")
    response = client.post(reverse("accounts:tokens"), {"name": "one more"})
    assert response.status_code == 200
    assert "최대 개수인 20개" in response.content.decode()
    assert people["startup"].api_tokens.count() == services.MAX_ACTIVE_TOKENS
    # Revoking one makes room.
    services.revoke_token(people["startup"], people["startup"].api_tokens.first().pk)
    assert client.post(reverse("accounts:tokens"), {"name": "one more"}).status_code == 302


def test_tokens_page_in_english(client_for):
    client = client_for("designer")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert "API tokens" in page and "Make the token" in page
    assert "Authorization: Bearer" in page
