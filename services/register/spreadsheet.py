# ruff: noqa: RUF001 - Chinese text has full-width punctuation on purpose
"""Reading a county office's register spreadsheet: one row per person, Chinese headings.

The heading row is found by its 姓名 cell (a title row above it is common); columns are
known by their heading in any order, unknown ones are ignored and listed. Every cell
problem is collected with its row and column, so that a file is refused once, whole,
with all that is wrong in it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from services.kernel.errors import InvalidInput
from services.register.model import CATEGORY_NAMES_ZH, Category, Flag

MAX_ROWS = 20_000
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # a small upload that unpacks to gigabytes is refused
HEADING_SEARCH_ROWS = 10
# Field ← the headings county offices write for it (the first is the one we print).
HEADINGS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "national_id": ("身份证号", "身份证号码", "公民身份号码"),
    "birth_date": ("出生日期", "出生年月"),
    "category": ("类别", "优抚类别", "人员类别"),
    "township": ("乡镇", "乡镇（街道）", "乡镇(街道)", "所属乡镇", "乡镇街道"),
    "address": ("住址", "家庭住址", "地址"),
    "phone": ("联系电话", "电话", "手机号码", "手机"),
    "household": ("家庭成员",),
    Flag.IN_DIFFICULTY.value: ("困难", "困难家庭", "是否困难"),
    Flag.ELDERLY_ALONE.value: ("独居老人", "是否独居老人"),
    Flag.DISABLED.value: ("残疾", "是否残疾"),
    "contacts": ("联系人", "紧急联系人"),
    "note": ("备注",),
}
REQUIRED = ("name", "category", "township")
_FIELD_OF_HEADING = {heading: name for name, names in HEADINGS.items() for heading in names}
CATEGORY_OF_NAME = {zh: category for category, names in CATEGORY_NAMES_ZH.items() for zh in names}
CATEGORY_OF_NAME.update({category.value: category for category in Category})
YES = {"是", "√", "✓", "✔", "y", "yes", "1", "有", "true"}
NO = {"", "否", "×", "✗", "n", "no", "0", "无", "false"}
RELATIONS = {"妻", "夫", "配偶", "子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女",
             "父", "母", "父亲", "母亲", "兄", "弟", "姐", "妹", "孙子", "孙女", "儿媳",
             "女婿", "外孙", "外孙女"}  # fmt: skip
_SEPARATORS = re.compile(r"[；;、\n]+")
_PHONE_IN_TEXT = re.compile(r"\+?[\d\-() ]{7,}")


@dataclass(frozen=True)
class CellProblem:
    row: int
    column: str  # the heading as the file writes it
    cell: str  # A1-style reference, empty for a missing column
    message: str


@dataclass
class SheetRow:
    row: int
    values: dict[str, Any]  # field → what the row holds, converted for PersonIn
    cells: dict[str, str]  # field → A1 reference


@dataclass
class Sheet:
    rows: list[SheetRow] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)  # field → heading as written
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)

    def row_at(self, number: int) -> SheetRow:
        if len(self._by_number) != len(self.rows):
            self._by_number = {row.row: row for row in self.rows}
        return self._by_number[number]

    _by_number: dict[int, SheetRow] = field(default_factory=dict, repr=False)


def read_sheet(data: bytes) -> Sheet:
    """The first worksheet's rows; a file that is not a readable .xlsx is refused (422)."""
    rows = _worksheet_rows(data)
    heading_index = next(
        (i for i, row in enumerate(rows[:HEADING_SEARCH_ROWS]) if "姓名" in _texts(row)), None
    )
    if heading_index is None:
        raise InvalidInput("no heading row with 姓名 in the first rows of the sheet", field="file")
    sheet = Sheet()
    columns: dict[int, str] = {}
    for position, heading in enumerate(_texts(rows[heading_index])):
        if not heading:
            continue
        name = _FIELD_OF_HEADING.get(heading)
        if name is None or name in sheet.headings:
            sheet.ignored_columns.append(heading)
            continue
        columns[position], sheet.headings[name] = name, heading
    heading_row = heading_index + 1
    for name in REQUIRED:
        if name not in sheet.headings:
            sheet.problems.append(CellProblem(heading_row, HEADINGS[name][0], "", "column missing"))
    data_rows = rows[heading_index + 1 :]
    if len(data_rows) > MAX_ROWS:
        raise InvalidInput(f"more than {MAX_ROWS} rows: split the file", field="file")
    for offset, cells in enumerate(data_rows):
        number = heading_row + 1 + offset
        if all(value in (None, "") for value in cells):
            continue
        sheet.rows.append(_row(sheet, number, cells, columns))
    return sheet


def _worksheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise InvalidInput("the file unpacks to more than 64 MiB", field="file")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    except InvalidInput:
        raise
    except Exception:  # openpyxl and zipfile raise many kinds for a file that is not .xlsx
        raise InvalidInput("not a readable .xlsx spreadsheet", field="file") from None


def _row(sheet: Sheet, number: int, cells: tuple[Any, ...], columns: dict[int, str]) -> SheetRow:
    row = SheetRow(row=number, values={"flags": []}, cells={})
    for position, name in columns.items():
        value = cells[position] if position < len(cells) else None
        reference = f"{get_column_letter(position + 1)}{number}"
        row.cells[name] = reference
        try:
            _convert(row, name, value)
        except ValueError as problem:
            sheet.problems.append(
                CellProblem(number, sheet.headings[name], reference, str(problem))
            )
    return row


def _convert(row: SheetRow, name: str, value: Any) -> None:
    if name in (flag.value for flag in Flag):
        if _yes(value):
            row.values["flags"].append(name)
    elif name == "category":
        text = _text(value)
        if text not in CATEGORY_OF_NAME:
            raise ValueError(f"unknown category {text!r}; one of {', '.join(_official_names())}")
        row.values[name] = CATEGORY_OF_NAME[text]
    elif name == "national_id":
        if isinstance(value, int | float):
            raise ValueError("stored as a number, which loses digits: format the column as text")
        row.values[name] = _text(value) or None
    elif name == "birth_date":
        row.values[name] = _date(value)
    elif name == "household":
        row.values[name] = [_member(item) for item in _items(value)]
    elif name == "contacts":
        row.values[name] = [_contact(item) for item in _items(value)]
    else:
        row.values[name] = _text(value) or None


def _official_names() -> list[str]:
    return [names[0] for names in CATEGORY_NAMES_ZH.values()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into a number cell
    return str(value).strip()


def _texts(row: tuple[Any, ...]) -> list[str]:
    return [_text(value) for value in row]


def _yes(value: Any) -> bool:
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"{text!r} is neither 是 nor 否")


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    digits = [int(part) for part in re.findall(r"\d+", _text(value))]
    if len(digits) == 1 and len(str(digits[0])) == 8:  # 19500301
        text = str(digits[0])
        digits = [int(text[:4]), int(text[4:6]), int(text[6:])]
    if len(digits) != 3:
        raise ValueError("not a date: write it as 1950-03-01")
    return date(*digits)


def _items(value: Any) -> list[str]:
    return [item.strip() for item in _SEPARATORS.split(_text(value)) if item.strip()]


def _member(item: str) -> dict[str, str | None]:
    """妻 王芳, 王芳(妻), 王芳（妻）, 妻：王芳, or a name alone."""
    bracketed = re.fullmatch(r"(.+?)\s*[(（](.+?)[)）]", item)
    if bracketed:
        return {"name": bracketed[1], "relation": bracketed[2]}
    parts = re.split(r"\s*[:：]\s*|\s+", item, maxsplit=1)
    if len(parts) == 2:
        first, second = parts
        if first in RELATIONS:
            return {"name": second, "relation": first}
        if second in RELATIONS:
            return {"name": first, "relation": second}
    return {"name": item, "relation": None}


def _contact(item: str) -> dict[str, str | None]:
    """王芳(女儿) 13900001111, or 王芳 13900001111."""
    phone = _PHONE_IN_TEXT.search(item)
    if phone is None:
        raise ValueError(f"{item!r}: a contact needs a name and a phone number")
    rest = (item[: phone.start()] + item[phone.end() :]).strip()
    return {**_member(rest), "phone": phone[0].strip()} if rest else {"name": "", "phone": phone[0]}
