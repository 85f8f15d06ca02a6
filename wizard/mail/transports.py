"""Where finished messages go: files in the instance folder (embedded default) or SMTP."""
from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Optional, Protocol


class Transport(Protocol):
    """Sends one finished message; raises OSError or smtplib.SMTPException when it cannot."""

    def send(self, message: EmailMessage) -> None: ...


class FileTransport:
    """Writes each message as an .eml file (atomically: never seen half-written), for development
    and tests; the dev mailbox page (`/dev/mail`) lists them."""

    def __init__(self, folder: str | Path):
        """Write into `folder` (created if missing)."""
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = message["X-Mail-Id"] or "message"
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(bytes(message))
        os.replace(temp, self.folder / f"{name}.eml")


class SmtpTransport:
    """SMTP with STARTTLS when the server offers it (required when `starttls` is True), and login
    when a username is given."""

    def __init__(self, host: str, port: int, username: Optional[str] = None, password: Optional[str] = None,
                 starttls: bool = True, timeout: float = 10.0, cafile: Optional[str] = None):
        """Send through host:port; `cafile` adds a CA to trust for STARTTLS (a private mail relay)."""
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.timeout, self.cafile = starttls, timeout, cafile

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
