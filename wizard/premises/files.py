"""An extract file as rows: the CSV itself or the one file inside a .zip, its bytes counted for the
progress, decoded as UTF-8 (a byte that is not is read as Windows-1252, as older exports wrote it):
its decoding and counting are `wizard.core.csv_files`, shared with the sales importer."""
from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path
from typing import IO, Iterator


class Refused(Exception):
    """The file cannot be imported at all; the message tells the person importing it why."""


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
