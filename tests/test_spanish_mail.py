"""Customer email in Spanish (issue 14): a message is written in its recipient's language, fixed
when it is queued, whichever request (or none) the mail worker sends it from.

The enrollment emails follow the customer's language (the about-you step, the switch); the
"finish later" link follows the draft's; the wait list's the page where the address was left.
Mail is read as the customer receives it: through a real SMTP server (aiosmtpd), or the .eml
files of the file transport (tests/mail_helpers.py).
"""
from __future__ import annotations

import datetime as dt
import re
from email import policy
from email.message import EmailMessage
from email.parser import Parser
from html import unescape

import pytest
from babel.dates import format_date
from sqlalchemy import select

from wizard.core import dates
from wizard.mail.models import MailMessage
from wizard.mail.runner import drain_once
from wizard.signup.mails import enrollment_accepted, enrollment_confirmation

from .billing_fixtures import SmtpServer
from .helpers import DALLAS_SWITCH, Wizard, csrf_token
from .mail_helpers import deliver_mail, html_of, text_of

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


def in_spanish(day: dt.date) -> str:
    """miércoles, 25 de noviembre de 2026."""
    return format_date(day, "full", locale="es_US")


def in_english(day: dt.date) -> str:
    return f"{day:%A, %B} {day.day}, {day.year}"


def customer(app, language: str, email: str, username: str, switch: bool = False, **headers: str) -> Wizard:
    """A new Dallas customer enrolls on Lone Star Saver 12, choosing `language` on the about-you
    step (after the header's switch, when `switch`)."""
    client = app.test_client()
    if headers:
        client.environ_base.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    wizard = Wizard(client)
    if switch:
        token = csrf_token(client.get("/signup/zip").get_data(as_text=True))
        switched = client.post("/signup/language", data={"switch_language": language, "next": "/signup/zip",
                                                         "csrf_token": token})
        assert switched.status_code in (302, 303)
    wizard.walk({**DALLAS_SWITCH, "about-you": {**DALLAS_SWITCH["about-you"], "language": language, "email": email},
                 "credentials": {**DALLAS_SWITCH["credentials"], "username": username}})
    assert wizard.submit().location.endswith("/signup/confirmation")
    return wizard


def received(inbox) -> dict[str, EmailMessage]:
    """The messages the SMTP server received, by recipient."""
    messages = [Parser(policy=policy.default).parsestr(m["data"]) for m in inbox.messages]
    return {m["To"]: m for m in messages}  # type: ignore[misc]


def sent_day(message: EmailMessage) -> dt.date:
    return dates.market_day(message["Date"].datetime.astimezone(dt.UTC).replace(tzinfo=None))


@pytest.mark.parametrize("how", ["accept-language", "switch"])
def test_a_spanish_speaker_gets_the_confirmation_in_spanish_over_smtp(make_app, how):
    with SmtpServer() as smtp:
        app = make_app(MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_STARTTLS=False)
        if how == "switch":
            customer(app, "es", "ana@example.com", "ana.garza", switch=True)
        else:
            customer(app, "es", "ana@example.com", "ana.garza", **SPANISH)
        assert drain_once(app).sent == 1
        message = received(smtp.inbox)["ana@example.com"]

    number = re.search(r"\((EN-[A-Z0-9]+)\)", message["Subject"]).group(1)
    assert message["Subject"] == f"Inscripción confirmada: Ahorro Lone Star 12 ({number})"
    body = text_of(message)
    day = sent_day(message)
    assert body.startswith("Hola, Ana:")
    assert f"Número de inscripción: {number}" in body
    assert "Plan: Ahorro Lone Star 12 (12 meses, 11.9¢ por kWh)" in body
    assert "Dirección de servicio: 1200 Main St, Apt 4, Dallas, TX 75201" in body
    deadline = in_spanish(dates.rescission_ends(day, 3))
    assert re.search(r"\bde (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
                     r"diciembre) de 20\d\d\b", deadline)
    assert ("Puede cancelar sin cargo dentro de 3 días hábiles federales después de recibir los Términos de "
            f"Servicio (TOS), es decir, hasta el {deadline}.") in body
    assert f"Inicio: Cambio en la primera fecha disponible, alrededor del {in_spanish(dates.first_available_switch(day, 3))}" \
        in body
    assert "SU DERECHO A CANCELAR" in body and "QUÉ SIGUE" in body and "Gracias," in body
    assert "You're enrolled" not in body and "Hello" not in body

    html = unescape(html_of(message))
    assert '<html lang="es">' in html
    assert f"<title>Inscripción confirmada: Ahorro Lone Star 12 ({number})</title>" in html
    assert f"es decir, hasta el <strong>{deadline}</strong>." in html
    assert '<a href="http://localhost/account/" style="color:#0b4f8a;">Mi Cuenta</a>' in html
    assert "le envió este correo sobre su inscripción" in html
    # The plan's documents are attached, in Spanish too.
    assert [part.get_filename() for part in message.iter_attachments()] == [
        "Etiqueta-de-Datos-de-Electricidad-EFL-SAVER12-v1.pdf", "Terminos-de-Servicio-TOS-SAVER12-v1.pdf",
        "Sus-Derechos-como-Cliente-YRAC-SAVER12-v1.pdf"]


def test_each_customer_gets_their_own_language_whatever_request_the_drain_runs_in(make_app):
    """Ana chose Spanish, Bob English; the worker sends both in one pass from inside a Spanish
    request (as a dev server's thread might): each is written in its customer's language."""
    with SmtpServer() as smtp:
        app = make_app(MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_STARTTLS=False)
        customer(app, "es", "ana@example.com", "ana.garza", **SPANISH)
        customer(app, "en", "bob@example.com", "bob.smith", **SPANISH)  # a Spanish browser, English chosen
        with app.test_request_context("/signup/zip", headers=SPANISH):
            assert drain_once(app).sent == 2
        mail = received(smtp.inbox)

    ana, bob = mail["ana@example.com"], mail["bob@example.com"]
    assert ana["Subject"].startswith("Inscripción confirmada: Ahorro Lone Star 12 (EN-")
    assert bob["Subject"].startswith("You're enrolled: Lone Star Saver 12 (EN-")
    bob_body = text_of(bob)
    assert bob_body.startswith("Hello Ana,")  # the wizard's test customer is Ana, at bob@example.com
    deadline = in_english(dates.rescission_ends(sent_day(bob), 3))
    assert f"that is until {deadline}." in bob_body
    assert "Puede cancelar" not in bob_body and "Hola" not in bob_body
    assert '<html lang="en">' in html_of(bob) and '<html lang="es">' in html_of(ana)


def test_the_language_is_kept_with_the_message_when_it_is_queued(app, session):
    customer(app, "es", "ana@example.com", "ana.garza", **SPANISH)
    customer(app, "en", "bob@example.com", "bob.smith")
    kept = {m.to: (m.kind, m.context["language"]) for m in session.scalars(select(MailMessage))}
    assert kept == {"ana@example.com": ("enrollment_confirmation", "es"),
                    "bob@example.com": ("enrollment_confirmation", "en")}


def test_a_message_queued_before_languages_were_kept_is_sent_in_english(app, session):
    customer(app, "es", "ana@example.com", "ana.garza", **SPANISH)
    row = session.scalar(select(MailMessage))
    row.context = {k: v for k, v in row.context.items() if k != "language"}
    session.commit()
    [message] = deliver_mail(app)
    assert message["Subject"].startswith("You're enrolled: ")


def test_the_status_emails_speak_the_language_they_are_built_in(app):
    context = {"number": "EN-TEST0001", "first_name": "Ana", "plan_name": "Lone Star Saver 12",
               "plan_name_es": "Ahorro Lone Star 12", "service_start_date": "2026-12-03"}
    from wizard.core.i18n import speaking

    with app.app_context(), speaking("es"):
        accepted = enrollment_accepted(context, dt.datetime(2026, 11, 24, 15, 0))
        confirmation = enrollment_confirmation(
            {"number": "EN-TEST0001", "plan": {"name": "Lone Star Saver 12", "name_es": "Ahorro Lone Star 12"},
             "rescission_business_days": 3, "enrollment_type": "move_in", "start_timing": "first_available",
             "requested_date": "2026-12-10"}, dt.datetime(2026, 11, 24, 15, 0))
    assert accepted.subject == "Su inscripción EN-TEST0001 fue aceptada"
    assert accepted.context["service_start_date"] == "jueves, 3 de diciembre de 2026"
    assert confirmation.subject == "Inscripción confirmada: Ahorro Lone Star 12 (EN-TEST0001)"
    assert confirmation.context["start"] == "Mudanza el jueves, 10 de diciembre de 2026"
    assert confirmation.context["rescission_ends"] == "lunes, 30 de noviembre de 2026"


def test_the_finish_later_link_is_emailed_in_the_drafts_language(app, session):
    wizard = Wizard(app.test_client())
    wizard.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    wizard.walk({**DALLAS_SWITCH, "about-you": {**DALLAS_SWITCH["about-you"], "language": "es"}}, until="premise")
    left = wizard.post("/signup/premise", {"nav": "later"})
    assert left.status_code == 303 and left.location.endswith("/signup/finish-later"), left.location
    sent = wizard.post("/signup/finish-later", {"email": "ana@example.com"})
    assert sent.status_code == 303 and sent.location.endswith("/signup/finish-later/sent")
    [message] = deliver_mail(app)
    assert message["Subject"] == "Su enlace para terminar la inscripción"
    body = text_of(message)
    assert body.startswith("Hola:") and "El enlace funciona una sola vez, hasta el " in body
    assert re.search(r"hasta el \d{1,2} de [a-z]+ de 20\d\d, \d{1,2}:\d\d [ap]\.\s?m\. C[SD]T\.", body), body
    assert "Guardamos sus respuestas durante 72 horas" in body


def test_the_wait_list_email_speaks_the_language_of_the_page_where_the_address_was_left(make_app, session, tmp_path):
    app = make_app(SITE_URL="https://signup.example.com")
    for email, headers in (("pat@example.com", SPANISH), ("lee@example.com", {"Accept-Language": "en-US"})):
        wizard = Wizard(app.test_client())
        wizard.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = headers["Accept-Language"]
        assert wizard.post("/signup/zip", {"zip": "10001"}).location.endswith("/signup/not-served")
        assert wizard.post("/signup/not-served", {"email": email}).status_code == 200
    zips = tmp_path / "zips.csv"
    zips.write_text("zip,utility\n10001,oncor\n", encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["catalog", "import-zips", str(zips)]).exit_code == 0

    mail = {m["To"]: m for m in deliver_mail(app)}
    pat, lee = mail["pat@example.com"], mail["lee@example.com"]
    assert pat["Subject"] == "Lone Star Power ya da servicio en el código postal 10001"
    assert ("Nos pidió avisarle cuando Lone Star Power empezara a dar servicio en el código postal 10001. "
            "Ya lo hacemos.") in text_of(pat)
    assert "Quite su dirección de nuestra lista de espera" in html_of(pat)
    assert lee["Subject"] == "Lone Star Power now serves ZIP code 10001"
    assert "You asked us to tell you when Lone Star Power starts serving ZIP code 10001." in text_of(lee)


def test_a_forgotten_username_is_emailed_in_the_language_of_the_page_it_was_asked_on(app, session):
    customer(app, "en", "ana@example.com", "ana.garza")
    deliver_mail(app)  # the confirmation
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    token = csrf_token(client.get("/account/forgot-username").get_data(as_text=True))
    assert client.post("/account/forgot-username", data={"email": "ana@example.com", "csrf_token": token}).status_code == 303
    [message] = deliver_mail(app)
    assert message["Subject"] == "Su nombre de usuario de Mi Cuenta"
    body = text_of(message)
    assert body.startswith("Hola:") and "Nombre de usuario: ana.garza" in body
    assert "Si usted no lo pidió, puede ignorar este correo." in body
