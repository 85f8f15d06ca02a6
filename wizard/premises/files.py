"""An extract file as rows: the CSV itself or the one file inside a .zip, its bytes counted for the
progress, decoded as UTF-8 (a byte that is not is read as Windows-1252, as older exports wrote it)."""
from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from pathlib import Path
from typing import IO, Any, Iterator


class Refused(Exception):
    """The file cannot be imported at all; the message tells the person importing it why."""


def _cp1252(error: UnicodeError) -> tuple[str, int]:
    """Decode a byte that is not UTF-8 as Windows-1252 (an accented letter from an old export)."""
    assert isinstance(error, UnicodeDecodeError)  # nosec B101: registered for decoding only
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("premise-cp1252", _cp1252)


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


@contextlib.contextmanager
def open_extract(path: Path) -> Iterator[tuple[IO[bytes], int]]:
    """The extract's bytes and their number: the file itself, or the one file inside a .zip."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
            if len(members) != 1:
                raise Refused(f"The ZIP file holds {len(members)} files: it must hold one, the extract (CSV).")
            if members[0].flag_bits & 0x1:
                raise Refused("The ZIP file is password-protected: unzip it, or zip the extract without a password.")
            with archive.open(members[0]) as raw:
                yield raw, members[0].file_size
    else:
        with path.open("rb") as raw:
            yield raw, path.stat().st_size


def csv_rows(raw: IO[bytes]) -> tuple[Any, Counted]:
    """A csv reader over the extract's bytes, and the counter of the bytes it has read."""
    counted = Counted(raw)
    text = io.TextIOWrapper(io.BufferedReader(counted, 1 << 20), encoding="utf-8-sig", errors="premise-cp1252",
                            newline="")
    return csv.reader(text), counted
