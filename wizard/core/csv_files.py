"""Uploaded CSV files as text: UTF-8 (with or without a byte-order mark), a byte that is not UTF-8
read as Windows-1252 (an accented letter from an older export, or Excel's plain "CSV"), the bytes
counted as they are read so a long import can show how far it is."""
from __future__ import annotations

import codecs
import csv
import io
from typing import IO, Any

#: The error handler's name, for `bytes.decode(..., errors=CP1252_FALLBACK)`.
CP1252_FALLBACK = "cp1252-fallback"


def _cp1252(error: UnicodeError) -> tuple[str, int]:
    """Decode a byte that is not UTF-8 as Windows-1252."""
    assert isinstance(error, UnicodeDecodeError)  # nosec B101: registered for decoding only
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error(CP1252_FALLBACK, _cp1252)


class Counted(io.RawIOBase):
    """A binary stream that counts the bytes read through it and notices NUL bytes."""

    def __init__(self, raw: IO[bytes]):
        self.raw, self.count, self.nul = raw, 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self.nul = self.nul or b"\x00" in data
        return n


def csv_rows(raw: IO[bytes]) -> tuple[Any, Counted]:
    """A csv reader over a file's bytes, and the counter of the bytes it has read."""
    counted = Counted(raw)
    text = io.TextIOWrapper(io.BufferedReader(counted, 1 << 20), encoding="utf-8-sig", errors=CP1252_FALLBACK,
                            newline="")
    return csv.reader(text), counted


def decode(data: bytes) -> str:
    """A whole (small) file's text, decoded as `csv_rows` decodes a stream."""
    return data.decode("utf-8-sig", errors=CP1252_FALLBACK)
