"""Log-in by e-mail, log-out by POST, and the refusals a person can act on."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from printhub.accounts import services
from printhub.accounts.models import User
from printhub.network.demo import DEMO_PASSWORD


@pytest.fixture
def walker(db):
    return User.objects.create_user(
        "walker@example.kr", "hanok-roof-77", display_name="걷는사람", preferred_language="en"
    )


def log_in(client, email, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password, **extra}
    )


def test_log_in_by_email_in_any_case(client, people):
    response = log_in(client, "CITIZEN@demo.printhub.kr ", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("site:home")
    assert int(client.session["_auth_user_id"]) == people["citizen"].pk


def test_log_in_follows_next_and_switches_to_the_preferred_language(client, walker):
    response = log_in(
        client, "walker@example.kr", "hanok-roof-77", next=reverse("accounts:profile")
    )
    assert response["Location"] == reverse("accounts:profile")
    assert response.cookies["django_language"].value == "en"
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Your profile" in page


def test_log_in_refuses_an_unsafe_next(client, walker):
    response = log_in(client, "walker@example.kr", "hanok-roof-77", next="https://evil.example/")
    assert response["Location"] == reverse("site:home")


def test_a_wrong_password_says_so_in_korean_and_english(client, walker):
    response = log_in(client, "walker@example.kr", "wrong")
    assert response.status_code == 200
    assert "이메일 주소 또는 비밀번호가 올바르지 않습니다" in response.content.decode()
    assert "_auth_user_id" not in client.session
    client.cookies["django_language"] = "en"
    response = log_in(client, "nobody@example.kr", "wrong")
    assert "The e-mail address or the password is wrong" in response.content.decode()


def test_a_deactivated_person_learns_why(client, walker):
    walker.is_active = False
    walker.save()
    response = log_in(client, "walker@example.kr", "hanok-roof-77")
    assert "비활성화된 계정입니다" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # With a wrong password nothing tells whether the account exists.
    response = log_in(client, "walker@example.kr", "wrong")
    assert "비활성화된 계정입니다" not in response.content.decode()


def test_too_many_failures_are_refused_for_a_while(client, walker):
    for _ in range(services.LOGIN_ATTEMPTS):
        log_in(client, "walker@example.kr", "wrong")
    response = log_in(client, "walker@example.kr", "hanok-roof-77")
    assert "로그인 실패가 너무 많습니다" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address from the same client is not affected.
    other = User.objects.create_user("other@example.kr", "hanok-roof-78", display_name="x")
    response = log_in(client, other.email, "hanok-roof-78")
    assert response.status_code == 302


def test_a_success_clears_the_count(client, walker):
    for _ in range(services.LOGIN_ATTEMPTS - 1):
        log_in(client, "walker@example.kr", "wrong")
    assert log_in(client, "walker@example.kr", "hanok-roof-77").status_code == 302
    client.post(reverse("accounts:logout"))
    log_in(client, "walker@example.kr", "wrong")
    assert log_in(client, "walker@example.kr", "hanok-roof-77").status_code == 302


def test_log_out_is_a_post(client_for):
    client = client_for("student")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("site:home")
    assert "_auth_user_id" not in client.session
    assert client.get("/api/me").status_code == 401


def test_the_navigation_links_log_in_and_out(client, people):
    page = client.get("/").content.decode()
    assert reverse("accounts:login") in page and reverse("accounts:signup") in page
    client.force_login(people["designer"])
    page = client.get("/").content.decode()
    assert reverse("accounts:profile") in page and reverse("accounts:logout") in page
    assert "최디자인" in page


def test_log_in_page_in_both_languages(db):
    page = Client().get(reverse("accounts:login")).content.decode()
    assert "비밀번호를 잊으셨나요?" in page and "이메일 주소" in page
    english = Client()
    english.cookies["django_language"] = "en"
    page = english.get(reverse("accounts:login")).content.decode()
    assert "Forgot your password?" in page and "E-mail address" in page
