"""Everything the console shows is in its one table of labels and in both catalogs."""

from __future__ import annotations

from typing import get_args

import pytest
from babel.messages.pofile import read_po
from pydantic import BaseModel, ValidationError

from api.console import i18n
from api.console.catalog import step_forms
from api.console.forms import inputs_of
from api.console.labels import EVENTS, FIELDS, VALUES, message_of
from api.console.messages import FIELD_ERRORS, PROBLEMS, VALUE_ERRORS, field_message
from api.problems import error_classes
from services.cases.model import Claimant
from services.cases.registry import TRACKS
from services.cases.steps import Step
from services.hardship_aid.model import Payment
from services.kernel.errors import DomainError
from services.legal_aid.model import DepartmentReferral
from services.training.model import EnrolTraining


def _catalog(language: str) -> dict[str, str]:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        return {m.id: m.string for m in read_po(file) if m.id}


def test_every_value_of_every_enum_the_console_shows_has_a_label() -> None:
    missing = [
        f"{kind.__name__}.{member.value}"
        for kind in VALUES
        for member in kind  # type: ignore[attr-defined]
        if message_of(member) == member.value
    ]

    assert missing == []


def test_every_step_kind_has_a_name_in_the_timeline() -> None:
    kinds = {choice.model_fields["kind"].default for choice in get_args(get_args(Step)[0])}

    assert kinds - set(EVENTS) == set()


def test_every_field_of_every_step_form_and_item_has_a_label() -> None:
    fields = {made.name for form in step_forms() for made in inputs_of(form.model, late=True)}
    # Every kind of help's items, and what they hold in lists (a matter's referrals).
    item_models = [track.items.model for track in TRACKS] + [DepartmentReferral, Payment]
    items = {name for model in item_models for name in model.model_fields}
    items -= {"id", "status", "follow_ups", "referrals"}  # shown by the page itself

    assert (fields | items) - set(FIELDS) == set()


@pytest.mark.parametrize("language", ["zh_CN"])
def test_the_chinese_catalog_translates_every_message(language: str) -> None:
    untranslated = [message for message, text in _catalog(language).items() if not text]

    assert untranslated == []


def test_both_catalogs_hold_the_same_messages_as_the_template() -> None:
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as file:
        template = {m.id for m in read_po(file) if m.id}

    assert set(_catalog("zh_CN")) == template
    assert set(_catalog("en")) == template


def test_every_label_and_message_is_in_the_catalogs() -> None:
    ids = {text for texts in VALUES.values() for text in texts.values()}
    ids |= set(EVENTS.values()) | set(FIELDS.values())
    ids |= set(PROBLEMS.values()) | set(FIELD_ERRORS.values()) | set(VALUE_ERRORS.values())
    ids |= {form.label for form in step_forms()}

    assert ids - set(_catalog("zh_CN")) == set()


def test_every_problem_the_api_can_answer_has_a_message_for_the_desk() -> None:
    import api.app  # noqa: F401  (every router, and with them every error they answer)

    codes = {error.code for error in error_classes(DomainError)}

    assert codes - set(PROBLEMS) - {DomainError.code} == set()


def test_texts_are_translated_when_shown() -> None:
    assert i18n.gettext("zh_CN", "Martyr's family") == "烈属"
    assert i18n.gettext("en", "Martyr's family") == "Martyr's family"


def test_enum_labels_do_not_collide_within_one_kind() -> None:
    for kind, texts in VALUES.items():
        assert len(set(texts.values())) == len(texts), kind


@pytest.mark.parametrize(
    ("model", "data", "field", "expected"),
    [
        (Claimant, {"name": "张三", "category": "veteran", "national_id": "123"}, "national_id",
         "身份证号码为18位：17位数字加1位校验码（0-9或X）。"),
        (Claimant, {"name": "张三", "category": "veteran", "phone": "12"}, "phone",
         "请填写11位手机号码，或以0开头的固定电话。"),
        (EnrolTraining, {"course": "c", "provider": "p", "starts_on": "2026-03-02",
                         "ends_on": "2026-03-01"}, "ends_on", "结束日期早于开始日期。"),
        (EnrolTraining, {"course": "c", "provider": "p", "starts_on": "2026-03-02"}, "ends_on",
         "必填。"),
    ],
)  # fmt: skip
def test_field_errors_are_told_in_the_readers_language(
    model: type[BaseModel], data: dict[str, str], field: str, expected: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    errors = {str(e["loc"][0]): field_message(e) for e in refused.value.errors()}

    assert i18n.gettext("zh_CN", errors[field]) == expected
