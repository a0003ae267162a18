"""Where recorded workflow histories live, and how they are read back.

``histories/<set>/`` holds one set of recordings; ``current`` is what the recorder writes
by default. An older set is kept (renamed) while production may still run workflows
recorded by it: see docs/workflow-versioning.md. Each history is one run of one workflow,
the JSON of ``WorkflowHistory.to_json()`` gzip-compressed (``.json.gz``, a tenth of the
size; read one with ``zcat``). A plain ``.json`` history, e.g. one exported with
``temporal workflow show --output json``, is read as well. Each set's ``index.json`` names
its files with their workflow ids and what they cover.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from temporalio.client import WorkflowHistory

HISTORIES = Path(__file__).resolve().parent / "histories"
CURRENT = "current"
INDEX = "index.json"


@dataclass(frozen=True)
class Recorded:
    set: str
    file: str
    workflow_id: str
    workflow_type: str
    scenario: str
    covers: str
    events: int

    @property
    def path(self) -> Path:
        return HISTORIES / self.set / self.file

    @property
    def name(self) -> str:
        return f"{self.set}/{self.file}"

    def history(self) -> WorkflowHistory:
        data = self.path.read_bytes()
        if self.file.endswith(".gz"):
            data = gzip.decompress(data)
        return WorkflowHistory.from_json(self.workflow_id, data.decode())


def sets() -> list[str]:
    return sorted(index.parent.name for index in HISTORIES.glob(f"*/{INDEX}"))


def recorded(set_name: str | None = None) -> list[Recorded]:
    """Every recorded history of one set, or of all sets."""
    entries = []
    for name in [set_name] if set_name else sets():
        index = HISTORIES / name / INDEX
        if index.exists():
            entries += [Recorded(set=name, **row) for row in json.loads(index.read_text())]
    return entries


def write(
    history: WorkflowHistory,
    *,
    set_name: str,
    name: str,
    workflow_type: str,
    scenario: str,
    covers: str,
) -> Recorded:
    """Write ``history`` as ``<set>/<name>.json.gz``; return its index entry."""
    entry = Recorded(
        set=set_name,
        file=f"{name}.json.gz",
        workflow_id=history.workflow_id,
        workflow_type=workflow_type,
        scenario=scenario,
        covers=covers,
        events=len(history.events),
    )
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    entry.path.write_bytes(gzip.compress(history.to_json().encode(), mtime=0))
    return entry


def write_index(set_name: str, entries: list[Recorded]) -> None:
    """Write the set's index and remove the set's files it no longer lists."""
    folder = HISTORIES / set_name
    rows = [{k: v for k, v in asdict(entry).items() if k != "set"} for entry in entries]
    (folder / INDEX).write_text(json.dumps(rows, indent=2) + "\n")
    keep = {entry.file for entry in entries} | {INDEX}
    for stale in folder.iterdir():
        if stale.name not in keep:
            stale.unlink()
