"""The baseline for the throughput figures: a trivial Flask route, no database, no templates.

Served by gunicorn with the wizard's own settings (`-c config/gunicorn.conf.py`, 2 sync workers),
so the ratio wizard/bare shows what the wizard itself costs on this machine:

    gunicorn -c config/gunicorn.conf.py --pythonpath bench bare:app
"""
from flask import Flask

app = Flask(__name__)

PAGE = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bare</title></head>"
        "<body><main><h1>Hello</h1><p>A trivial page to compare the wizard with.</p></main></body></html>")


@app.get("/")
def index() -> str:
    return PAGE
