"""Password reset by e-mail, end to end, in the person's own language; password change."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from printhub.accounts.models import User

LINK = re.compile(r"https?://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def korean(db):
    return User.objects.create_user(
        "hana@example.kr", "first-pass-921", display_name="김하나", preferred_language="ko"
    )


@pytest.fixture
def english_speaker(db):
    return User.objects.create_user(
        "tom@example.kr", "first-pass-922", display_name="Tom", preferred_language="en"
    )


def reset_link(message) -> str:
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def ask_for_reset(email: str, client=None):
    client = client or Client()
    return client.post(reverse("accounts:password_reset"), {"email": email})


def test_reset_end_to_end(korean):
    response = ask_for_reset("HANA@example.kr")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hana@example.kr"]
    assert message.subject == "printhub: 새 비밀번호를 정하세요"
    assert "김하나 님, 안녕하세요." in message.body
    assert "3일 동안 한 번만" in message.body
    html = message.alternatives[0][0]
    assert 'lang="ko"' in html and "새 비밀번호 정하기" in html

    client = Client()
    link = reset_link(message)
    response = client.get(link)
    # Django swaps the token for a session marker and redirects to the form.
    assert response.status_code == 302
    form_url = response["Location"]
    page = client.get(form_url)
    assert page.context["validlink"]
    assert "새 비밀번호 정하기" in page.content.decode()

    weak = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and "전부 숫자" in weak.content.decode()
    korean.refresh_from_db()
    assert korean.check_password("first-pass-921")

    done = client.post(
        form_url, {"new_password1": "second-pass-733", "new_password2": "second-pass-733"}
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    korean.refresh_from_db()
    assert korean.check_password("second-pass-733")
    assert not korean.check_password("first-pass-921")

    fresh = Client()
    assert fresh.login(username="hana@example.kr", password="second-pass-733")
    # The link works only once.
    again = Client().get(link, follow=True)
    assert not again.context["validlink"]
    assert "더 이상 사용할 수 없는 링크입니다" in again.content.decode()


def test_the_mail_is_in_the_persons_language_not_the_pages(english_speaker):
    korean_page = Client()
    ask_for_reset("tom@example.kr", korean_page)
    message = mail.outbox[0]
    assert message.subject == "printhub: choose a new password"
    assert "Hello Tom," in message.body
    assert "The link works for 3 days and only once." in message.body
    assert 'lang="en"' in message.alternatives[0][0]


def test_an_unknown_address_sends_nothing_and_says_the_same(db):
    response = ask_for_reset("nobody@example.kr")
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_deactivated_account_gets_no_mail(korean):
    korean.is_active = False
    korean.save()
    ask_for_reset("hana@example.kr")
    assert mail.outbox == []


def test_a_broken_link_says_so(db):
    url = reverse("accounts:password_reset_confirm", args=["MQ", "set-password"])
    page = Client().get(url).content.decode()
    assert "더 이상 사용할 수 없는 링크입니다" in page


def test_reset_pages_in_english(english):
    page = english.get(reverse("accounts:password_reset")).content.decode()
    assert "Reset your password" in page and "Send the link" in page
    page = english.get(reverse("accounts:password_reset_done")).content.decode()
    assert "Check your e-mail" in page


def test_change_password_from_the_profile(korean):
    client = Client()
    client.force_login(korean)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:password_change") in profile
    wrong = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "not-it",
            "new_password1": "third-pass-555",
            "new_password2": "third-pass-555",
        },
    )
    assert wrong.status_code == 200
    assert "old_password" in wrong.context["form"].errors
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "first-pass-921",
            "new_password1": "third-pass-555",
            "new_password2": "third-pass-555",
        },
    )
    assert response["Location"] == reverse("accounts:password_change_done")
    korean.refresh_from_db()
    assert korean.check_password("third-pass-555")
    # Still logged in on this browser.
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_reset_mails_to_one_address_are_limited(korean):
    from printhub.accounts import services

    for _ in range(services.RESET_MAILS + 2):
        response = ask_for_reset("hana@example.kr")
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == services.RESET_MAILS
