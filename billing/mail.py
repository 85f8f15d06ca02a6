"""Mail the billing module sends: quote requests to customer service, alerts to operations."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from .models import Enrollment


class Mailer:
    """Sends plain-text mail through an SMTP server."""

    def __init__(self, host: str, port: int, mail_from: str, timeout: float = 10.0):
        """Use the SMTP server at host:port; mail comes from `mail_from`."""
        self.host, self.port, self.mail_from, self.timeout = host, port, mail_from, timeout

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one message; raises OSError/SMTPException when the server cannot take it."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.mail_from, to, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def quote_request(enrollment: Enrollment) -> tuple[str, str]:
    """Subject and body of a quote request for customer service."""
    c, plan, a = enrollment.customer, enrollment.plan_snapshot, enrollment.service_address
    lines = [
        f"Quote request {enrollment.number} from the {enrollment.channel} channel.",
        "",
        f"Customer: {c.first_name} {c.last_name}" + (f", {c.business_name}" if c.business_name else ""),
        f"Email: {c.email}",
        f"Phone: {c.phone}",
        f"Preferred contact: {c.contact_method}, language {c.language}",
        "",
        f"Plan: {plan.get('name')} ({enrollment.plan_code}), {plan.get('term_months')} months, "
        f"{plan.get('rate_type')} rate",
        f"Premise: {a.get('line1')}, {a.get('city')} {a.get('state')} {a.get('zip')}; utility "
        f"{enrollment.utility_code}" + (f"; ESI ID {enrollment.esi_id}" if enrollment.esi_id else ""),
    ]
    return f"Quote request {enrollment.number}: {plan.get('name')}", "\n".join(lines)


def on_hold_alert(enrollment: Enrollment, attempts: int, error: str) -> tuple[str, str]:
    """Subject and body of the alert sent when retries run out (no customer details)."""
    return (f"Enrollment {enrollment.number} is On Hold: billing system unreachable",
            f"Enrollment {enrollment.number} could not be delivered after {attempts} attempts "
            f"(last error: {error}).\nIt is On Hold; resubmit it from the operations queue once "
            "the billing system is reachable.")
