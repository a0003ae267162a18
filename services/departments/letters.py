"""The referral letter: a PDF in Chinese, made in pure Python (ReportLab's built-in CJK
font STSong-Light, which a PDF reader supplies: no font file is embedded or needed), with
the department's link also as a QR code.

The bytes are invariant (no creation time or random document id), so the letter made
for a referral is the same each time it is made, and its SHA-256 identifies it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
DEPARTMENT_NAMES = {"labour": "劳动保障监察大队", "justice": "司法局"}
CATEGORY_NAMES = {"veteran": "退役军人", "military_family": "军人家属", "martyr_family": "烈士遗属"}


@dataclass(frozen=True)
class Letter:
    """What a referral letter says (the claimant only as far as the department needs)."""

    centre: str
    department: str
    reference: str
    claimant_name: str
    claimant_category: str
    infringement: str
    infringer: str
    occurred_on: str | None
    evidence: tuple[str, ...]
    sent_at: datetime
    acknowledge_by: datetime | None
    link: str
    # The reference of the letter this one replaces (its link was revoked), if any.
    replaces: str | None = None


def render_letter(letter: Letter, timezone: str = "Asia/Shanghai") -> bytes:
    """The letter as PDF bytes (A4, one page for the usual length, more if needed)."""
    # ReportLab is imported here, not with the module: every process (the API's, the
    # CLI's) imports the read model's projectors, and only a projection makes letters.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    zone = ZoneInfo(timezone)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(f"转介函 {letter.reference}")
    canvas.setAuthor(letter.centre)
    width, height = A4
    left, line = 25 * mm, 7 * mm
    y = height - 30 * mm

    def text(value: str, size: int = 11, *, indent: float = 0) -> None:
        nonlocal y
        canvas.setFont(FONT, size)
        for chunk in _wrapped(value, int((width - 2 * left - indent) / (size * 1.0))):
            if y < 25 * mm:
                canvas.showPage()
                canvas.setFont(FONT, size)
                y = height - 25 * mm
            canvas.drawString(left + indent, y, chunk)
            y -= line if size <= 12 else line * 1.4

    canvas.setFont(FONT, 18)
    canvas.drawCentredString(width / 2, y, "侵权事项转介函")
    y -= line * 2
    text(f"编号：{letter.reference}")
    if letter.replaces:
        text(f"本函替代编号为 {letter.replaces} 的转介函，原函所附链接已停用。")
    text(f"{DEPARTMENT_NAMES.get(letter.department, letter.department)}：")
    y -= line / 2
    text(
        f"我中心（{letter.centre}）在为服务对象提供帮扶时发现如下侵权事项，属贵单位职责范围，"
        "现予转介，请依法受理并将受理情况及处理结果反馈我中心。",
        indent=22,
    )
    y -= line / 2
    category = CATEGORY_NAMES.get(letter.claimant_category, letter.claimant_category)
    text(f"服务对象：{letter.claimant_name}（{category}）")
    text(f"侵权方：{letter.infringer}")
    if letter.occurred_on:
        text(f"发生日期：{letter.occurred_on}")
    text("侵权情况：")
    text(letter.infringement, indent=22)
    text("证据清单：")
    for n, item in enumerate(letter.evidence or ("（无）",), start=1):
        text(f"{n}. {item}" if letter.evidence else item, indent=22)
    y -= line / 2
    text(f"转介日期：{letter.sent_at.astimezone(zone):%Y年%m月%d日}")
    if letter.acknowledge_by:
        text(f"请于 {letter.acknowledge_by.astimezone(zone):%Y年%m月%d日 %H:%M} 前确认受理。")
    text("受理、进展与结果请通过下列链接（或扫描二维码）反馈：")
    text(letter.link, size=9)
    _qr(canvas, letter.link, x=width - left - 35 * mm, y=max(y - 40 * mm, 20 * mm), size=35 * mm)
    canvas.setFont(FONT, 11)
    canvas.drawString(left, max(y - 20 * mm, 22 * mm), f"{letter.centre}（盖章）")
    canvas.save()
    return buffer.getvalue()


def _qr(canvas: Canvas, link: str, *, x: float, y: float, size: float) -> None:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(link)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _wrapped(value: str, per_line: int) -> list[str]:
    """Lines of at most ``per_line`` wide characters (a CJK character is one; two Latin
    letters are about one), split anywhere: Chinese has no spaces to split at."""
    lines: list[str] = []
    for paragraph in value.splitlines() or [""]:
        current, width = "", 0.0
        for char in paragraph:
            step = 1.0 if ord(char) > 0x2E80 else 0.55
            if width + step > per_line and current:
                lines.append(current)
                current, width = "", 0.0
            current += char
            width += step
        lines.append(current)
    return lines
