"""Who may see a model, its page and its files: every view and endpoint × every role.

The citizen owns the model; it has an order at the Jeonju center. The student is another
customer; the Gunsan operator works at another center; the Jeonju operator and the manager
(Jeonju and a partner shop) work where the order is; the admin sees everything.
"""

from __future__ import annotations

import pytest
from django.test import Client

from printhub.accounts.models import ApiToken

from .conftest import order_for

ALLOWED = {
    None: False,
    "citizen": True,  # the owner
    "student": False,  # another customer
    "operator_gunsan": False,  # staff of another center
    "operator": True,  # staff of the center with the order
    "manager": True,
    "admin": True,
}
PAGES = ["", "status/", "original", "viewer.stl", "thumbnail.png", "repaired.3mf"]


@pytest.fixture
def ordered_box(broken_box):
    """The citizen's broken box (it has a repaired file) with an order at Jeonju."""
    order_for(broken_box, "jeonju")
    return broken_box


def _client(people, role: str | None) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    if role == "operator_gunsan":
        client.force_login(get_user_model().objects.get(email="operator.gunsan@demo.printhub.kr"))
    elif role is not None:
        client.force_login(people[role])
    return client


@pytest.mark.parametrize("role", list(ALLOWED))
def test_model_pages_and_files(people, ordered_box, role):
    client = _client(people, role)
    for page in PAGES:
        response = client.get(f"/models/{ordered_box.id}/{page}")
        if role is None:
            assert response.status_code == 302, page
            assert "/accounts/login/" in response["Location"]
        elif ALLOWED[role]:
            assert response.status_code == 200, (role, page)
        else:
            assert response.status_code == 403, (role, page)


@pytest.mark.parametrize("role", list(ALLOWED))
def test_model_api(people, ordered_box, role):
    client = _client(people, role)
    response = client.get(f"/api/models/{ordered_box.id}")
    if role is None:
        assert response.status_code == 401
    elif ALLOWED[role]:
        assert response.status_code == 200
        assert response.json()["id"] == str(ordered_box.id)
    else:
        assert response.status_code == 403


def test_staff_see_nothing_without_an_order(people, bunny):
    for role in ("operator", "manager"):
        assert _client(people, role).get(f"/models/{bunny.id}/").status_code == 403
    assert _client(people, "admin").get(f"/models/{bunny.id}/").status_code == 200


def test_an_order_at_the_managers_partner_shop_counts(people, bunny):
    order_for(bunny, "hanok-makers")
    assert _client(people, "manager").get(f"/models/{bunny.id}/viewer.stl").status_code == 200
    assert _client(people, "operator").get(f"/models/{bunny.id}/viewer.stl").status_code == 403


def test_unknown_model_is_404(people):
    client = _client(people, "citizen")
    assert client.get("/models/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/api/models/00000000-0000-0000-0000-000000000000").status_code == 404


def test_my_models_lists_only_mine(people, bunny, upload_as, prusa_shapes):
    theirs = upload_as("student", prusa_shapes / "box.stl")
    page = _client(people, "citizen").get("/models/").content.decode()
    assert f"/models/{bunny.id}/" in page and f"/models/{theirs.id}/" not in page
    listed = _client(people, "citizen").get("/api/models").json()
    ids = {item["id"] for item in listed}
    assert str(bunny.id) in ids and str(theirs.id) not in ids


def test_my_models_needs_a_log_in(client, db):
    assert client.get("/models/").status_code == 302
    assert client.get("/api/models").status_code == 401


def test_bearer_token_sees_the_same_as_the_session(people, bunny):
    _, key = ApiToken.issue(people["student"], "test")
    client = Client()
    response = client.get(f"/api/models/{bunny.id}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    _, key = ApiToken.issue(people["citizen"], "test")
    response = client.get(f"/api/models/{bunny.id}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
