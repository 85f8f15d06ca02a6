"""Importing the ZIP map: checked row by row, all or nothing, and idempotent."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from wizard.admin.models import AuditEntry
from wizard.catalog.models import ServiceArea


def pairs(session, *zips: str) -> set[tuple[str, str]]:
    return set(tuple(r) for r in session.execute(select(ServiceArea.zip, ServiceArea.utility_code)
                               .where(ServiceArea.zip.in_(zips))))


def run(runner, tmp_path: Path, text: str):
    path = tmp_path / "zips.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["catalog", "import-zips", str(path)])


def test_import_adds_and_replaces_the_zips_it_lists(runner, session, tmp_path):
    result = run(runner, tmp_path, "zip,utility\n75001,oncor\n75001,tnmp\n77550,centerpoint\n")
    assert result.exit_code == 0, result.output
    assert "Imported 2 ZIP code(s): 2 pair(s) added, 1 removed, 1 unchanged." in result.output
    assert pairs(session, "75001", "77550") == {("75001", "oncor"), ("75001", "tnmp"), ("77550", "centerpoint")}
    assert pairs(session, "75201") == {("75201", "oncor")}  # not in the file: untouched


def test_reimporting_the_same_file_changes_nothing(runner, session, tmp_path):
    text = "zip,utility\n75001,oncor\n79601,aep_north\n"
    run(runner, tmp_path, text)
    before = set(tuple(r) for r in session.execute(select(ServiceArea.zip, ServiceArea.utility_code)))
    again = run(runner, tmp_path, text)
    assert "0 pair(s) added, 0 removed, 2 unchanged" in again.output
    assert set(tuple(r) for r in session.execute(select(ServiceArea.zip, ServiceArea.utility_code))) == before
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "service_area")).all()
    assert [(e.actor, e.action, e.after["added"]) for e in entries] == [("command line", "import", 1)]


def test_errors_are_reported_by_line_and_nothing_is_imported(runner, session, tmp_path):
    result = run(runner, tmp_path, "zip,utility\n75001,oncor\n7500,oncor\n75002,nosuch\n75001,oncor\n75003\n"
                                   "\n75004,tnmp,extra\n")
    assert result.exit_code != 0
    for text in ("line 3: ZIP '7500' is not 5 digits", "line 4: unknown utility 'nosuch'",
                 "line 5: repeats line 2 (75001,oncor)", "line 6: expected 2 values (zip,utility), found 1",
                 "line 8: expected 2 values (zip,utility), found 3", "Nothing imported: 5 problems"):
        assert text in result.output
    assert pairs(session, "75001") == set()


def test_header_is_required(runner, tmp_path):
    result = run(runner, tmp_path, "75001,oncor\n")
    assert result.exit_code != 0 and "line 1: the first line must be the header: zip,utility" in result.output
