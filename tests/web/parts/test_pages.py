"""The pages: my models, the model page (progress, report, viewer), the htmx fragment."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.contrib.staticfiles import finders

from printhub.parts.models import UploadedModel


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def test_my_models_shows_thumbnails_and_states(client_for, bunny, upload_as, prusa_shapes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = upload_as(
        "citizen", SimpleUploadedFile("cut.stl", (prusa_shapes / "box.stl").read_bytes()[:-10])
    )
    client = client_for("citizen")
    page = client.get("/models/").content.decode()
    assert f'src="/models/{bunny.id}/thumbnail.png"' in page
    assert "bunny.stl" in page and "cut.stl" in page
    assert "분석 완료" in page and "읽을 수 없음" in page
    page = _english(client).get("/models/").content.decode()
    assert "Analysed" in page and "Could not be read" in page
    assert f"/models/{bad.id}/" in page


def test_model_page_report_in_korean(client_for, broken_box):
    page = client_for("citizen").get(f"/models/{broken_box.id}/").content.decode()
    assert "표면이 닫혀 있지 않습니다" in page  # the problem, as a sentence
    assert "20.0 × 20.0 × 20.0 mm" in page
    assert "수리한 3MF 내려받기" in page
    assert f'href="/models/{broken_box.id}/repaired.3mf"' in page
    assert f'href="/quotes/new/{broken_box.id}/">견적 받기</a>' in page


def test_only_the_owner_gets_the_quote_link(client_for, broken_box):
    from .conftest import order_for

    order_for(broken_box, "jeonju")
    page = client_for("operator").get(f"/models/{broken_box.id}/").content.decode()
    assert "/quotes/new/" not in page and "표면이 닫혀 있지 않습니다" in page


def test_model_page_report_in_english(client_for, broken_box):
    page = _english(client_for("citizen")).get(f"/models/{broken_box.id}/").content.decode()
    for words in (
        "The surface is not closed: 4 edges are open.",
        "Neighbouring faces disagree about which side is outside",
        "Dimensions (x × y × z)",
        "20.0 × 20.0 × 20.0 mm",
        "Watertight",
        "open (has holes)",
        "Thinnest wall",
        "not measured (the surface is open)",
        "Printers it fits",
        "Original Prusa i3 MK3S+ (0.4 mm)",
        "Suggested repair",
        "1 flipped face turned the right way",
        "After the repair the model is closed and its faces agree.",
        "Download the repaired 3MF",
        "Suggested orientation",
    ):
        assert words in page, words


def test_model_page_has_the_viewer_with_its_data(client_for, broken_box):
    page = client_for("citizen").get(f"/models/{broken_box.id}/").content.decode()
    # three.js from the platform's own static files, through an import map: no CDN.
    importmap = re.search(r'<script type="importmap">(.*?)</script>', page, re.S).group(1)
    imports = json.loads(importmap)["imports"]
    assert imports == {
        "three": "/static/vendor/three/three.module.js",
        "three/addons/": "/static/vendor/three/addons/",
    }
    assert '<script type="module" src="/static/parts/viewer.js"></script>' in page
    config_id = f"viewer-data-{broken_box.id}"
    assert f'data-config="{config_id}"' in page
    config = json.loads(
        re.search(rf'<script id="{config_id}" type="application/json">(.*?)</script>', page).group(
            1
        )
    )
    assert config["mesh_url"] == f"/models/{broken_box.id}/viewer.stl"
    codes = [layer["code"] for layer in config["problems"]]
    assert codes.index("inconsistent_winding") < codes.index("not_watertight")  # errors on top
    open_faces = next(layer for layer in config["problems"] if layer["code"] == "not_watertight")
    report = next(p for p in broken_box.report["problems"] if p["code"] == "not_watertight")
    assert open_faces["faces"] == report["faces"]
    assert len(config["rotation"]) == 3 and config["size_mm"] == [20.0, 20.0, 20.0]
    assert config["turned_overhangs"]["code"] == "needs_support"
    assert 'data-problem="not_watertight"' in page and "data-orientation" in page


def test_viewer_script_and_three_are_served_as_static_files():
    viewer = finders.find("parts/viewer.js")
    assert viewer is not None
    source = Path(viewer).read_text()
    for module in ('from "three"', "three/addons/controls/OrbitControls.js",
                   "three/addons/loaders/STLLoader.js"):  # fmt: skip
        assert module in source
    assert "http" not in source.split("import")[1]  # nothing from the network
    for vendored in (
        "vendor/three/three.module.js",
        "vendor/three/addons/controls/OrbitControls.js",
        "vendor/three/addons/loaders/STLLoader.js",
    ):
        assert finders.find(vendored) is not None, vendored


def test_pending_model_page_polls_the_status_fragment(client_for, bunny):
    UploadedModel.objects.filter(pk=bunny.pk).update(
        status="analysing", stage="orient", progress=70
    )
    client = client_for("citizen")
    page = client.get(f"/models/{bunny.id}/").content.decode()
    assert f'hx-get="/models/{bunny.id}/status/"' in page
    assert 'hx-trigger="every 1s"' in page and 'hx-swap="outerHTML"' in page
    assert '<progress max="100" value="70">' in page
    assert "가장 좋은 출력 방향을 찾는 중" in page
    fragment = _english(client).get(f"/models/{bunny.id}/status/")
    assert fragment["Cache-Control"].startswith("max-age=0")
    text = fragment.content.decode()
    assert text.lstrip().startswith('<div id="analysis"')
    assert "<html" not in text  # a fragment, not a page
    assert "Finding the best orientation" in text and 'hx-trigger="every 1s"' in text


def test_status_fragment_swaps_in_the_report_when_ready(client_for, bunny):
    UploadedModel.objects.filter(pk=bunny.pk).update(status="queued", stage="queued", progress=0)
    client = _english(client_for("citizen"))
    assert "Waiting for its turn" in client.get(f"/models/{bunny.id}/status/").content.decode()
    UploadedModel.objects.filter(pk=bunny.pk).update(status="ready", stage="done", progress=100)
    text = client.get(f"/models/{bunny.id}/status/").content.decode()
    assert "hx-trigger" not in text  # polling stops
    assert "data-viewer" in text and "Overhangs of" in text


def test_status_fragment_when_failed(client_for, upload_as, prusa_shapes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    model = upload_as(
        "citizen", SimpleUploadedFile("cut.stl", (prusa_shapes / "box.stl").read_bytes()[:-10])
    )
    text = _english(client_for("citizen")).get(f"/models/{model.id}/status/").content.decode()
    assert "hx-trigger" not in text
    assert "This file could not be analysed" in text
    assert "cut.stl: binary STL header says 12 triangles" in text


def test_internal_failure_shows_a_generic_message(client_for, bunny):
    UploadedModel.objects.filter(pk=bunny.pk).update(
        status="failed", error_code="internal", error_message=""
    )
    page = _english(client_for("citizen")).get(f"/models/{bunny.id}/").content.decode()
    assert "Something went wrong on our side" in page


def test_downloads_have_the_right_names(client_for, broken_box):
    client = client_for("citizen")
    original = client.get(f"/models/{broken_box.id}/original")
    assert original["Content-Disposition"] == 'attachment; filename="broken_box.stl"'
    repaired = client.get(f"/models/{broken_box.id}/repaired.3mf")
    assert repaired["Content-Disposition"] == 'attachment; filename="broken_box-repaired.3mf"'
    assert b"".join(repaired.streaming_content)[:2] == b"PK"
    thumbnail = client.get(f"/models/{broken_box.id}/thumbnail.png")
    assert thumbnail["Content-Type"] == "image/png"


def test_files_not_made_are_404(client_for, bunny):
    # The bunny needed no repair: there is no repaired file.
    assert client_for("citizen").get(f"/models/{bunny.id}/repaired.3mf").status_code == 404


def test_upload_page(client_for):
    page = client_for("citizen").get("/models/upload/").content.decode()
    assert "모델 올리기" in page and "256.0 MB" in page


def test_my_models_refreshes_while_a_model_is_analysed(client_for, bunny):
    client = client_for("citizen")
    assert "hx-trigger" not in client.get("/models/").content.decode()
    UploadedModel.objects.filter(pk=bunny.pk).update(
        status="analysing", stage="analyse", progress=15
    )
    page = client.get("/models/").content.decode()
    assert 'hx-get="/models/?page=1" hx-select="#model-grid" hx-trigger="every 2s"' in page
    assert "형상을 검사하는 중 · 15%" in page


def test_my_models_pages(client_for, people, upload_as, prusa_shapes, monkeypatch):
    from printhub.parts import views

    monkeypatch.setattr(views, "MODELS_PER_PAGE", 2)
    for _ in range(3):
        upload_as("designer", prusa_shapes / "box.stl")
    client = client_for("designer")
    first = client.get("/models/").content.decode()
    assert first.count('class="model-card') == 2 and "?page=2" in first
    second = client.get("/models/?page=2").content.decode()
    assert second.count('class="model-card') == 1
