#!/usr/bin/env bash
# Regenerates requirements/constraints.txt, the lock that pins every package this project
# installs (runtime, test and bench extras, and everything they pull in) for Python 3.11 on
# Linux x86_64. Run it after changing dependencies in pyproject.toml, or to take upgrades
# (`scripts/lock.sh --upgrade`, or `--upgrade-package NAME`), then run scripts/test.sh and
# commit the lock. Without those options, versions already locked are kept while they still
# satisfy pyproject.toml. The resolver is uv's (pinned below), in a throwaway virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
"$tools/venv/bin/uv" pip compile pyproject.toml --extra test --extra bench \
    --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
    --custom-compile-command scripts/lock.sh --output-file requirements/constraints.txt "$@"
