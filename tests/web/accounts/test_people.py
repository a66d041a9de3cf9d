"""Network admins manage people: search, roles, centers, deactivation. Nobody else may."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from printhub.accounts import services
from printhub.accounts.models import ApiToken, User
from printhub.network.models import Center


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")


def edit(client, someone, **data):
    return client.post(reverse("accounts:person", args=[someone.pk]), data)


def test_the_list_shows_everybody_with_role_and_centers(admin_client, people):
    page = admin_client.get(reverse("accounts:people")).content.decode()
    for user in people.values():
        assert user.email in page
    assert "센터 관리자" in page and "한옥마을 메이커스" in page


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ({"q": "전북대"}, ["student"], ["citizen", "operator"]),
        ({"q": "STARTUP@demo"}, ["startup"], ["student"]),
        ({"role": "operator"}, ["operator"], ["manager", "citizen"]),
        ({"center": "gunsan"}, [], ["operator", "manager", "citizen"]),
        ({"center": "hanok-makers"}, ["manager"], ["operator", "citizen"]),
        ({"q": "xyzzy-nobody"}, [], ["citizen", "admin"]),
    ],
)
def test_search_and_filters(admin_client, people, query, found, not_found):
    if "center" in query:
        query = {"center": Center.objects.get(slug=query["center"]).pk}
    response = admin_client.get(reverse("accounts:people"), query)
    shown = {u.email for u in response.context["page"]}
    for role in found:
        assert people[role].email in shown
    for role in not_found:
        assert people[role].email not in shown


def test_filter_by_status(admin_client, people):
    people["designer"].is_active = False
    people["designer"].save()
    response = admin_client.get(reverse("accounts:people"), {"active": "no"})
    assert [u.email for u in response.context["page"]] == [people["designer"].email]
    response = admin_client.get(reverse("accounts:people"), {"active": "yes"})
    assert people["designer"].email not in {u.email for u in response.context["page"]}


def test_pages_of_people(admin_client, db):
    from printhub.accounts.views import PEOPLE_PER_PAGE

    for i in range(PEOPLE_PER_PAGE + 1):
        User.objects.create_user(f"bulk{i:03}@example.kr", None, display_name=f"b{i}")
    first = admin_client.get(reverse("accounts:people"), {"q": "bulk"})
    assert len(first.context["page"]) == PEOPLE_PER_PAGE and first.context["page"].has_next()
    page = first.content.decode()
    assert f"{PEOPLE_PER_PAGE + 1}명" in page
    assert "?q=bulk&amp;page=2" in page
    second = admin_client.get(reverse("accounts:people"), {"q": "bulk", "page": 2})
    assert [u.email for u in second.context["page"]] == [f"bulk{PEOPLE_PER_PAGE:03}@example.kr"]


def test_make_a_citizen_an_operator_of_two_centers(admin_client, people):
    citizen = people["citizen"]
    jeonju, namwon = Center.objects.get(slug="jeonju"), Center.objects.get(slug="namwon")
    response = edit(
        admin_client, citizen, role="operator", centers=[jeonju.pk, namwon.pk], is_active="on"
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:people")
    citizen.refresh_from_db()
    assert citizen.role == "operator"
    assert set(citizen.centers.values_list("slug", flat=True)) == {"jeonju", "namwon"}
    assert citizen.center_ids() == {jeonju.pk, namwon.pk}
    assert not citizen.is_staff  # Django's admin site stays for network admins


def test_an_operator_needs_a_center(admin_client, people):
    citizen = people["citizen"]
    response = edit(admin_client, citizen, role="manager", is_active="on")
    assert response.status_code == 200
    assert "적어도 한 곳의 센터에 소속" in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.role == "citizen"


def test_a_customer_role_drops_the_centers(admin_client, people):
    operator = people["operator"]
    jeonju = Center.objects.get(slug="jeonju")
    edit(admin_client, operator, role="student", centers=[jeonju.pk], is_active="on")
    operator.refresh_from_db()
    assert operator.role == "student" and not operator.centers.exists()
    assert operator.center_ids() == set()


def test_making_and_unmaking_an_admin(admin_client, people):
    designer = people["designer"]
    edit(admin_client, designer, role="admin", is_active="on")
    designer.refresh_from_db()
    assert designer.is_network_admin and designer.is_staff and designer.is_superuser
    edit(admin_client, designer, role="designer", is_active="on")
    designer.refresh_from_db()
    assert not designer.is_network_admin and not designer.is_staff and not designer.is_superuser


def test_deactivate_stops_log_in_and_tokens(admin_client, people):
    student = people["student"]
    _token, key = ApiToken.issue(student, "x")
    browser = Client()
    browser.force_login(student)
    response = edit(admin_client, student, role="student")  # the box unticked
    assert response.status_code == 302
    student.refresh_from_db()
    assert not student.is_active
    assert Client(headers={"Authorization": f"Bearer {key}"}).get("/api/me").status_code == 401
    assert browser.get(reverse("accounts:profile")).status_code == 302  # logged out
    assert not Client().login(username=student.email, password="printhub-demo")
    # ... and back.
    edit(admin_client, student, role="student", is_active="on")
    assert Client().login(username=student.email, password="printhub-demo")


def test_an_admin_cannot_lock_themselves_out(admin_client, people):
    admin = people["admin"]
    for data in ({"role": "citizen", "is_active": "on"}, {"role": "admin"}):
        response = edit(admin_client, admin, **data)
        assert response.status_code == 200
        assert "자신의 관리자 역할을 없애거나" in response.content.decode()
        admin.refresh_from_db()
        assert admin.role == "admin" and admin.is_active


def test_a_made_up_role_is_refused(admin_client, people):
    response = edit(admin_client, people["citizen"], role="emperor", is_active="on")
    assert response.status_code == 200
    people["citizen"].refresh_from_db()
    assert people["citizen"].role == "citizen"


@pytest.mark.parametrize("role", ["citizen", "student", "operator", "manager"])
def test_nobody_but_admins_changes_people(client_for, people, role):
    target = people["designer"]
    client = client_for(role)
    assert client.get(reverse("accounts:people")).status_code == 403
    response = edit(client, target, role="admin", is_active="on")
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.role == "designer"
    with pytest.raises(PermissionDenied):
        services.update_person(people[role], target, role="admin", centers=[], is_active=True)
    with pytest.raises(PermissionDenied):
        services.find_people(people[role])


def test_unknown_person_is_404(admin_client):
    assert admin_client.get(reverse("accounts:person", args=[999999])).status_code == 404


def test_people_pages_in_english(admin_client, people):
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(reverse("accounts:people")).content.decode()
    assert "People" in page and "Center manager" in page and "All roles" in page
    page = admin_client.get(reverse("accounts:person", args=[people["operator"].pk]))
    assert "Only for operators and managers" in page.content.decode()


def test_set_active_service(people):
    services.set_active(people["admin"], people["operator"], False)
    people["operator"].refresh_from_db()
    assert not people["operator"].is_active
    assert people["operator"].centers.get().slug == "jeonju"  # kept for reactivation
    with pytest.raises(ValidationError):
        services.set_active(people["admin"], people["admin"], False)
