"""Uploading: real files of every format, the content check, the size limit, safe storage."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from printhub.parts import services
from printhub.parts.models import UploadedModel

from .conftest import as_upload


@pytest.mark.parametrize("name", ["box.stl", "pyramid.stl", "bunny.stl", "helper_disk.stl"])
def test_prusaslicer_shapes_upload_and_analyse(upload_as, prusa_shapes, name):
    path = prusa_shapes / name
    model = upload_as("student", path)
    model.refresh_from_db()
    assert model.status == UploadedModel.Status.READY, model.error_message
    assert model.original_name == name
    assert model.size_bytes == path.stat().st_size
    assert model.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert model.format.startswith("stl-")
    assert Path(model.file.path).read_bytes() == path.read_bytes()
    assert model.triangles == model.report["triangles"] > 0


@pytest.mark.parametrize(
    ("relative", "fmt"),
    [("OBJ/box.obj", "obj"), ("3MF/box.3mf", "3mf"), ("PLY/cube_binary.ply", "ply-binary")],
)
def test_other_formats_upload_and_analyse(upload_as, assimp_models, relative, fmt):
    model = upload_as("designer", assimp_models / relative)
    model.refresh_from_db()
    assert model.status == UploadedModel.Status.READY, model.error_message
    assert model.format == fmt
    assert model.triangles == 12
    assert model.viewer_mesh and model.thumbnail


def test_stored_under_the_models_id_never_the_users_name(upload_as, prusa_shapes):
    model = upload_as("citizen", prusa_shapes / "box.stl", name="../../../etc/passwd.stl")
    assert model.original_name == "passwd.stl"
    hexid = model.id.hex
    assert model.file.name == f"models/{hexid[:2]}/{hexid}/original"
    for field in (model.viewer_mesh, model.thumbnail):
        assert field.name.startswith(f"models/{hexid[:2]}/{hexid}/")
        assert Path(field.path).is_file()


def test_names_with_control_characters_are_cleaned():
    assert services.clean_name("a\x00b\nc.stl") == "abc.stl"
    assert services.clean_name("C:\\Users\\kim\\part.stl") == "part.stl"
    assert services.clean_name("") == "model"
    long = "x" * 400 + ".3mf"
    assert len(services.clean_name(long)) <= 255 and services.clean_name(long).endswith(".3mf")


def test_upload_page_form_posts_and_redirects_to_the_model(client_for, prusa_shapes):
    client = client_for("citizen")
    with open(prusa_shapes / "pyramid.stl", "rb") as f:
        response = client.post("/models/upload/", {"file": f})
    model = UploadedModel.objects.get(original_name="pyramid.stl")
    assert response.status_code == 302
    assert response["Location"] == f"/models/{model.id}/"
    assert model.owner.email == "citizen@demo.printhub.kr"
    assert model.status == "ready"


def test_upload_form_on_my_models_page(client_for):
    page = client_for("citizen").get("/models/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'action="/models/upload/"' in page
    assert ".stl,.obj,.ply,.3mf" in page


def test_an_image_renamed_stl_is_refused_at_once(client_for, prusa_shapes):
    before = UploadedModel.objects.count()
    client = client_for("citizen")
    client.cookies["django_language"] = "en"
    image = SimpleUploadedFile("box.stl", (prusa_shapes / "box.png").read_bytes())
    response = client.post("/models/upload/", {"file": image})
    assert response.status_code == 400
    page = response.content.decode()
    assert "“box.stl” is a PNG image, not a 3D model." in page
    assert UploadedModel.objects.count() == before


def test_refusal_is_in_korean_by_default(client_for, prusa_shapes):
    client = client_for("citizen")
    image = SimpleUploadedFile("box.stl", (prusa_shapes / "box.png").read_bytes())
    page = client.post("/models/upload/", {"file": image}).content.decode()
    assert "PNG 이미지" in page


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.stl", "empty"),
        (b"\x01\x02\x03 random bytes \xff" * 50, "random.stl", "unsupported"),
        (b"%PDF-1.7 a document", "drawing.obj", "unsupported"),
        (b"ISO-10303-21;\nHEADER;", "part.stl", "unsupported"),
    ],
)
def test_non_models_are_refused_by_content(people, data, name, code):
    before = UploadedModel.objects.count()
    with pytest.raises(services.NotAModelFile) as caught:
        services.upload_model(people["citizen"], SimpleUploadedFile(name, data))
    assert caught.value.code == code
    assert name in caught.value.messages[0]
    assert UploadedModel.objects.count() == before


def test_content_decides_not_the_name(upload_as, prusa_shapes):
    # A binary STL called .obj is read as the STL it is.
    model = upload_as("citizen", prusa_shapes / "box.stl", name="box.obj")
    model.refresh_from_db()
    assert model.status == "ready" and model.format == "stl-binary"


def test_size_limit_refuses_larger_files(people, settings, prusa_shapes):
    settings.MAX_UPLOAD_BYTES = 10_000
    before = UploadedModel.objects.count()
    with pytest.raises(services.UploadTooLarge) as caught:
        services.upload_model(people["citizen"], as_upload(prusa_shapes / "bunny.stl"))
    assert caught.value.code == "too_large"
    assert UploadedModel.objects.count() == before
    # Just under the limit is fine.
    small = services.upload_model(people["citizen"], as_upload(prusa_shapes / "box.stl"))
    assert small.size_bytes == 684


def test_size_limit_on_the_page_answers_413(client_for, settings, prusa_shapes):
    settings.MAX_UPLOAD_BYTES = 10_000
    client = client_for("citizen")
    client.cookies["django_language"] = "en"
    with open(prusa_shapes / "bunny.stl", "rb") as f:
        response = client.post("/models/upload/", {"file": f})
    assert response.status_code == 413
    assert "The file is 14 KB; files up to 10 KB can be uploaded." in response.content.decode()


def test_a_body_far_over_the_limit_is_refused_from_its_headers(client_for, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    client = client_for("citizen")
    client.cookies["django_language"] = "en"
    response = client.generic(
        "POST",
        "/models/upload/",
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=zz",
        CONTENT_LENGTH=str(5 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "files up to 1000 bytes can be uploaded" in response.content.decode()


def test_missing_file_is_a_form_error(client_for):
    response = client_for("citizen").post("/models/upload/", {})
    assert response.status_code == 400
    assert "업로드할 모델 파일을 선택하세요" in response.content.decode()


def test_anonymous_cannot_upload(client, prusa_shapes, db):
    before = UploadedModel.objects.count()
    with open(prusa_shapes / "box.stl", "rb") as f:
        response = client.post("/models/upload/", {"file": f})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert UploadedModel.objects.count() == before
