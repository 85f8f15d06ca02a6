#!/usr/bin/env bash
# Runs every test (unit, integration on SQLite and PostgreSQL, end-to-end in Chromium),
# installing what they need: Debian's chromium, postgresql and redis-server when missing, and
# this project with its test extras, every package at the version pinned in the lock,
# requirements/constraints.txt (scripts/lock.sh regenerates it). A throwaway PostgreSQL and
# Redis are started for the run and stopped afterwards; tests that need them fail (never skip)
# without them. Extra arguments go to pytest, e.g. `scripts/test.sh tests -k promo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

apt_install chromium postgresql redis-server
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    -c requirements/constraints.txt -e '.[test]'
start_postgres
start_redis
python3 -m ruff check  # lint and bandit first: either failing fails the run
python3 -m bandit -q -r wizard billing config -c pyproject.toml
python3 -m pytest "$@"
