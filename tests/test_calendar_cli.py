"""``casework calendar import``: a valid year is added to CALENDAR_DIR; a bad file, or a
year that has a calendar already (without --replace), is refused and changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_MASTER_KEY_RING
from tests.unit.deadlines.test_calendar_files import GOOD

CASEWORK = str(Path(sys.executable).parent / "casework")


def _import(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CALENDAR_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'unused.db'}",
        "MASTER_KEYS": TEST_MASTER_KEY_RING,
        "IDENTITY_HASH_KEY": "calendar-cli-test",
        "LOG_FORMAT": "json",
    }
    return subprocess.run(
        [CASEWORK, "calendar", "import", *args],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_year_is_imported_once_and_a_bad_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "calendars"
    folder.mkdir()
    good, bad = tmp_path / "2027.json", tmp_path / "bad.json"
    good.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    bad.write_text(json.dumps({**GOOD, "workdays": ["2027-02-10"]}), encoding="utf-8")

    imported = _import(folder, str(good))
    again = _import(folder, str(good))
    replaced = _import(folder, str(good), "--replace")
    refused = _import(folder, str(bad))

    assert imported.returncode == 0, imported.stderr
    assert "2027 calendar 2027.1: 2 holidays, 1 make-up working days" in imported.stdout
    written = json.loads((folder / "2027.json").read_text(encoding="utf-8"))
    assert written["source"] == GOOD["source"] and written["workdays"] == ["2027-02-06"]
    assert again.returncode != 0 and "pass --replace" in again.stderr
    assert replaced.returncode == 0, replaced.stderr
    assert refused.returncode != 0 and "weekdays: 2027-02-10" in refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["2027.json"]
