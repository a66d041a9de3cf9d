"""The models API: upload (201, 413, 422), mine, one model's state and report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from printhub.accounts.models import ApiToken
from printhub.parts.models import UploadedModel

from .conftest import SAMPLES


@pytest.fixture
def api(people):
    """A client with the citizen's bearer token (no session, no CSRF)."""
    _, key = ApiToken.issue(people["citizen"], "tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_upload_answers_201_with_id_and_status(api, prusa_shapes):
    with open(prusa_shapes / "pyramid.stl", "rb") as f:
        response = api.post("/api/models", {"file": f})
    assert response.status_code == 201
    body = response.json()
    model = UploadedModel.objects.get(pk=body["id"])
    assert body["status"] == model.status  # the immediate backend: already "ready"
    assert body["url"] == f"/api/models/{model.id}"
    assert model.owner.email == "citizen@demo.printhub.kr"


def test_upload_of_an_image_is_422_with_a_message(api, prusa_shapes):
    before = UploadedModel.objects.count()
    image = SimpleUploadedFile("box.stl", (prusa_shapes / "box.png").read_bytes())
    response = api.post("/api/models", {"file": image}, HTTP_COOKIE="django_language=en")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "“box.stl” is a PNG image, not a 3D model. printhub reads STL, OBJ, PLY and 3MF files."
    )
    assert UploadedModel.objects.count() == before


def test_upload_without_a_file_is_422(api):
    assert api.post("/api/models", {}).status_code == 422


def test_upload_over_the_limit_is_413(api, settings, prusa_shapes):
    settings.MAX_UPLOAD_BYTES = 10_000
    before = UploadedModel.objects.count()
    with open(prusa_shapes / "bunny.stl", "rb") as f:
        response = api.post("/api/models", {"file": f})
    assert response.status_code == 413
    assert "10 KB" in response.json()["detail"]
    assert UploadedModel.objects.count() == before


def test_upload_needs_authentication(client, prusa_shapes, db):
    with open(prusa_shapes / "box.stl", "rb") as f:
        assert client.post("/api/models", {"file": f}).status_code == 401


def test_one_model_when_ready(api, broken_box):
    body = api.get(f"/api/models/{broken_box.id}", HTTP_COOKIE="django_language=en").json()
    assert body["status"] == "ready" and body["progress"] == 100
    assert body["stage_label"] == "Analysed"
    assert body["triangles"] == 10
    assert body["report"]["is_watertight"] is False
    problem = next(p for p in body["report"]["problems"] if p["code"] == "not_watertight")
    assert problem["message"].startswith("The surface is not closed")
    assert problem["faces"]
    assert body["repair"]["changed"] is True
    assert body["repaired_url"] == f"/models/{broken_box.id}/repaired.3mf"
    assert body["viewer_mesh_url"] == f"/models/{broken_box.id}/viewer.stl"
    assert len(body["orientation"]["rotation"]) == 3
    assert body["error"] is None


def test_one_model_problem_messages_in_korean(api, broken_box):
    body = api.get(f"/api/models/{broken_box.id}").json()
    problem = next(p for p in body["report"]["problems"] if p["code"] == "not_watertight")
    assert "표면이 닫혀 있지 않습니다" in problem["message"]


def test_one_model_when_failed(api, people):
    from printhub.parts import services

    model = services.upload_model(
        people["citizen"],
        SimpleUploadedFile("cut.stl", (SAMPLES / "broken_box.stl").read_bytes()[:-20]),
    )
    body = api.get(f"/api/models/{model.id}", HTTP_COOKIE="django_language=en").json()
    assert body["status"] == "failed"
    assert body["report"] is None
    assert body["error"]["code"] == "mesh_format"
    assert body["error"]["detail"].startswith("cut.stl: binary STL header says")
    assert body["error"]["message"] == "The file is damaged or not valid in its format."


def test_one_model_while_analysing(api, bunny):
    UploadedModel.objects.filter(pk=bunny.pk).update(
        status="analysing", stage="analyse", progress=15
    )
    body = api.get(f"/api/models/{bunny.id}", HTTP_COOKIE="django_language=en").json()
    assert (body["status"], body["stage"], body["progress"]) == ("analysing", "analyse", 15)
    assert body["stage_label"] == "Checking the geometry"
    assert body["report"] is None


def test_my_models(api, bunny):
    listed = api.get("/api/models").json()
    assert listed[0]["id"] == str(bunny.id)
    assert listed[0]["thumbnail_url"] == f"/models/{bunny.id}/thumbnail.png"
    assert "report" not in listed[0]


def test_openapi_documents_the_upload(client, db):
    schema = client.get("/api/openapi.json").json()
    post = schema["paths"]["/api/models"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"201", "413", "422"} <= set(post["responses"])
