"""The folders show the architecture: every feature package says what it owns, and the README's
layout names every package and module a newcomer will find."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = sorted(p.parent for p in (ROOT / "wizard").rglob("__init__.py")
                  if "migrations" not in p.parts) + [ROOT / "billing"]


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_package_says_what_it_owns(package: Path):
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert docstring and len(docstring) > 40, f"{package.relative_to(ROOT)}/__init__.py needs a docstring"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_readme_layout_names_every_package_and_its_modules(package: Path):
    block = layout_block()
    folder = f"{package.relative_to(ROOT)}/"
    assert folder in block, f"README layout does not name {folder}"
    entry = block[block.index(folder):]
    entry = entry.split("\nwizard/", 1)[0].split("\nbilling/", 1)[0] if package.name != "billing" else entry
    if package.name in ("billing",):
        return  # the billing module's files are described in its own docstring
    words = set(re.findall(r"[a-z_0-9]+", entry))
    for module in sorted(package.glob("*.py")):
        if module.stem != "__init__":
            assert module.stem in words, f"README layout does not mention {module.relative_to(ROOT)}"


def test_no_flat_modules_left_beside_the_feature_packages():
    flat = sorted(p.name for p in (ROOT / "wizard").glob("*.py"))
    assert flat == ["__init__.py", "app.py"], f"put these in a feature package or wizard/core: {flat}"


def test_readme_layout_names_every_top_level_folder():
    block = layout_block()
    folders = sorted(p.name for p in ROOT.iterdir()
                     if p.is_dir() and not p.name.startswith((".", "_")) and p.name not in ("instance", "build")
                     and not p.name.endswith(".egg-info") and any(p.iterdir()))
    missing = [f for f in folders if f"{f}/" not in block]
    assert not missing, f"README layout does not name {missing}"
