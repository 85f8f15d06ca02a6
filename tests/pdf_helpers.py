"""Reading the text of the simple PDFs the app generates (ReportLab, standard fonts), without a PDF library.

Good enough for our own files: each content stream is decoded (ASCII85, then inflated), and the strings shown by `Tj`
and `TJ` are decoded (WinAnsi, PDF escapes) and joined with spaces in page order. Lines a
paragraph wrapped are joined by one space, so sentences read whole.
"""
from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(rb"\bobj\s*<<((?:(?!endobj).)*?)>>\s*stream\r?\n", re.S)
_LENGTH = re.compile(rb"/Length (\d+)(?! \d+ R)")
_SHOWN = re.compile(rb"\[((?:\\.|[^\]\\])*)\]\s*TJ|\(((?:\\.|[^)\\])*)\)\s*Tj", re.S)
_STRING = re.compile(rb"\(((?:\\.|[^)\\])*)\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape(raw: bytes) -> str:
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c == b"\\" and i + 1 < len(raw):
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            out += _ESCAPES.get(raw[i + 1:i + 2], raw[i + 1:i + 2])
            i += 2
            continue
        out += c
        i += 1
    return out.decode("cp1252", "replace")


def content_streams(data: bytes) -> list[bytes]:
    """Every stream of the file, decoded (ASCII85, Flate) as its filters say."""
    streams = []
    for match in _STREAM.finditer(data):
        header, start = match.group(1), match.end()
        length = _LENGTH.search(header)
        assert length, "a stream without a direct /Length"
        body = data[start:start + int(length.group(1))]
        if b"ASCII85Decode" in header:
            body = base64.a85decode(re.sub(rb"\s+", b"", body).removesuffix(b"~>"))
        if b"FlateDecode" in header:
            body = zlib.decompress(body)
        streams.append(body)
    return streams


def pdf_text(data: bytes) -> str:
    """The text shown in the PDF, pieces joined by single spaces."""
    assert data.startswith(b"%PDF-"), "not a PDF"
    pieces = []
    for stream in content_streams(data):
        for array, single in _SHOWN.findall(stream):
            strings = _STRING.findall(array) if array else [single]
            pieces.append("".join(_unescape(s) for s in strings))
    return re.sub(r"\s+", " ", " ".join(pieces)).strip()


def pdf_metadata(data: bytes, key: str) -> str | None:
    """A document-information entry (Title, Author...) as written by ReportLab."""
    match = re.search(rb"/" + key.encode() + rb" \(((?:\\.|[^)\\])*)\)", data)
    return _unescape(match.group(1)) if match else None
