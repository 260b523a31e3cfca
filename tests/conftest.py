"""Shared fixtures. App-specific fixtures live in the app's test folder's conftest.py."""

import pytest


@pytest.fixture
def output_dir(request, tmp_path_factory):
    """A folder for a test's artefacts (screenshots, generated media) under test-output/."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "test-output"
    path = root / request.node.nodeid.replace("/", "_").replace("::", "__").replace("[", "_").replace("]", "")
    path.mkdir(parents=True, exist_ok=True)
    return path
