"""Every one-step test keeps the handwriting samples (another tab of the same
window) in its own temporary file, so the user's folder is never touched."""
from __future__ import annotations

import pytest

from engine.personal.sample_file import ENV_VAR


@pytest.fixture(autouse=True)
def personal_path(tmp_path, monkeypatch):
    path = tmp_path / "personal" / "my-set.npz"
    monkeypatch.setenv(ENV_VAR, str(path))
    return path
