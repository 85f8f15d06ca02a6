"""The benchmarks: bench/run.sh runs run.py (the wizard) and the billing, ZIP and admin scripts beside it."""
