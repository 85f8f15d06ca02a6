"""The mail outbox: queued with its cause, delivered once (files or real SMTP), retried with
backoff while the server is down, given up when retries run out; the development mailbox."""
from __future__ import annotations

import datetime as dt
import threading
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wizard.core.extensions import db
from wizard.mail import outbox
from wizard.mail.kinds import BUILDERS, Message, mail_kind
from wizard.mail.models import MailMessage
from wizard.mail.transports import FileTransport, SmtpTransport

from .billing_fixtures import SmtpServer
from .mail_helpers import deliver_mail, text_of

SETTINGS = outbox.MailSettings(mail_from="enrollments@example.com", from_name="Lone Star Power",
                               backoff_base=60, backoff_cap=60, max_attempts=3)


if "test_note" not in BUILDERS:
    @mail_kind("test_note")
    def _note(context: dict, sent_at: dt.datetime) -> Message:
        if context.get("broken"):
            raise KeyError("a builder bug")
        return Message(f"Note {context['n']}", "unused", {**context, "sent_at": sent_at.isoformat()})


def render(template: str, context: dict) -> tuple[str, str]:
    return f"Note {context['n']} sent at {context['sent_at']}", f"<p>Note {context['n']}</p>"


def queue(app, n: int = 1, **extra) -> None:
    with db.sessionmaker(app)() as session:
        for i in range(n):
            outbox.queue(session, "test_note", f"c{i}@example.com", {"n": i, **extra},
                         attachments=[outbox.Attachment("efl.pdf", "application/pdf", b"%PDF-1.4 test")])
        session.commit()


def count(app, *where) -> int:
    with db.sessionmaker(app)() as session:
        return session.scalar(select(func.count()).select_from(MailMessage).where(*where))


def test_a_message_exists_only_if_its_cause_was_committed(app):
    with db.sessionmaker(app)() as session:
        outbox.queue(session, "test_note", "a@example.com", {"n": 1})
        session.rollback()
    assert count(app) == 0


def test_a_keyed_message_is_queued_once(app):
    with db.sessionmaker(app)() as session:
        assert outbox.queue(session, "test_note", "a@example.com", {"n": 1}, key="waitlist:75201:a") is not None
        session.commit()
        assert outbox.queue(session, "test_note", "a@example.com", {"n": 1}, key="waitlist:75201:a") is None
        session.commit()
    assert count(app) == 1


def test_an_unknown_kind_is_refused_when_queued_not_when_sent(app):
    with db.sessionmaker(app)() as session, pytest.raises(ValueError, match="unknown mail kind"):
        outbox.queue(session, "no_such_kind", "a@example.com", {})


def test_file_transport_writes_whole_messages_with_text_html_and_attachments(app, tmp_path):
    queue(app, 2)
    folder = tmp_path / "out"
    report = outbox.drain(db.sessionmaker(app), FileTransport(folder), render, SETTINGS)
    assert report.sent == 2
    files = sorted(folder.iterdir())
    assert [p.suffix for p in files] == [".eml", ".eml"]  # nothing half-written left behind
    message = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert message["To"] == "c0@example.com" and message["Subject"] == "Note 0"
    assert message["From"] == "Lone Star Power <enrollments@example.com>"
    assert text_of(message).startswith("Note 0 sent at ")
    assert [(a.get_filename(), a.get_content()) for a in message.iter_attachments()] == [("efl.pdf", b"%PDF-1.4 test")]
    assert outbox.drain(db.sessionmaker(app), FileTransport(folder), render, SETTINGS).sent == 0  # nothing twice


def test_smtp_down_then_up_delivers_each_message_once_with_backoff(app):
    queue(app, 3)
    with SmtpServer() as smtp:
        port = smtp.port
    transport = SmtpTransport("127.0.0.1", port, starttls=False, timeout=2)
    down = outbox.drain(db.sessionmaker(app), transport, render, SETTINGS)  # nobody listens on the port
    assert (down.sent, down.failed) == (0, 3)
    with db.sessionmaker(app)() as session:
        rows = session.scalars(select(MailMessage)).all()
        assert all(r.attempts == 1 and r.last_error and r.available_at > r.created_at for r in rows)
        for r in rows:
            r.available_at = r.created_at  # the backoff has passed
        session.commit()
    with SmtpServer() as smtp:
        transport = SmtpTransport("127.0.0.1", smtp.port, starttls=False, timeout=2)
        assert outbox.drain(db.sessionmaker(app), transport, render, SETTINGS).sent == 3
        assert outbox.drain(db.sessionmaker(app), transport, render, SETTINGS).sent == 0
        received = sorted(m["to"][0] for m in smtp.inbox.messages)
    assert received == ["c0@example.com", "c1@example.com", "c2@example.com"]
    assert count(app, MailMessage.sent_at.is_not(None)) == 3


def test_retries_run_out_and_the_message_is_given_up(app, caplog):
    queue(app, 1)
    with SmtpServer() as smtp:
        port = smtp.port
    transport = SmtpTransport("127.0.0.1", port, starttls=False, timeout=2)
    for _ in range(SETTINGS.max_attempts):
        with db.sessionmaker(app)() as session:
            session.execute(MailMessage.__table__.update().values(available_at=dt.datetime(2000, 1, 1)))
            session.commit()
        report = outbox.drain(db.sessionmaker(app), transport, render, SETTINGS)
    assert report.gave_up == 1
    assert count(app, MailMessage.gave_up_at.is_not(None)) == 1
    assert "given up after 3 attempts" in caplog.text


def test_a_message_that_cannot_be_built_is_given_up_at_once_and_logged(app, tmp_path, caplog):
    queue(app, 1, broken=True)
    report = outbox.drain(db.sessionmaker(app), FileTransport(tmp_path / "out"), render, SETTINGS)
    assert report.gave_up == 1 and not (tmp_path / "out").exists()
    assert "could not be built" in caplog.text


def test_two_workers_share_the_queue_and_send_nothing_twice(app):
    queue(app, 120)
    with SmtpServer() as smtp:
        transport = SmtpTransport("127.0.0.1", smtp.port, starttls=False, timeout=5)
        small = outbox.MailSettings(**{**SETTINGS.__dict__, "batch_size": 7})
        threads = [threading.Thread(target=outbox.drain, args=(db.sessionmaker(app), transport, render, small))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        received = [m["to"][0] for m in smtp.inbox.messages]
    assert len(received) == 120 and len(set(received)) == 120
    assert count(app, MailMessage.sent_at.is_not(None)) == 120


def test_the_app_sends_through_its_file_transport(app):
    queue(app, 1)
    messages = deliver_mail_with(app)
    assert [m["To"] for m in messages] == ["c0@example.com"]


def deliver_mail_with(app):
    """`deliver_mail` with this module's renderer (the test kind has no templates)."""
    from wizard.mail import runner

    original = runner.renderer
    runner.renderer = lambda _app: render  # type: ignore[assignment]
    try:
        return deliver_mail(app)
    finally:
        runner.renderer = original


def test_the_development_mailbox_shows_messages_only_to_this_machine(app):
    queue(app, 1)
    deliver_mail_with(app)
    client = app.test_client()
    inbox = client.get("/dev/mail/")
    assert inbox.status_code == 200 and "Note 0" in inbox.get_data(as_text=True)
    name = Path(sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"))[0]).stem
    shown = client.get(f"/dev/mail/{name}").get_data(as_text=True)
    assert "c0@example.com" in shown and "efl.pdf" in shown and "Note 0 sent at" in shown
    attachment = client.get(f"/dev/mail/{name}/attachments/0")
    assert attachment.data == b"%PDF-1.4 test" and attachment.mimetype == "application/pdf"
    html = client.get(f"/dev/mail/{name}/html")
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert client.get("/dev/mail/", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get("/dev/mail/../../etc/passwd").status_code == 404


def test_the_development_mailbox_is_off_with_smtp(make_app):
    app = make_app(MAIL_TRANSPORT="smtp")
    assert app.test_client().get("/dev/mail/").status_code == 404


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 and its key, written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_smtp_with_starttls_and_login_as_production_sends(app, tmp_path):
    """A relay that requires STARTTLS and a login: the transport upgrades, checks the certificate
    against SMTP_CA_FILE, logs in, sends; a wrong password is a retry, never a silent loss."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from .billing_fixtures import Inbox, free_port

    cert, key = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"wizard", b"s3cret")
        return AuthResult(success=ok)

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
                            auth_required=True, authenticator=authenticator)
    controller.start()
    try:
        queue(app, 2)
        wrong = SmtpTransport("127.0.0.1", port, "wizard", "nope", starttls=True, timeout=5, cafile=str(cert))
        assert outbox.drain(db.sessionmaker(app), wrong, render, SETTINGS).failed == 2
        with db.sessionmaker(app)() as session:
            session.execute(MailMessage.__table__.update().values(available_at=dt.datetime(2000, 1, 1)))
            session.commit()
        right = SmtpTransport("127.0.0.1", port, "wizard", "s3cret", starttls=True, timeout=5, cafile=str(cert))
        assert outbox.drain(db.sessionmaker(app), right, render, SETTINGS).sent == 2
    finally:
        controller.stop()
    assert sorted(m["to"][0] for m in inbox.messages) == ["c0@example.com", "c1@example.com"]


def test_starttls_refuses_a_server_whose_certificate_is_not_trusted(app, tmp_path):
    import ssl

    from aiosmtpd.controller import Controller

    from .billing_fixtures import Inbox, free_port

    cert, key = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True)
    controller.start()
    try:
        queue(app, 1)
        untrusting = SmtpTransport("127.0.0.1", port, starttls=True, timeout=5)  # system CAs only
        assert outbox.drain(db.sessionmaker(app), untrusting, render, SETTINGS).failed == 1
    finally:
        controller.stop()
    assert inbox.messages == []
