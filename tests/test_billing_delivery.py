"""Delivery guarantees against a real stand-in billing process, real SMTP and real databases."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import func, select

import billing
from billing import BillingSettings, Status
from billing.filedrop import FileDrop
from billing.models import Enrollment, OutboxItem
from billing.webservice import WebService

from .billing_fixtures import SmtpServer, StandInProcess, make_enrollment

ROOT = Path(__file__).resolve().parent.parent
FAST = dict(backoff_base=0.001, backoff_cap=0.005, max_attempts=1000, batch_size=100)


@pytest.fixture
def standin():
    process = StandInProcess(accept_after=0.3).start()
    yield process
    process.stop()


def web(standin: StandInProcess, **kw) -> WebService:
    return WebService(standin.url, None, connect_timeout=kw.get("connect", 1.0), read_timeout=kw.get("read", 2.0))


def statuses(store) -> dict[str, int]:
    with store() as s:
        return dict(s.execute(select(Enrollment.status, func.count()).group_by(Enrollment.status)).all())


def add(store, cipher, n: int, **changes) -> None:
    with store() as s:
        for i in range(n):
            make_enrollment(s, cipher, i, commit=False, **changes)
        s.commit()


def drain_until_done(store, system, cipher, settings, limit_seconds: float = 60) -> None:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        billing.drain(store, system, cipher, settings)
        with store() as s:
            if not s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.sent_at.is_(None))):
                return
        time.sleep(0.01)
    raise AssertionError("outbox not drained in time")


def test_billing_down_during_500_enrollments_then_up_delivers_each_exactly_once(store, cipher, standin):
    add(store, cipher, 500)
    standin.fault("down")
    settings = BillingSettings(**FAST)
    report = billing.drain(store, web(standin), cipher, settings)
    assert report.sent == 0 and report.failed >= 500
    assert statuses(store) == {Status.CONNECTION_ERROR.value: 500}
    assert standin.stats()["prospects_created"] == 0
    standin.fault("none")
    drain_until_done(store, web(standin), cipher, settings)
    stats = standin.stats()
    assert stats["prospects_created"] == 500 and stats["replayed_requests"] == 0
    assert statuses(store) == {Status.PENDING.value: 500}
    with store() as s:
        history = s.scalars(select(billing.StatusChange.to_status).where(billing.StatusChange.enrollment_id == 1)
                            .order_by(billing.StatusChange.id)).all()
    assert history == [Status.NEW, Status.CONNECTION_ERROR, Status.PENDING]


def test_a_resend_after_a_crash_is_recognised_by_its_idempotency_key(store, cipher, standin):
    """Sent, then the worker died before recording it: the next attempt creates nothing new."""
    add(store, cipher, 1)
    with store() as s:
        prospect = billing.Prospect.from_enrollment(s.scalar(select(Enrollment)), cipher)
    web(standin).create_prospect(prospect)  # the send whose answer was never recorded
    billing.drain(store, web(standin), cipher, BillingSettings(**FAST))
    assert standin.stats()["prospects_created"] == 1 and standin.stats()["replayed_requests"] == 1
    assert statuses(store) == {Status.PENDING.value: 1}


def _worker(database_url: str, cipher_key: str, standin: StandInProcess, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "worker-test", "AUTO_MIGRATE": "0",
           "FIELD_ENCRYPTION_KEYS": cipher_key, "BILLING_ADAPTER": "web_service", "BILLING_URL": standin.url,
           "BILLING_LEASE": "1", "BILLING_BACKOFF_BASE": "0.01", "BILLING_BACKOFF_CAP": "0.05",
           "BILLING_POLL_INTERVAL": "3600", "BILLING_DRAIN_IN_PROCESS": "0", "INSTANCE_PATH": str(log.parent),
           "ALLOW_INSECURE_HTTP": "1"}
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "billing", "worker",
                                 "--idle", "0.05"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _unsent(store) -> int:
    with store() as s:
        return s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.sent_at.is_(None)))


def test_worker_killed_with_sigkill_mid_batch_then_restarted_loses_and_duplicates_nothing(
        store, cipher, cipher_key, standin, database_url, tmp_path):
    add(store, cipher, 200)
    standin.fault("slow", delay=0.01)
    worker = _worker(database_url, cipher_key, standin, tmp_path / "worker1.log")
    try:
        _wait(lambda: standin.stats()["prospects_created"] >= 40, 60, "the first deliveries")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert _unsent(store) > 0, "the worker finished before it could be killed"
    restarted = _worker(database_url, cipher_key, standin, tmp_path / "worker2.log")
    try:
        _wait(lambda: _unsent(store) == 0, 90, "the restarted worker to finish")
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=20) == 0  # SIGTERM: a clean stop
    assert standin.stats()["prospects_created"] == 200
    counts = statuses(store)  # the worker also polls: some may be accepted already
    assert set(counts) <= {Status.PENDING.value, Status.ACCEPTED.value} and sum(counts.values()) == 200
    assert "Stopped." in (tmp_path / "worker2.log").read_text()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # FOR UPDATE SKIP LOCKED
def test_two_workers_on_postgresql_never_send_a_row_twice(store, cipher, cipher_key, standin, database_url, tmp_path):
    add(store, cipher, 1000)
    workers = [_worker(database_url, cipher_key, standin, tmp_path / f"w{i}.log") for i in (1, 2)]
    try:
        _wait(lambda: _unsent(store) == 0, 120, "both workers to drain the outbox")
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(timeout=20)
    stats = standin.stats()
    assert stats["prospects_created"] == 1000 and stats["create_requests"] == 1000  # no row sent twice
    sent_by = [int((tmp_path / f"w{i}.log").read_text().split("Sent ")[1].split(";")[0]) for i in (1, 2)]
    assert sum(sent_by) == 1000 and min(sent_by) > 0, sent_by  # both took part


def test_malformed_answer_is_with_errors_and_not_retried(store, cipher, standin):
    add(store, cipher, 1)
    standin.fault("malformed")
    for _ in range(3):
        billing.drain(store, web(standin), cipher, BillingSettings(**FAST))
    with store() as s:
        e = s.scalar(select(Enrollment))
        assert e.status == Status.WITH_ERRORS and "could not be read" in e.status_message
    assert standin.stats()["create_requests"] == 1


def test_business_error_keeps_the_billing_systems_message(store, cipher, standin):
    add(store, cipher, 1)
    standin.fault("error", reason="Premise has a pending move-out")
    billing.drain(store, web(standin), cipher, BillingSettings(**FAST))
    billing.drain(store, web(standin), cipher, BillingSettings(**FAST))
    with store() as s:
        e = s.scalar(select(Enrollment))
        assert (e.status, e.status_message) == (Status.WITH_ERRORS, "Premise has a pending move-out")
    assert standin.stats()["create_requests"] == 1


def test_server_errors_back_off_instead_of_storming(store, cipher, standin):
    add(store, cipher, 1)
    standin.fault("500")
    settings = BillingSettings(backoff_base=60, backoff_cap=600)
    for _ in range(5):
        billing.drain(store, web(standin), cipher, settings)
    assert standin.stats()["create_requests"] == 1  # the next attempt waits for its backoff
    with store() as s:
        item = s.scalar(select(OutboxItem))
        assert item.enrollment.status == Status.CONNECTION_ERROR and "HTTP 500" in item.last_error
        assert item.available_at > item.created_at


def test_backoff_is_full_jitter_under_an_exponential_cap():
    import random
    rng = random.Random(7)
    waits = [billing.backoff(5, 2.0, 900, rng) for _ in range(2000)]
    assert 0 <= min(waits) < 2 and 60 < max(waits) <= 64  # uniform over [0, 2 * 2**5]
    assert all(billing.backoff(20, 2.0, 900, rng) <= 900 for _ in range(100))


def test_retries_run_out_on_hold_and_operations_alerted_by_mail(store, cipher, standin):
    add(store, cipher, 1)
    standin.fault("down")
    with SmtpServer() as smtp:
        settings = BillingSettings(backoff_base=0.001, backoff_cap=0.001, max_attempts=3, smtp_host="127.0.0.1",
                                   smtp_port=smtp.port, operations_email="ops@supplier.test")
        for _ in range(10):
            billing.drain(store, web(standin), cipher, settings)
            time.sleep(0.005)
        with store() as s:
            e = s.scalar(select(Enrollment))
            assert e.status == Status.ON_HOLD and "after 3 attempts" in e.status_message
        assert len(smtp.inbox.messages) == 1
        message = smtp.inbox.messages[0]
        assert message["to"] == ["ops@supplier.test"]
        assert "is On Hold" in message["data"] and "Garza" not in message["data"]  # no customer PII


def test_quote_request_plan_emails_customer_service_and_creates_no_prospect(store, cipher, standin):
    add(store, cipher, 1, plan_snapshot={"name": "Business Custom Quote", "term_months": 24, "rate_type": "indexed",
                                         "quote_request": True}, plan_code="BIZQUOTE")
    with SmtpServer() as smtp:
        settings = BillingSettings(smtp_host="127.0.0.1", smtp_port=smtp.port, customer_service_email="cs@supplier.test")
        billing.drain(store, web(standin), cipher, settings)
        assert smtp.inbox.messages[0]["to"] == ["cs@supplier.test"]
        body = smtp.inbox.messages[0]["data"]
        for text in ("Business Custom Quote", "ana@example.com", "+12145550100", "1200 Main St"):
            assert text in body
    assert statuses(store) == {Status.ON_HOLD_QUOTE.value: 1}
    assert standin.stats()["create_requests"] == 0


def test_polling_moves_to_accepted_with_start_date_or_rejected_with_reason(store, cipher, standin):
    add(store, cipher, 1)
    billing.drain(store, web(standin), cipher, BillingSettings(**FAST))
    standin.fault("reject", reason="ESI ID is inactive")
    with store() as s:
        make_enrollment(s, cipher, 99)
    billing.drain(store, web(standin), cipher, BillingSettings(**FAST))
    settings = BillingSettings(poll_interval=dt.timedelta(hours=1))
    time.sleep(0.4)  # the stand-in accepts after 0.3 s
    assert billing.poll_statuses(store, web(standin), settings) == 2
    assert billing.poll_statuses(store, web(standin), settings) == 0  # not due again for an hour
    with store() as s:
        accepted = s.scalar(select(Enrollment).where(Enrollment.number == "EN-TEST0000"))
        rejected = s.scalar(select(Enrollment).where(Enrollment.number == "EN-TEST0099"))
        assert accepted.status == Status.ACCEPTED and accepted.service_start_date is not None
        assert (rejected.status, rejected.status_message) == (Status.REJECTED, "ESI ID is inactive")
        assert [h.to_status for h in accepted.history] == [Status.NEW, Status.PENDING, Status.ACCEPTED]


def test_file_drop_files_are_never_seen_half_written(store, cipher, tmp_path):
    add(store, cipher, 150)
    drop = tmp_path / "drop"
    drop.mkdir()
    seen, broken, done = set(), [], threading.Event()

    def watch():
        while not done.is_set():
            for path in drop.glob("*.xml"):
                try:
                    ET.parse(path)
                    seen.add(path.name)
                except ET.ParseError as exc:
                    broken.append((path.name, str(exc)))
                except FileNotFoundError:
                    pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        billing.drain(store, FileDrop(drop), cipher, BillingSettings())
    finally:
        done.set()
        watcher.join()
    assert broken == [] and len(seen) > 0
    assert len(list(drop.glob("*.xml"))) == 150 and not list(drop.glob(".*"))


def test_file_drop_status_files_ingested_and_bad_ones_set_aside(store, cipher, tmp_path):
    add(store, cipher, 3)
    drop, inbox = tmp_path / "drop", tmp_path / "status"
    system = FileDrop(drop, inbox)
    billing.drain(store, system, cipher, BillingSettings())
    inbox.mkdir()
    (inbox / "a.xml").write_text("<ProspectStatus><EnrollmentNumber>EN-TEST0000</EnrollmentNumber>"
                                 "<Status>accepted</Status><StartDate>2026-12-03</StartDate></ProspectStatus>")
    (inbox / "b.xml").write_text("<ProspectStatus><EnrollmentNumber>EN-TEST0001</EnrollmentNumber>"
                                 "<Status>Rejected</Status><Reason>Customer not at premise</Reason></ProspectStatus>")
    (inbox / "c.xml").write_text("<ProspectStatus><EnrollmentNumber>EN-TEST0002")  # cut off
    (inbox / "d.xml").write_text("<ProspectStatus><EnrollmentNumber>EN-NOSUCH</EnrollmentNumber>"
                                 "<Status>accepted</Status></ProspectStatus>")
    (inbox / "e.xml").write_text("<ProspectStatus><EnrollmentNumber>EN-TEST0002</EnrollmentNumber>"
                                 "<Status>maybe</Status></ProspectStatus>")
    assert billing.poll_statuses(store, system, BillingSettings()) == 2
    with store() as s:
        by_number = {e.number: e for e in s.scalars(select(Enrollment))}
        assert by_number["EN-TEST0000"].status == Status.ACCEPTED
        assert by_number["EN-TEST0000"].service_start_date == dt.date(2026, 12, 3)
        assert (by_number["EN-TEST0001"].status, by_number["EN-TEST0001"].status_message) == (
            Status.REJECTED, "Customer not at premise")
        assert by_number["EN-TEST0002"].status == Status.AWAITING_RESPONSE
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["a.xml", "b.xml"]
    bad = sorted(p.name for p in (inbox / "bad").iterdir())
    assert bad == ["c.xml", "c.xml.error.txt", "d.xml", "d.xml.error.txt", "e.xml", "e.xml.error.txt"]
    assert "no enrollment numbered EN-NOSUCH" in (inbox / "bad" / "d.xml.error.txt").read_text()
    assert list(inbox.glob("*.xml")) == []
