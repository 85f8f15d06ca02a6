"""Delivery guarantees against a real stand-in billing process, real SMTP and real databases."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, update

import billing
from billing import BillingSettings, Status
from billing.filedrop import FileDrop
from billing.models import Enrollment, OutboxItem, utcnow
from billing.webservice import WebService

from .billing_fixtures import SmtpServer, StandInProcess, make_enrollment, wait_for

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
    def drained() -> bool:
        billing.drain(store, system, cipher, settings)
        return _unsent(store) == 0

    wait_for(drained, limit_seconds, "the outbox to drain", every=0.01)


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


def _expire_claims(store) -> None:
    """Every claim's lease runs out now, as if its worker had stalled (or died) that long."""
    with store() as s:
        s.execute(update(OutboxItem).where(OutboxItem.claimed_until.is_not(None))
                  .values(claimed_until=utcnow() - dt.timedelta(seconds=1)))
        s.commit()


class StalledPastItsLease:
    """Worker A's way to the billing system: A stalls past its lease while it sends, so worker B
    takes the row over and runs to the end (`take_over`) before A's own call comes back."""

    def __init__(self, system: WebService, take_over):
        self.system, self.take_over = system, take_over

    def create_prospect(self, prospect: billing.Prospect) -> billing.Outcome:
        self.take_over()
        return self.system.create_prospect(prospect)


@pytest.mark.parametrize("a_gets", ["the prospect", "no answer"])
def test_a_worker_that_lost_its_claim_while_sending_records_nothing_and_does_not_crash(
        store, cipher, standin, caplog, a_gets):
    add(store, cipher, 1)
    settings = BillingSettings(**FAST)
    by_b = []

    def worker_b_takes_over() -> None:
        _expire_claims(store)
        by_b.append(billing.drain(store, web(standin), cipher, settings))

    # A's own call reaches the real stand-in, or a port where nothing listens (a refused connection)
    a_calls = web(standin) if a_gets == "the prospect" else WebService(StandInProcess().url, None)
    with caplog.at_level("WARNING", logger="billing"):
        by_a = billing.drain(store, StalledPastItsLease(a_calls, worker_b_takes_over), cipher, settings)
    assert (by_b[0].sent, by_a.sent, by_a.failed, by_a.lost) == (1, 0, 0, 1)
    assert "EN-TEST0000: this worker's claim ran out while it was sending" in caplog.text
    stats = standin.stats()
    assert stats["prospects_created"] == 1  # A's late send, if it got through, was recognised as a replay
    assert stats["create_requests"] == (2 if a_gets == "the prospect" else 1)
    with store() as s:
        e = s.scalar(select(Enrollment))
        assert [(h.from_status, h.to_status) for h in e.history] == [(None, Status.NEW), (Status.NEW, Status.PENDING)]
        item = s.scalar(select(OutboxItem))
        assert item.attempts == 1 and item.sent_at is not None and item.last_error is None
        assert (item.claimed_until, item.claim_token) == (None, None)
    assert billing.drain(store, web(standin), cipher, settings).sent == 0  # sent once: done


def test_each_rows_lease_is_renewed_just_before_it_is_sent(store, cipher, standin):
    """A batch is claimed at once and sent row after row: each send gets a whole lease of its own."""
    add(store, cipher, 2)
    settings = BillingSettings(**FAST, lease=dt.timedelta(seconds=60))
    lease_left = {}

    class Watching:
        def create_prospect(self, prospect: billing.Prospect) -> billing.Outcome:
            with store() as s:
                if prospect.enrollment_number == "EN-TEST0000":  # as if this send took all but 1 s of the lease
                    s.execute(update(OutboxItem).where(OutboxItem.id == 2)
                              .values(claimed_until=utcnow() + dt.timedelta(seconds=1)))
                    s.commit()
                claimed_until = s.scalar(select(OutboxItem.claimed_until).join(Enrollment)
                                         .where(Enrollment.number == prospect.enrollment_number))
            lease_left[prospect.enrollment_number] = (claimed_until - utcnow()).total_seconds()
            return web(standin).create_prospect(prospect)

    assert billing.drain(store, Watching(), cipher, settings).sent == 2
    assert 55 < lease_left["EN-TEST0001"] <= 60, lease_left


def _open_transactions(database_url: str) -> int:
    """Other connections inside a transaction now (SQLite: those holding a write lock)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        import sqlite3
        probe = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return 0
        except sqlite3.OperationalError:  # database is locked
            return 1
        finally:
            probe.close()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as c:
            return c.scalar(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"))
    finally:
        engine.dispose()


def test_no_database_transaction_is_open_while_the_billing_system_is_called(store, cipher, standin, database_url):
    add(store, cipher, 1)
    with store() as s:
        make_enrollment(s, cipher, 2, plan_code="BIZQUOTE", plan_snapshot={"name": "Business Custom Quote",
                                                                          "quote_request": True})
    seen = {}

    class Watching:
        def create_prospect(self, prospect: billing.Prospect) -> billing.Outcome:
            seen["create prospect"] = _open_transactions(database_url)
            return web(standin).create_prospect(prospect)

    with SmtpServer() as smtp:
        class WatchingMailer(billing.Mailer):
            def send(self, to: str, subject: str, body: str) -> None:
                seen.setdefault("mail", _open_transactions(database_url))
                super().send(to, subject, body)

        settings = BillingSettings(smtp_host="127.0.0.1", smtp_port=smtp.port)
        report = billing.drain(store, Watching(), cipher, settings,
                               mailer=WatchingMailer("127.0.0.1", smtp.port, "enrollments@supplier.test"))
        assert "Quote request EN-TEST0002" in smtp.inbox.messages[0]["data"]
    assert report.sent == 2 and seen == {"create prospect": 0, "mail": 0}
    assert statuses(store) == {Status.PENDING.value: 1, Status.ON_HOLD_QUOTE.value: 1}


def _worker(database_url: str, cipher_key: str, standin: StandInProcess, log: Path, lease: float) -> subprocess.Popen:
    """`flask billing worker` with 1 s + 2 s HTTP timeouts: `lease` must be at least 9 s."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "worker-test", "AUTO_MIGRATE": "0",
           "FIELD_ENCRYPTION_KEYS": cipher_key, "BILLING_ADAPTER": "web_service", "BILLING_URL": standin.url,
           "BILLING_LEASE": str(lease), "BILLING_CONNECT_TIMEOUT": "1", "BILLING_READ_TIMEOUT": "2",
           "BILLING_BACKOFF_BASE": "0.01", "BILLING_BACKOFF_CAP": "0.05",
           "BILLING_POLL_INTERVAL": "3600", "BILLING_DRAIN_IN_PROCESS": "0", "INSTANCE_PATH": str(log.parent),
           "ALLOW_INSECURE_HTTP": "1"}
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "billing", "worker",
                                 "--idle", "0.05"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait(condition, seconds: float, what: str, *workers: subprocess.Popen) -> None:
    """Wait for `condition`; a worker that exits meanwhile fails the test at once."""
    def met() -> bool:
        for w in workers:
            if w.poll() is not None:
                raise AssertionError(f"a worker exited with {w.returncode}: {Path(w.args[0]).name} {w.args[1:]}")
        return condition()

    wait_for(met, seconds, what, every=0.05)


def _stop(*workers: subprocess.Popen, seconds: float = 60) -> list[int]:
    """SIGTERM the workers and answer their exit codes; one still running after `seconds` is killed
    (so it cannot outlive the test) and fails it. A worker finishes its current pass first, and a
    status poll of a thousand enrollments takes a while on a busy machine."""
    for w in workers:
        w.send_signal(signal.SIGTERM)
    try:
        return [w.wait(timeout=seconds) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()


def _unsent(store) -> int:
    with store() as s:
        return s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.sent_at.is_(None)))


def test_worker_killed_with_sigkill_mid_batch_then_restarted_loses_and_duplicates_nothing(
        store, cipher, cipher_key, standin, database_url, tmp_path):
    add(store, cipher, 200)
    standin.fault("slow", delay=0.01)
    worker = _worker(database_url, cipher_key, standin, tmp_path / "worker1.log", lease=9)
    try:
        _wait(lambda: standin.stats()["prospects_created"] >= 40, 60, "the first deliveries", worker)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert _unsent(store) > 0, "the worker finished before it could be killed"
    restarted = _worker(database_url, cipher_key, standin, tmp_path / "worker2.log", lease=9)
    try:  # the killed worker's claims are taken over once their lease (9 s) has run out
        _wait(lambda: _unsent(store) == 0, 90, "the restarted worker to finish", restarted)
    finally:
        assert _stop(restarted) == [0]  # SIGTERM: a clean stop
    assert standin.stats()["prospects_created"] == 200
    counts = statuses(store)  # the worker also polls: some may be accepted already
    assert set(counts) <= {Status.PENDING.value, Status.ACCEPTED.value} and sum(counts.values()) == 200
    assert "Stopped." in (tmp_path / "worker2.log").read_text()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # FOR UPDATE SKIP LOCKED
def test_two_workers_on_postgresql_never_send_a_row_twice(store, cipher, cipher_key, database_url, tmp_path):
    add(store, cipher, 1000)
    standin = StandInProcess(accept_after=3600).start()  # the workers' status polls find nothing to record
    try:
        workers = [_worker(database_url, cipher_key, standin, tmp_path / f"w{i}.log", lease=30) for i in (1, 2)]
        try:
            _wait(lambda: _unsent(store) == 0, 120, "both workers to drain the outbox", *workers)
        finally:
            assert _stop(*workers) == [0, 0]
        stats = standin.stats()
    finally:
        standin.stop()
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
        def on_hold() -> bool:  # each pass retries once the (tiny) backoff has passed
            billing.drain(store, web(standin), cipher, settings)
            with store() as s:
                return s.scalar(select(Enrollment.status)) == Status.ON_HOLD

        wait_for(on_hold, 10, "retries to run out", every=0.005)
        with store() as s:
            e = s.scalar(select(Enrollment))
            assert e.status == Status.ON_HOLD and "after 3 attempts" in e.status_message
        assert billing.drain(store, web(standin), cipher, settings).failed == 0  # given up: not retried
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
    with store() as s:
        sent = [billing.Sent(e.number, e.billing_reference) for e in s.scalars(select(Enrollment))]
    wait_for(lambda: len(web(standin).statuses(sent)) == 2, 10, "the stand-in to accept (after 0.3 s)")
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


class _PollerInStep(WebService):
    """The real web-service adapter, held after reading the answers until the other poller has them too."""

    def __init__(self, url: str, barrier: threading.Barrier):
        super().__init__(url, None, connect_timeout=1.0, read_timeout=5.0)
        self.barrier = barrier

    def statuses(self, sent):
        reports = super().statuses(sent)
        self.barrier.wait(timeout=30)
        return reports


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # several pollers: PostgreSQL only
def test_two_pollers_with_the_same_answers_record_each_acceptance_once(store, cipher, database_url):
    standin = StandInProcess(accept_after=0).start()
    try:
        add(store, cipher, 50)
        drain_until_done(store, web(standin), cipher, BillingSettings(**FAST))
        barrier = threading.Barrier(2)
        pollers = [_PollerInStep(standin.url, barrier) for _ in range(2)]
        changed: list[int] = []
        threads = [threading.Thread(target=lambda p=p: changed.append(
            billing.poll_statuses(store, p, BillingSettings(**FAST), force=True))) for p in pollers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        standin.stop()
    assert len(changed) == 2 and sum(changed) == 50  # between them, each enrollment changed once
    assert statuses(store) == {Status.ACCEPTED.value: 50}
    with store() as s:
        accepted = s.execute(select(billing.StatusChange.enrollment_id, func.count())
                             .where(billing.StatusChange.to_status == Status.ACCEPTED.value)
                             .group_by(billing.StatusChange.enrollment_id)).all()
    assert len(accepted) == 50 and {n for _, n in accepted} == {1}
