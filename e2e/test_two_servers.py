"""Two gunicorn servers, one PostgreSQL: a customer's wizard alternates servers on every step."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from tests.helpers import ACKS, DALLAS_SWITCH
from tests.postgres import require as require_postgres

pytestmark = pytest.mark.e2e

POSTGRES = os.environ.get("TEST_POSTGRES_URL")
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


@pytest.fixture
def two_servers(tmp_path: Path):
    """Two gunicorn processes on different ports sharing one fresh PostgreSQL database."""
    require_postgres()
    name = "two_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "two-servers-secret",
           "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "BILLING_DROP_DIR": str(tmp_path / "drop"),
           "WEB_CONCURRENCY": "1", "INSTANCE_PATH": str(tmp_path / "instance"),
           "ALLOW_INSECURE_HTTP": "1"}  # plain http on 127.0.0.1
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    servers, procs = [], []
    try:
        for label in ("a", "b"):
            port = _free_port()
            with open(tmp_path / f"access-{label}.log", "w") as log:  # the server keeps its own copy
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
                    cwd=ROOT, env={**env, "BIND": f"127.0.0.1:{port}"}, stdout=log, stderr=subprocess.STDOUT))
            servers.append(f"http://127.0.0.1:{port}")
        for server, proc in zip(servers, procs, strict=True):
            _wait_ready(server, proc)
        yield servers, url, tmp_path
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _fill(page, answers: dict[str, str]) -> None:
    for name, value in answers.items():
        field = page.locator(f"[name='{name}']").first
        kind = field.get_attribute("type")
        if kind == "radio":
            page.locator(f"[name='{name}'][value='{value}']").check()
        elif kind == "checkbox":
            field.check()
        elif field.is_visible():
            field.fill(value)


def test_whole_wizard_alternating_between_two_servers(page, two_servers):
    (a, b), url, tmp_path = two_servers
    steps = list(DALLAS_SWITCH.items()) + [("review", ACKS)]
    for i, (slug, answers) in enumerate(steps):
        server = (a, b)[i % 2]
        path = "/signup/review" if slug == "review" else f"/signup/{slug}"
        page.goto(server + path)
        assert page.url == server + path, f"{slug}: sent to {page.url}"  # the draft was found here
        if slug == "plans":
            page.locator("button[name=plan][value=SAVER12]").click()
        else:
            _fill(page, answers)
            page.get_by_role("button", name="Enroll now" if slug == "review" else "Continue").click()
        next_path = "/signup/confirmation" if slug == "review" else None
        if next_path:
            page.wait_for_url(server + next_path)
        else:
            page.wait_for_function("p => location.pathname !== p", arg=path)
    assert page.get_by_role("heading", name="You're enrolled").is_visible()
    number = page.locator(".enrollment-number").inner_text()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as c:
        rows = c.exec_driver_sql("SELECT number, status FROM enrollment").all()
    engine.dispose()
    assert rows == [(number, "New Enrollment Saved")]
    for label in ("a", "b"):
        log = (tmp_path / f"access-{label}.log").read_text()
        assert "POST /signup/" in log, f"server {label} served no step"
