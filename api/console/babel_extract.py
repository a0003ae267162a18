"""A Babel extractor for the help texts of step forms: the descriptions of the steps'
model fields, which live with the models (``services/``) and are shown translated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from api.console.catalog import step_forms
from api.console.forms import inputs_of


def step_descriptions(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor signature; run on this very file (babel.cfg)."""
    seen: set[str] = set()
    for form in step_forms():
        for made in inputs_of(form.model, late=True):
            if made.help and made.help not in seen:
                seen.add(made.help)
                yield 0, "gettext", made.help, [f"help text of {form.model.__name__}.{made.name}"]
