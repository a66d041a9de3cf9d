"""The analysis task end to end (the immediate backend runs it inside the upload)."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import numpy as np
import pytest

from printhub.geometry.analysis import AnalysisOptions, analyze
from printhub.geometry.io import load_model
from printhub.geometry.measure import face_measures, overhang_faces
from printhub.parts import pipeline, services
from printhub.parts.models import Estimate, UploadedModel
from printhub.parts.tasks import analyse_model

from .conftest import SAMPLES, bytes_upload, cube_mesh, stl_bytes, zip_bytes

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_bunny_end_to_end(bunny, prusa_shapes):
    bunny.refresh_from_db()
    assert bunny.status == "ready"
    assert bunny.progress == 100
    assert bunny.stage == "done"
    assert bunny.error_message == ""
    assert bunny.analysed_at is not None and bunny.estimated_at is not None
    assert bunny.analysis_s > 0

    # The stored report is the library's report of the file, with the network's printers.
    mesh = load_model(prusa_shapes / "bunny.stl").mesh
    volumes = services.network_build_volumes()
    expected = analyze(mesh, AnalysisOptions(printers=tuple(volumes)))
    report = bunny.report
    assert report["triangles"] == expected.triangles == bunny.triangles == 292
    assert report["volume_mm3"] == pytest.approx(expected.volume_mm3)
    assert bunny.volume_mm3 == pytest.approx(expected.volume_mm3)
    assert list(bunny.bbox_mm) == pytest.approx(list(expected.bbox_mm))
    assert [p["code"] for p in report["problems"]] == [p.code for p in expected.problems]
    assert set(report["pipeline_s"]) >= {"read", "analyse", "orient", "thumbnail", "viewer"}

    # The fit is checked against each distinct printer model of the network, by catalog id.
    fit_ids = [fit["printer_id"] for fit in report["printer_fits"]]
    assert sorted(fit_ids) == sorted(
        {"mk3s", "mk3s-hardened-0.4", "mk3s-hardened-0.6", "voron-2.4-350", "sl1s", "fuse-1",
         "mini", "ender3-v2"}
    )  # fmt: skip

    rotation = np.array(bunny.orientation["rotation"])
    assert rotation.shape == (3, 3)
    assert np.allclose(rotation @ rotation.T, np.eye(3), atol=1e-9)
    # Turned, the faces needing support are others: the viewer shows those.
    turned = mesh.transformed(rotation)
    expected_turned = overhang_faces(face_measures(turned), float(turned.bounds[0, 2]))
    assert bunny.orientation["overhang_faces"] == expected_turned.tolist()
    assert bunny.orientation["overhang_count"] == len(expected_turned)

    assert Path(bunny.thumbnail.path).read_bytes()[:8] == PNG_MAGIC
    assert bunny.repair is None  # nothing for a repair to do
    assert not bunny.repaired_file


def test_no_repair_for_a_clean_cube(upload_as, tmp_path):
    model = upload_as("citizen", bytes_upload(stl_bytes(cube_mesh(), tmp_path), "cube.stl"))
    model.refresh_from_db()
    assert model.status == "ready"
    assert model.report["problems"] == []
    assert model.repair is None and not model.repaired_file
    assert model.bbox_mm == (20.0, 20.0, 20.0)
    assert model.volume_mm3 == pytest.approx(8000.0)


def test_broken_box_gets_a_repair_suggestion(broken_box):
    broken_box.refresh_from_db()
    assert broken_box.status == "ready"
    codes = {p["code"] for p in broken_box.report["problems"]}
    assert {"not_watertight", "inconsistent_winding"} <= codes
    repair = broken_box.repair
    assert repair["changed"] is True
    assert repair["changes"]["flipped_faces"] >= 1
    assert repair["after"]["is_watertight"] and repair["after"]["is_winding_consistent"]
    repaired = load_model(broken_box.repaired_file.path)
    assert repaired.format == "3mf"
    assert analyze(repaired.mesh).is_watertight


def test_stages_are_saved_in_order(monkeypatch, upload_as, prusa_shapes):
    seen = []
    update = pipeline._update

    def recording(model, **fields):
        if "stage" in fields:
            seen.append((fields["stage"], fields.get("progress", model.progress)))
        update(model, **fields)

    monkeypatch.setattr(pipeline, "_update", recording)
    model = upload_as("citizen", SAMPLES / "broken_box.stl")
    stages = [stage for stage, _ in seen]
    assert stages == ["read", "analyse", "orient", "repair", "thumbnail", "viewer", "save"]
    progress = [p for _, p in seen]
    assert progress == sorted(progress)
    # Then the report is saved ("ready", estimating) and the estimate tasks end in "done".
    model.refresh_from_db()
    assert (model.status, model.stage) == ("ready", "done")


def _garbage_stl() -> bytes:
    return (
        b"solid broken\n facet normal 0 0 1\n  outer loop\n   vertex 0 0 zero\n"
        b"   vertex 1 0 0\n   vertex 0 1 0\n  endloop\n endfacet\nendsolid broken\n"
    )


def _truncated_binary_stl(shapes: Path) -> bytes:
    data = (shapes / "bunny.stl").read_bytes()
    return data[: len(data) - 120]


@pytest.mark.parametrize(
    ("kind", "name", "code", "words"),
    [
        ("garbage", "garbage.stl", "mesh_format", "line 4"),
        ("truncated", "cut.stl", "mesh_format", "truncated"),
        ("zip", "notes.3mf", "mesh_format", "no 3D model part"),
    ],
)
def test_bad_files_fail_with_the_readers_message(
    bunny, upload_as, prusa_shapes, client_for, kind, name, code, words
):
    bunny.refresh_from_db()
    untouched = {f.attname: getattr(bunny, f.attname) for f in UploadedModel._meta.concrete_fields}
    estimates = set(Estimate.objects.filter(model=bunny).values_list("pk", "print_time_s"))
    data = {
        "garbage": _garbage_stl,
        "truncated": lambda: _truncated_binary_stl(prusa_shapes),
        "zip": lambda: zip_bytes({"readme.txt": b"not a model"}),
    }[kind]()

    model = upload_as("citizen", bytes_upload(data, name))
    model.refresh_from_db()
    assert model.status == "failed"
    assert model.error_code == code
    assert model.error_message.startswith(f"{name}: ")
    assert words in model.error_message
    assert model.report is None and not model.viewer_mesh and not model.thumbnail
    assert not model.estimates.exists()

    # The message reaches the person, in Korean and in English.
    client = client_for("citizen")
    page = client.get(f"/models/{model.id}/").content.decode()
    assert "이 파일은 분석할 수 없습니다" in page
    assert model.error_message.replace("'", "&#x27;").replace('"', "&quot;") in page
    client.cookies["django_language"] = "en"
    page = client.get(f"/models/{model.id}/").content.decode()
    assert "This file could not be analysed" in page

    # Nothing else moved.
    bunny.refresh_from_db()
    assert {
        f.attname: getattr(bunny, f.attname) for f in UploadedModel._meta.concrete_fields
    } == untouched
    assert set(Estimate.objects.filter(model=bunny).values_list("pk", "print_time_s")) == estimates


def test_a_header_claiming_too_many_triangles_fails_cleanly(upload_as):
    header = b"binary".ljust(80, b" ") + struct.pack("<I", 3)
    model = upload_as("citizen", bytes_upload(header + b"\x00" * 50, "short.stl"))
    model.refresh_from_db()
    assert model.status == "failed" and "short.stl: " in model.error_message


def test_unexpected_errors_fail_with_a_generic_message(
    monkeypatch, upload_as, prusa_shapes, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "analyze", broken)
    with caplog.at_level(logging.ERROR, logger="printhub.parts.pipeline"):
        model = upload_as("citizen", prusa_shapes / "box.stl")
    model.refresh_from_db()
    assert model.status == "failed"
    assert model.error_code == "internal"
    assert model.error_message == ""  # no internals shown to the person
    assert "disk on fire" in caplog.text


def test_analysing_again_replaces_the_files(bunny):
    bunny.refresh_from_db()
    first_viewer = bunny.viewer_mesh.name
    analyse_model.enqueue(str(bunny.id))
    bunny.refresh_from_db()
    assert bunny.status == "ready"
    assert bunny.viewer_mesh.name == first_viewer  # same fixed name, no "_x7a" copies
    directory = Path(bunny.file.path).parent
    assert sorted(p.name for p in directory.iterdir()) == [
        "original",
        "thumbnail.png",
        "viewer.stl",
    ]


def test_task_for_a_deleted_model_does_nothing(db, caplog):
    with caplog.at_level(logging.WARNING, logger="printhub.parts.pipeline"):
        analyse_model.enqueue("00000000-0000-0000-0000-000000000000")
    assert "no longer exists" in caplog.text


def test_estimates_are_precomputed_for_the_network(bunny):
    jobs = services.network_jobs()
    stored = set(
        Estimate.objects.filter(model=bunny, settings_key="layer=default;infill=20").values_list(
            "printer_catalog_id", "material_catalog_id"
        )
    )
    assert stored == set(jobs)
    # Composites on hardened printers and resin on the SL1S are among them.
    assert ("mk3s-hardened-0.4", "pa11-cf") in stored
    assert ("sl1s", "resin-standard") in stored


def test_estimates_wait_behind_the_next_uploads_analysis(settings, people, prusa_shapes):
    """With the database queue (one worker), a new upload's analysis runs before the
    estimates still queued for an earlier model: a person waits for a report first."""
    from django_tasks_db.models import DBTaskResult

    from printhub.parts.tasks import ESTIMATE_PRIORITY

    from .conftest import as_upload

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    first = services.upload_model(people["citizen"], as_upload(prusa_shapes / "box.stl"))
    assert first.status == "queued"
    queued = DBTaskResult.objects.ready().get()
    assert queued.task_path == "printhub.parts.tasks.analyse_model"
    queued.delete()
    pipeline.run(str(first.id))  # what the worker does with it
    first.refresh_from_db()
    assert (first.status, first.stage) == ("ready", "estimates")
    jobs = list(DBTaskResult.objects.ready())
    assert len(jobs) == len(services.network_jobs()) + 1
    assert {job.priority for job in jobs} == {ESTIMATE_PRIORITY}
    assert jobs[-1].task_path == "printhub.parts.tasks.finish_estimates"

    second = services.upload_model(people["student"], as_upload(prusa_shapes / "pyramid.stl"))
    following = DBTaskResult.objects.ready().first()
    assert following.task_path == "printhub.parts.tasks.analyse_model"
    assert following.args_kwargs["args"] == [str(second.id)]
