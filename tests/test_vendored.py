"""Vendored browser files are exactly the ones their manifests name."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

MANIFESTS = [ROOT / "api/console/static/VENDORED.md", ROOT / "tests/browser/vendor/VENDORED.md"]
ROW = re.compile(r"^\| `(?P<file>[^`]+)` \|.*\| `(?P<sha256>[0-9a-f]{64})` \|$")


def _rows(manifest: Path) -> list[tuple[Path, str]]:
    rows = [ROW.match(line) for line in manifest.read_text().splitlines()]
    return [(manifest.parent / m["file"], m["sha256"]) for m in rows if m]


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda path: path.parent.name)
def test_every_vendored_file_has_the_checksum_its_manifest_records(manifest: Path) -> None:
    rows = _rows(manifest)

    assert rows, f"{manifest} lists no file"
    for path, expected in rows:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == expected, path
