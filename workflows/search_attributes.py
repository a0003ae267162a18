"""Search attributes that let operators find cases in the Temporal CLI and UI (no PII)."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

from services.cases.model import CaseFile

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_CATEGORY = SearchAttributeKey.for_keyword("CaseCategory")
CASE_NEEDS = SearchAttributeKey.for_keyword_list("CaseNeeds")
CASE_CENTRE = SearchAttributeKey.for_keyword("CaseCentre")
CASE_LAWYER = SearchAttributeKey.for_keyword("CaseLawyer")

ALL_KEYS = (CASE_STAGE, CASE_CATEGORY, CASE_NEEDS, CASE_CENTRE, CASE_LAWYER)
# Set by Temporal itself on a run a schedule started: the time it was due, even when the
# run starts late (catching up after an outage).
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


def dev_server_flags() -> list[str]:
    """``--search-attribute`` flags that register every key on a dev server."""
    kinds = {CASE_NEEDS.name: "KeywordList"}
    flags: list[str] = []
    for key in ALL_KEYS:
        flags += ["--search-attribute", f"{key.name}={kinds.get(key.name, 'Keyword')}"]
    return flags


def pairs_for(case: CaseFile) -> list[SearchAttributeUpdate[Any]]:
    """What operators search cases by: never personal data."""
    pairs: list[SearchAttributeUpdate[Any]] = [
        CASE_STAGE.value_set(case.stage.value),
        CASE_CATEGORY.value_set(case.claimant.category.value),
        CASE_NEEDS.value_set([need.value for need in case.needs]),
        CASE_CENTRE.value_set(case.centre),
    ]
    if case.lawyer:
        pairs.append(CASE_LAWYER.value_set(case.lawyer))
    return pairs
