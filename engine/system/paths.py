"""Whether a path from outside can serve as a folder we read from (and may
create): the one check behind the MNIST data location and ``--data-dir``."""
from __future__ import annotations

import os
from pathlib import Path


def folder_problem(folder: str | os.PathLike) -> str | None:
    """Why ``folder`` cannot serve as a folder to read (and create), in words, or None.

    A folder that does not exist yet is fine (it can be made) as long as what
    exists of its path is folders; an existing one must be a readable folder."""
    path = Path(folder)
    try:
        if path.exists():
            if not path.is_dir():
                return f"{path} is not a folder"
            if not os.access(path, os.R_OK | os.X_OK):
                return f"{path} cannot be read"
            return None
        for parent in path.parents:
            if parent.exists():
                return None if parent.is_dir() else f"{parent} is a file, not a folder"
    except (OSError, ValueError) as exc:
        return f"{path.name[:40]}... cannot be used ({getattr(exc, 'strerror', None) or exc})"
    return None
