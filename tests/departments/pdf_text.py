"""The text of a letter as ReportLab wrote it (no PDF library needed): its content
streams decoded (ASCII85, then Flate), and each shown string read as UTF-16 (the CJK
font's UniGB-UCS2-H encoding)."""

from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(
    rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", re.S
)
_SHOWN = re.compile(rb"/F2 \d+ Tf [\d.]+ TL \(((?:\\.|[^\\)])*)\) Tj", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)


def pdf_text(pdf: bytes) -> str:
    lines = []
    for stream in _STREAM.finditer(pdf):
        raw = stream.group(1).strip().removesuffix(b"~>")
        content = zlib.decompress(base64.a85decode(raw))
        for shown in _SHOWN.finditer(content):
            lines.append(_unescaped(shown.group(1)).decode("utf-16-be"))
    return "\n".join(lines)


def _unescaped(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(code, code)

    return _ESCAPE.sub(one, literal)
