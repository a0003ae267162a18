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


def campaign_workflow_id(campaign_id: str) -> str:
    """A campaign started by hand; a schedule's runs get ``campaign_series_workflow_id``
    with the time they were due appended by Temporal."""
    return f"campaign-{campaign_id}"


def campaign_series_workflow_id(centre: str, series: str) -> str:
    return f"campaign-{centre}-{series}"


def campaign_schedule_id(centre: str, series: str) -> str:
    return f"campaigns/{centre}/{series}"


def reassignment_workflow_id(reassignment_id: str) -> str:
    return f"reassignment-{reassignment_id}"
