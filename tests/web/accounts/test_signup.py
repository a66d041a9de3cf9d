"""Sign-up: a customer opens an account, is logged in, and sees clear errors in both languages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from printhub.accounts.models import User

GOOD = {
    "email": "New.Person@Example.kr",
    "display_name": "송하늘",
    "password1": "hanji-lantern-42",
    "password2": "hanji-lantern-42",
    "role": "student",
    "organization": "전주대학교",
    "preferred_language": "ko",
    "privacy": "on",
}


def sign_up(client, **changes):
    data = {**GOOD, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("accounts:signup"), data)


def test_sign_up_creates_a_customer_and_logs_them_in(client, db):
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == reverse("site:home")
    user = User.objects.get(email="new.person@example.kr")  # stored in lower case
    assert user.display_name == "송하늘"
    assert user.role == "student"
    assert user.organization == "전주대학교"
    assert user.preferred_language == "ko"
    assert user.privacy_agreed_at is not None
    assert user.check_password("hanji-lantern-42")
    assert not user.is_staff and not user.is_superuser and not user.centers.exists()
    assert response.cookies["django_language"].value == "ko"
    page = client.get(reverse("site:home")).content.decode()
    assert "송하늘 님, 환영합니다" in page
    assert client.get("/api/me").json()["email"] == "new.person@example.kr"


def test_sign_up_in_english_switches_the_site(client, db):
    response = sign_up(client, preferred_language="en", email="en@example.kr")
    assert response.cookies["django_language"].value == "en"
    page = client.get(reverse("site:home")).content.decode()
    assert "Welcome, 송하늘. Your account is ready." in page
    assert "Print it at a public center" in page


def test_sign_up_follows_a_safe_next_only(client, db):
    response = client.post(
        reverse("accounts:signup"), {**GOOD, "next": reverse("accounts:profile")}
    )
    assert response["Location"] == reverse("accounts:profile")
    other = client.__class__()
    response = other.post(
        reverse("accounts:signup"),
        {**GOOD, "email": "two@example.kr", "next": "https://evil.example/steal"},
    )
    assert response["Location"] == reverse("site:home")


def test_the_form_offers_only_customer_roles(client, db):
    page = client.get(reverse("accounts:signup")).content.decode()
    for role in ("citizen", "student", "startup", "designer"):
        assert f'value="{role}"' in page
    for role in ("operator", "manager", "admin"):
        assert f'value="{role}"' not in page


@pytest.mark.parametrize(
    ("changes", "field", "korean", "english"),
    [
        (
            {"password1": "short1", "password2": "short1"},
            "password1",
            "너무 짧습니다",
            "This password is too short",
        ),
        (
            {"password1": "password123", "password2": "password123"},
            "password1",
            "너무 흔히 사용되는 비밀번호",
            "This password is too common",
        ),
        (
            {"password1": "8302719465", "password2": "8302719465"},
            "password1",
            "전부 숫자",
            "entirely numeric",
        ),
        (
            {
                "email": "hanjilantern@example.kr",
                "password1": "hanjilantern",
                "password2": "hanjilantern",
            },
            "password1",
            "너무 유사합니다",
            "too similar",
        ),
        (
            {"password2": "hanji-lantern-43"},
            "password2",
            "두 비밀번호가 서로 다릅니다",
            "The two passwords are not the same",
        ),
        ({"role": "operator"}, "role", "직원 역할은 네트워크 관리자가", "Staff roles are given"),
        ({"role": "admin"}, "role", "직원 역할은 네트워크 관리자가", "Staff roles are given"),
        ({"privacy": None}, "privacy", "개인정보 수집·이용에 동의", "agree to the privacy notice"),
        ({"display_name": "   "}, "display_name", "필수 항목", "This field is required"),
        ({"email": "not-an-address"}, "email", "올바른 이메일 주소", "valid email address"),
        ({"preferred_language": "ja"}, "preferred_language", "올바르게 선택", "Select a valid"),
    ],
)
def test_bad_sign_ups_are_refused_with_a_clear_message(client, db, changes, field, korean, english):
    before = User.objects.count()
    response = sign_up(client, **changes)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert korean in response.content.decode()
    assert User.objects.count() == before
    assert "_auth_user_id" not in client.session

    client.cookies["django_language"] = "en"
    response = sign_up(client, **changes)
    assert english in response.content.decode()
    assert User.objects.count() == before


def test_a_duplicate_address_is_refused_in_any_case(client, people):
    existing = people["citizen"].email.upper()
    response = sign_up(client, email=existing)
    assert response.status_code == 200
    assert "이 이메일 주소로 가입한 계정이 이미 있습니다" in response.content.decode()
    assert User.objects.filter(email__iexact=existing).count() == 1
    client.cookies["django_language"] = "en"
    response = sign_up(client, email=existing)
    assert "An account with this e-mail address already exists" in response.content.decode()


def test_the_service_refuses_staff_roles_even_without_the_form(db):
    from django.core.exceptions import ValidationError

    from printhub.accounts import services

    with pytest.raises(ValidationError) as err:
        services.sign_up(
            email="sneaky@example.kr",
            display_name="x",
            password="hanji-lantern-42",
            role="admin",
        )
    assert "role" in err.value.message_dict
    assert not User.objects.filter(email="sneaky@example.kr").exists()


def test_a_logged_in_person_is_sent_home(client_for):
    client = client_for("citizen")
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 302
    before = User.objects.count()
    client.post(reverse("accounts:signup"), {**GOOD, "email": "again@example.kr"})
    assert User.objects.count() == before
