"""Rendering a console page: the reader's language, the menu they may use, the CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from api.console import i18n
from api.console.assets import asset_url
from api.console.catalog import StepForm
from api.console.labels import FIELDS, PAYLOAD_CHOICES, message_of, payload_message
from api.console.messages import problem_message
from api.console.session import LANGUAGE_COOKIE, csrf_token
from api.policy import POLICY
from casework.settings import Settings
from services.users.model import User

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class MenuItem:
    path: str
    label: str  # message id


def _menu() -> list[MenuItem]:
    from api.console.labels import N_

    # Each shows only to the roles its row allows.
    return [
        MenuItem("/console/", N_("My tasks")),
        MenuItem("/console/dashboard", N_("Dashboard")),
        MenuItem("/console/escalations", N_("Overdue work")),
        MenuItem("/console/cases", N_("Cases")),
        MenuItem("/console/cases/new", N_("New case")),
        MenuItem("/console/matters", N_("My legal matters")),
        MenuItem("/console/accounts", N_("Accounts")),
        MenuItem("/console/register", N_("Register")),
        MenuItem("/console/campaigns", N_("Holiday visits")),
    ]


def may(user: User | None, method: str, path: str) -> bool:
    """Whether the policy lets ``user`` call the route ``path`` (a route template)."""
    rule = POLICY.get((method, path))
    if rule is None or user is None:
        return bool(rule and rule.public)
    if user.must_change_password and not rule.before_password_change:
        return rule.public
    return rule.public or user.role in rule.roles


@cache
def _environment(language: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = i18n.translations(language)
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(
        label=lambda value: translations.ugettext(message_of(value)),
        tr=lambda message: translations.ugettext(message) if message else "",
        field_label=lambda name: FIELDS.get(name, name),
        # A choice is translated; what a person wrote is shown as written.
        said=lambda key, value: (
            translations.ugettext(payload_message(key, value)) if key in PAYLOAD_CHOICES else value
        ),
        problem_text=problem_message,
        kind_of=kind_of,
        asset=asset_url,
    )
    return environment


def kind_of(value: object) -> str:
    """How a template shows a value of an item (formatting is the reader's locale's)."""
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, Enum):
        return "enum"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, list):
        return "items" if value and isinstance(value[0], BaseModel) else "list"
    return "text"


def language_of(request: Request, user: User | None) -> str:
    chosen = user.language if user and user.language else request.cookies.get(LANGUAGE_COOKIE)
    return i18n.language_or_default(chosen)


def may_take(user: User, form: StepForm) -> bool:
    """Whether ``user`` may take the form's step: as the API's policy row of its route says."""
    return may(user, "POST", form.api_path)


def render(
    request: Request,
    template: str,
    *,
    user: User | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    language = language_of(request, user)
    response = HTMLResponse("", status_code=status_code)
    page = _environment(language).get_template(template)
    values: dict[str, Any] = {
        "request": request,
        "user": user,
        "language": language,
        "languages": i18n.LANGUAGES,
        "fmt": i18n.Formats(language, settings.centre_timezone),
        "csrf_token": csrf_token(request, response, settings),
        "menu": [item for item in _menu() if may(user, "GET", item.path)] if user else [],
        "here": request.url.path,  # the menu marks it; a page may say it is another
    }
    response.body = response.render(page.render(values | context))
    response.headers["Content-Length"] = str(len(response.body))
    response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    return response
