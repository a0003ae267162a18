"""A county's register, made up: people as county offices list them, and the
spreadsheet they keep (one row per person, Chinese headings). Used by the campaign
benchmark and by the tests of the import and the campaign."""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook

from services.cases.identity import birth_date_of
from services.cases.names import name_key, names_match
from services.register.model import CATEGORY_NAMES_ZH, Category

HEADINGS = (
    "姓名",
    "身份证号",
    "类别",
    "乡镇",
    "住址",
    "联系电话",
    "家庭成员",
    "困难",
    "独居老人",
    "残疾",
)
TOWNSHIPS = ("城关镇", "龙泉镇", "白河乡", "石门乡", "青山镇", "柳林乡", "双河镇", "大坪乡")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华玉兰桂珍国庆建平"
AREA_CODE = "420626"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Shares of a county's register: mostly veterans, then active-duty families, the bereaved.
CATEGORY_WEIGHTS = {
    Category.VETERAN: 50, Category.ACTIVE_DUTY_FAMILY: 20, Category.DISABLED_VETERAN: 8,
    Category.MARTYR_FAMILY: 4, Category.DUTY_DEATH_FAMILY: 2, Category.ILLNESS_DEATH_FAMILY: 3,
    Category.DEMOBILISED_VETERAN: 5, Category.ILL_RETURNED_VETERAN: 3, Category.COMBAT_VETERAN: 5,
}  # fmt: skip


def national_id(birth: date, serial: int, area: str = AREA_CODE) -> str:
    """A well-formed resident ID number (check digit included)."""
    body = f"{area}{birth:%Y%m%d}{serial % 1000:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def person_row(index: int, rng: random.Random) -> dict[str, Any]:
    """One spreadsheet row (heading → cell) of a made-up person; ``index`` keeps the ID
    number and the phone unique across a register."""
    birth = date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 70))
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    spouse = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return {
        "姓名": name,
        "身份证号": national_id(birth, index, area=f"{420600 + index // 1000 % 100:06d}"),
        "类别": CATEGORY_NAMES_ZH[category][0],
        "乡镇": rng.choice(TOWNSHIPS),
        "住址": f"{rng.choice(TOWNSHIPS)}{rng.randrange(1, 30)}村{rng.randrange(1, 12)}组",
        "联系电话": f"13{index % 10}{index:08d}"[-11:],
        "家庭成员": f"妻 {spouse}；子 {name[0]}{rng.choice(GIVEN)}",
        "困难": "是" if rng.random() < 0.12 else "",
        "独居老人": "是" if birth.year < 1950 and rng.random() < 0.3 else "",
        "残疾": "是" if category is Category.DISABLED_VETERAN else "",
    }


def people_rows(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` different people: a name and birth date that the duplicate rules would
    take for someone already listed is drawn again."""
    rng = random.Random(seed)  # noqa: S311 - made-up people, not secrets
    names_by_birth: dict[date, list[str]] = defaultdict(list)
    rows = []
    for index in range(count):
        while True:
            row = person_row(seed * 1_000_000 + index, rng)
            birth, key = birth_date_of(row["身份证号"]), name_key(row["姓名"])
            if not any(names_match(key, other) for other in names_by_birth[birth]):
                break
        names_by_birth[birth].append(key)
        rows.append(row)
    return rows


def spreadsheet(rows: list[dict[str, Any]], headings: tuple[str, ...] = HEADINGS) -> bytes:
    """The rows as a county office's .xlsx: a title row, then the headings, then people."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["某县优抚对象花名册"])
    sheet.append(list(headings))
    for row in rows:
        sheet.append([row.get(heading) for heading in headings])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
