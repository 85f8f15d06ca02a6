#!/usr/bin/env bash
# The wizard's benchmarks in one command: `bench/run.sh` (extra arguments go to bench/run.py,
# e.g. `bench/run.sh --seconds 10`). Installs wrk from Debian when missing, starts a throwaway
# PostgreSQL (scripts/services.sh), serves the wizard and a bare Flask route with gunicorn and
# config/gunicorn.conf.py, prints every figure beside its target, and stops everything
# afterwards, also on failure or Ctrl-C; then times billing delivery with one and two workers
# (bench/billing_delivery.py) and the national ZIP import and catalog lookups
# (bench/zip_catalog.py), the admin's funnel report and audit log on a year of data
# (bench/admin_reports.py), and the address lookup of 16 customers typing at statewide scale,
# 8,000,000 premises, on PostgreSQL and SQLite, alone and beside the step mix
# (bench/premise_lookup.py; --skip-premises leaves it out). Takes about 20 minutes on 2 cores
# (4 without the premises). The premise import has its own: bench/premise_import.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

command -v wrk >/dev/null 2>&1 || apt_install wrk
start_postgres

# run.py in the background so that a TERM or Ctrl-C reaches it at once: it stops its gunicorns,
# then services.sh's EXIT trap stops PostgreSQL.
bench_pid=
stop_bench() {
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  exit 130
}
trap stop_bench INT TERM
premises=1
args=()
for a in "$@"; do if [ "$a" = --skip-premises ]; then premises=0; else args+=("$a"); fi; done
python3 bench/run.py "${args[@]}" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=
[ "$status" -eq 0 ] && { python3 bench/billing_delivery.py || status=$?; }
[ "$status" -eq 0 ] && { python3 -c 'import zipcodes' 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore -c requirements/constraints.txt zipcodes; python3 bench/zip_catalog.py || status=$?; }
[ "$status" -eq 0 ] && { python3 bench/admin_reports.py || status=$?; }
[ "$status" -eq 0 ] && [ "$premises" -eq 1 ] && { python3 bench/premise_lookup.py || status=$?; }
exit "$status"
