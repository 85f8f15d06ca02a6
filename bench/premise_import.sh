#!/usr/bin/env bash
# The premise import benchmark on a throwaway PostgreSQL (scripts/services.sh), stopped afterwards:
# `bench/premise_import.sh` (extra arguments go to bench/premise_import.py, e.g. `--rows 1000000`).
# The server gets settings a production server would have for an import of this size (2 GB of
# shared buffers, room for the ~6 GB of WAL a first statewide load writes between checkpoints);
# set PG_OPTIONS to try others. Writes the 1.5 GB statewide file once into /tmp/premise-bench.
# About 12 minutes on 2 cores (PostgreSQL ~6, SQLite ~6).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
export PG_OPTIONS="${PG_OPTIONS:--c shared_buffers=2GB -c max_wal_size=16GB -c wal_buffers=64MB}"
start_postgres
python3 bench/premise_import.py "$@"
