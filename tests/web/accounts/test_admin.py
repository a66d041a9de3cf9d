"""Django's admin for people and tokens: Korean labels, filters by role and center."""

from __future__ import annotations

import pytest
from django.urls import reverse

from printhub.accounts.models import ApiToken, User
from printhub.network.models import Center


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")


def test_user_list_is_in_korean_with_filters(admin_client, people):
    page = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "사용자와 역할" in page  # the app's name
    assert "역할" in page and "센터" in page  # the filters
    assert "센터 운영자" in page  # a role choice in the filter
    assert people["manager"].email in page


def test_filter_by_role_and_by_center(admin_client, people):
    url = reverse("admin:accounts_user_changelist")
    shown = admin_client.get(url, {"role__exact": "manager"}).context["cl"].result_list
    assert [u.email for u in shown] == [people["manager"].email]
    gunsan = Center.objects.get(slug="gunsan")
    shown = admin_client.get(url, {"centers__id__exact": gunsan.pk}).context["cl"].result_list
    assert [u.email for u in shown] == ["operator.gunsan@demo.printhub.kr"]


def test_user_change_page_in_korean(admin_client, people):
    url = reverse("admin:accounts_user_change", args=[people["operator"].pk])
    page = admin_client.get(url).content.decode()
    assert "역할과 소속 센터" in page and "학교 또는 회사" in page
    assert "username" not in page.lower().replace("autocomplete", "")


def test_add_a_person_in_the_admin(admin_client, db):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Staff.New@Example.kr",
            "display_name": "신입",
            "role": "citizen",
            "usable_password": "true",
            "password1": "admin-made-pass-9",
            "password2": "admin-made-pass-9",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="staff.new@example.kr")
    assert user.check_password("admin-made-pass-9")


def test_the_admin_refuses_a_duplicate_address(admin_client, people):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": people["citizen"].email.upper(),
            "display_name": "둘째",
            "role": "citizen",
            "usable_password": "true",
            "password1": "admin-made-pass-9",
            "password2": "admin-made-pass-9",
        },
    )
    assert response.status_code == 200
    assert "이미 있습니다" in response.content.decode()


def test_token_admin_lists_filters_and_cannot_add(admin_client, people):
    ApiToken.issue(people["operator"], "라인 노트북")
    url = reverse("admin:accounts_apitoken_changelist")
    page = admin_client.get(url).content.decode()
    assert "API 토큰" in page and "라인 노트북" in page and "마지막 사용" in page
    shown = admin_client.get(url, {"user__role__exact": "student"}).context["cl"].result_list
    assert "라인 노트북" not in [t.name for t in shown]
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_revoke_tokens_from_the_admin(admin_client, people):
    token, _key = ApiToken.issue(people["citizen"], "old")
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_in_english(admin_client):
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "People and roles" in page and "Center operator" in page


def test_customers_and_center_staff_are_kept_out(client_for):
    for role in ("citizen", "operator", "manager"):
        response = client_for(role).get(reverse("admin:accounts_user_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
