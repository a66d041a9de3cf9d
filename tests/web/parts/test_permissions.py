"""Every page, file and API endpoint of the parts app × every kind of person.

The model belongs to the demo citizen and has an order at the Jeonju center: `operator`
works there, `operator.gunsan` does not, the manager runs Jeonju (and a partner shop),
the admin sees everything. Other customers never see it.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from printhub.parts.models import UploadedModel
from tests.web.matrix import (
    LOGIN,
    PERSONAS,
    assert_access,
    expect,
    outcome,
    person,
    request_as,
)

from .conftest import order_for

# Who sees the citizen's model once it has an order at Jeonju.
SEES_MODEL = expect(403, anonymous=LOGIN, citizen=200, operator=200, manager=200, admin=200)
SEES_MODEL_API = {**SEES_MODEL, "anonymous": 401}
# Pages of one model (URL names taking the model's id).
MODEL_PAGES = [
    "parts:detail",
    "parts:status",
    "parts:original",
    "parts:viewer_mesh",
    "parts:thumbnail",
    "parts:repaired",
]
COVERED_PAGES = {"parts:list", "parts:upload", *MODEL_PAGES}
COVERED_API = {("/api/models", "get"), ("/api/models", "post"), ("/api/models/{model_id}", "get")}


@pytest.fixture
def ordered_box(broken_box):
    """The citizen's broken box (it has a repaired file) with an order at Jeonju."""
    order_for(broken_box, "jeonju")
    return broken_box


@pytest.mark.parametrize("name", MODEL_PAGES)
def test_model_pages_and_files(ordered_box, name):
    assert_access(reverse(name, args=[ordered_box.id]), "get", SEES_MODEL)


@pytest.mark.parametrize("auth", ["session", "token"])
def test_model_api(ordered_box, auth):
    assert_access(f"/api/models/{ordered_box.id}", "get", SEES_MODEL_API, auth=auth)


def test_staff_see_nothing_without_an_order(bunny):
    assert_access(
        reverse("parts:detail", args=[bunny.id]),
        "get",
        expect(403, anonymous=LOGIN, citizen=200, admin=200),
    )


def test_an_order_at_the_managers_partner_shop_counts(bunny):
    order_for(bunny, "hanok-makers")
    assert_access(
        reverse("parts:viewer_mesh", args=[bunny.id]),
        "get",
        expect(403, anonymous=LOGIN, citizen=200, manager=200, admin=200),
    )


def test_my_models_and_upload_pages_need_a_log_in(db):
    for name in ("parts:list", "parts:upload"):
        assert_access(reverse(name), "get", expect(200, anonymous=LOGIN))
    assert_access("/api/models", "get", expect(200, anonymous=401))


def test_everybody_logged_in_may_upload(db, prusa_shapes):
    data = (prusa_shapes / "pyramid.stl").read_bytes()
    for persona in PERSONAS:
        page = request_as(
            persona, reverse("parts:upload"), "post", {"file": SimpleUploadedFile("p.stl", data)}
        )
        api = request_as(
            persona, "/api/models", "post", {"file": SimpleUploadedFile("p.stl", data)}
        )
        if persona == "anonymous":
            assert (outcome(page), outcome(api)) == (LOGIN, 401)
        else:
            assert (outcome(page), outcome(api)) == (302, 201), persona
            assert UploadedModel.objects.filter(owner=person(persona)).count() == 2


def test_unknown_model_is_404(people):
    missing = "00000000-0000-0000-0000-000000000000"
    assert_access(reverse("parts:detail", args=[missing]), "get", expect(404, anonymous=LOGIN))
    assert_access(f"/api/models/{missing}", "get", expect(404, anonymous=401))


def test_my_models_lists_only_mine(bunny, upload_as, prusa_shapes):
    from tests.web.matrix import client_for

    theirs = upload_as("student", prusa_shapes / "box.stl")
    page = client_for("citizen").get("/models/").content.decode()
    assert f"/models/{bunny.id}/" in page and f"/models/{theirs.id}/" not in page
    ids = {item["id"] for item in client_for("citizen", auth="token").get("/api/models").json()}
    assert str(bunny.id) in ids and str(theirs.id) not in ids
    # Staff do not see customers' models in their own list either.
    assert client_for("admin", auth="token").get("/api/models").json() == []


def test_every_parts_page_is_in_the_matrix():
    _prefix, sub = get_resolver().namespace_dict["parts"]
    named = {f"parts:{p.name}" for p in sub.url_patterns if getattr(p, "name", None)}
    assert named == COVERED_PAGES


def test_every_parts_endpoint_is_in_the_matrix(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    found = {
        (path, method)
        for path, operations in paths.items()
        if path.startswith("/api/models")
        for method in operations
    }
    assert found == COVERED_API


def test_admin_pages_are_for_network_admins(bunny):
    for url in (
        "/admin/parts/uploadedmodel/",
        f"/admin/parts/uploadedmodel/{bunny.id}/change/",
        "/admin/parts/estimate/",
    ):
        found = assert_access(url, "get", expect(302, admin=200), complete=True)
        assert found["admin"] == 200
