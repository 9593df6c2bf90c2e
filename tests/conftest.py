"""Fixtures shared by every pipeline's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from etl.core.paths import SHARED_DATA_DIR


def require_shared(*parts: str) -> Path:
    """A path under ../shared/data, or a skip with the reason.

    Under CI (`CI` set) a missing path fails instead: CI must never pass by
    skipping the real-data tests.
    """
    path = SHARED_DATA_DIR.joinpath(*parts)
    if not path.exists():
        reason = f"real data not found at {path} (../shared/data is absent on this machine)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture
def shared_data():
    """Call with path parts: `shared_data("votes", "votes.jsonl")`."""
    return require_shared
