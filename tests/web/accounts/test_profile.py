"""The profile: a person edits what they say about themselves, and the site's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from printhub.accounts.models import User


@pytest.fixture
def person(db):
    return User.objects.create_user(
        "mina@example.kr",
        "profile-pass-31",
        display_name="박미나",
        role="designer",
        organization="미나디자인",
    )


@pytest.fixture
def client(person):
    client = Client()
    client.force_login(person)
    return client


def save(client, **changes):
    data = {
        "display_name": "박미나",
        "phone": "",
        "organization": "미나디자인",
        "preferred_language": "ko",
        **changes,
    }
    return client.post(reverse("accounts:profile"), data)


def test_the_profile_shows_the_account(client):
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "내 정보" in page
    assert "mina@example.kr" in page and "디자이너" in page
    assert 'value="박미나"' in page
    assert reverse("accounts:tokens") in page and reverse("accounts:password_change") in page
    assert reverse("accounts:people") not in page  # only for network admins


def test_edit_name_phone_and_organization(client, person):
    response = save(client, display_name="박미나 (수정)", phone="010-1234-5678", organization="")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    person.refresh_from_db()
    assert person.display_name == "박미나 (수정)"
    assert person.phone == "010-1234-5678"
    assert person.organization == ""
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "내 정보를 저장했습니다." in page


def test_saving_english_switches_the_site(client, person):
    response = save(client, preferred_language="en")
    assert response.cookies["django_language"].value == "en"
    person.refresh_from_db()
    assert person.preferred_language == "en"
    page = client.get(reverse("accounts:profile"))
    assert page["Content-Language"] == "en"
    assert "Your profile is saved." in page.content.decode()
    assert "Your profile" in page.content.decode()
    # ... and back to Korean.
    response = save(client, preferred_language="ko")
    assert response.cookies["django_language"].value == "ko"
    page = client.get(reverse("site:home"))
    assert page["Content-Language"] == "ko"


@pytest.mark.parametrize(
    ("changes", "field", "korean"),
    [
        ({"display_name": ""}, "display_name", "필수 항목"),
        ({"phone": "call me maybe"}, "phone", "숫자와 하이픈"),
        ({"phone": "010-12"}, "phone", "너무 짧습니다"),
        ({"preferred_language": "fr"}, "preferred_language", "올바르게 선택"),
        ({"display_name": "가" * 101}, "display_name", "100"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(client, person, changes, field, korean):
    response = save(client, **changes)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert korean in response.content.decode()
    person.refresh_from_db()
    assert (
        person.display_name == "박미나" and person.phone == "" and person.preferred_language == "ko"
    )


def test_role_centers_and_email_cannot_be_changed_here(client, person):
    save(client, role="admin", email="boss@example.kr", is_staff="on", centers="1")
    person.refresh_from_db()
    assert person.role == "designer" and person.email == "mina@example.kr"
    assert not person.is_staff and not person.centers.exists()


def test_staff_see_their_centers(client_for):
    page = client_for("manager").get(reverse("accounts:profile")).content.decode()
    assert "전주 3D프린팅 융복합센터" in page and "한옥마을 메이커스" in page
