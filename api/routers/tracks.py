"""The steps of every kind of help, as routes generated from the registry's specs: one
router per track, ``POST /cases/{case_id}/<segment>`` for a new item and
``POST /cases/{case_id}/<segment>/{<item>_id}/<action>`` for a step on one."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from api.problems import PROBLEMS, STEP_PROBLEMS
from api.steps import StepDep
from services.cases.model import CaseFile
from services.cases.registry import TRACKS
from services.cases.tracks import StepRule, TrackSpec

Endpoint = Callable[..., Awaitable[CaseFile]]


def _parameter(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)


def _endpoint(track: TrackSpec[Any], rule: StepRule, on_item: bool) -> Endpoint:
    """A route function taking ``rule``'s step, with the signature FastAPI reads."""
    item_param = track.item_param
    created = f"{track.routes.segment}/{track.items.prefix}"

    async def take_step(**values: Any) -> CaseFile:
        writer, case_id, body = values["writer"], values["case_id"], values["body"]
        if on_item:
            return await writer.apply(case_id, body, target=values[item_param])
        return await writer.apply(case_id, body, created=created)

    item_id = Annotated[
        str, Path(pattern=track.routes.item_pattern, examples=[f"{track.items.prefix}7"])
    ]
    parameters = [
        _parameter("case_id", uuid.UUID),
        *([_parameter(item_param, item_id)] if on_item else []),
        _parameter("body", rule.step),
        _parameter("writer", StepDep),
    ]
    take_step.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=CaseFile
    )
    return take_step


def track_router(track: TrackSpec[Any]) -> APIRouter:
    # Every route here is a step.
    router = APIRouter(
        prefix="/cases/{case_id}", tags=[track.routes.tag], responses=PROBLEMS | STEP_PROBLEMS
    )
    for rule, route, path in track.routed_steps():
        on_item = bool(route.action)
        router.add_api_route(
            f"/{path}",
            _endpoint(track, rule, on_item),
            methods=["POST"],
            name=route.name,
            description=route.description,
            response_model=CaseFile,
            status_code=status.HTTP_200_OK if on_item else status.HTTP_201_CREATED,
        )
    return router


routers = [track_router(track) for track in TRACKS]
