"""Shared fixtures: real model files from Debian's packages and generated ones."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

PRUSA_SHAPES = Path("/usr/share/PrusaSlicer/shapes")
ASSIMP_MODELS = Path("/usr/share/assimp/models")
OPENSCAD_TESTDATA = Path("/usr/share/openscad/testdata")

# `make test` as root installs every external; there a missing one is a failure, not a skip.
REQUIRE_EXTERNALS = os.environ.get("PRINTHUB_REQUIRE_EXTERNALS") == "1"


def require(condition: bool, what: str) -> None:
    """Skip (or fail, when externals are required) unless an external resource exists."""
    if condition:
        return
    if REQUIRE_EXTERNALS:
        pytest.fail(f"{what} is missing although `make test` should have installed it")
    pytest.skip(f"{what} is not installed")


@pytest.fixture
def prusa_shapes() -> Path:
    require(PRUSA_SHAPES.is_dir(), "PrusaSlicer's shape gallery (Debian package prusa-slicer)")
    return PRUSA_SHAPES


@pytest.fixture
def assimp_models() -> Path:
    require(ASSIMP_MODELS.is_dir(), "Debian package assimp-testmodels")
    return ASSIMP_MODELS


@pytest.fixture
def openscad_testdata() -> Path:
    require(OPENSCAD_TESTDATA.is_dir(), "Debian package openscad-testing-data")
    return OPENSCAD_TESTDATA


@pytest.fixture
def prusa_slicer() -> str:
    path = shutil.which("prusa-slicer")
    require(path is not None, "PrusaSlicer (Debian package prusa-slicer)")
    return path
