"""The one place workflow ids are made from case ids (and read back)."""

from __future__ import annotations

_CASE_PREFIX = "case-"


def case_workflow_id(case_id: str) -> str:
    return f"{_CASE_PREFIX}{case_id}"


def legal_matter_workflow_id(case_id: str, matter_id: str) -> str:
    return f"{case_workflow_id(case_id)}/matter-{matter_id}"


def case_id_from_workflow_id(workflow_id: str) -> str | None:
    if not workflow_id.startswith(_CASE_PREFIX):
        return None
    return workflow_id[len(_CASE_PREFIX) :].split("/", 1)[0]
