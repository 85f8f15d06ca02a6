"""My Account, the error pages and the plan documents as a Spanish speaker reads them.

The browser asks for Spanish (`Accept-Language: es`) or the customer chose it with the switch;
English stays the default (the English texts are asserted by the area's own test files).
"""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import update

from billing.models import Enrollment, StatusChange
from wizard.catalog.document_files import plan_documents
from wizard.catalog.models import Plan
from wizard.core.extensions import db

from .admin_helpers import csrf_of
from .helpers import DALLAS_SWITCH, PASSWORD, Wizard, errors
from .mail_helpers import deliver_mail, text_of
from .pdf_helpers import pdf_metadata, pdf_text
from .test_password_reset import LINK, make_account

ES = {"Accept-Language": "es-MX,es;q=0.9"}


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.get_data(as_text=True)))


def sign_in(client, username: str = "ana.garza", password: str = PASSWORD, **kw):
    page = client.get("/account/login", headers=ES)
    return client.post("/account/login", data={"csrf_token": csrf_of(page.text), "username": username,
                                               "password": password}, headers=ES, **kw)


# --- signing in -------------------------------------------------------------------------------

def test_the_sign_in_page_and_a_wrong_password_in_spanish(app):
    make_account(app)
    client = app.test_client()
    page = text(client.get("/account/login", headers=ES))
    assert '<html lang="es">' in page
    assert "<h1 tabindex=\"-1\">Iniciar sesión en Mi Cuenta</h1>" in page
    assert "Nombre de usuario" in page and "Contraseña" in page
    assert "¿Olvidó su contraseña?" in page and "¿Olvidó su nombre de usuario?" in page
    assert "¿Es nuevo aquí?" in page and "Inscríbase para recibir electricidad" in page
    wrong = sign_in(client, password="not the password at all")
    assert wrong.status_code == 422
    assert errors(wrong) == ["El nombre de usuario o la contraseña no son correctos. Revíselos e inténtelo de "
                             "nuevo. Después de varios intentos fallidos, el inicio de sesión se pausa unos minutos."]
    empty = client.post("/account/login", data={"csrf_token": csrf_of(wrong.text), "username": "", "password": ""},
                        headers=ES)
    assert errors(empty) == ["Escriba su nombre de usuario.", "Escriba su contraseña."]


def test_my_account_is_asked_for_and_signing_out_is_said_in_spanish(app):
    make_account(app)
    client = app.test_client()
    away = client.get("/account/", headers=ES, follow_redirects=True)
    assert "Inicie sesión en Mi Cuenta para ver esa página." in text(away)
    assert sign_in(client).status_code == 303
    out = client.post("/account/logout", data={"csrf_token": csrf_of(client.get("/account/", headers=ES).text)},
                      headers=ES, follow_redirects=True)
    assert "Cerró su sesión." in text(out)


# --- My Account -------------------------------------------------------------------------------

def test_my_account_lists_the_enrollments_with_their_date_and_status_in_spanish(app, session):
    wizard = Wizard(app.test_client())
    wizard.walk(DALLAS_SWITCH)
    assert wizard.submit().location.endswith("/signup/confirmation")
    evening = dt.datetime(2026, 12, 7, 1, 30)  # UTC: still December 6 in Texas
    session.execute(update(Enrollment).values(created_at=evening))
    session.execute(update(StatusChange).values(at=evening))
    session.commit()
    page = text(wizard.get("/account/", headers=ES))
    assert "<h1 tabindex=\"-1\">Mi Cuenta</h1>" in page
    assert "Sesión iniciada como ana.garza." in page
    assert "Sus inscripciones" in page
    for heading in ("Inscripción", "Dirección", "Plan", "Enviada", "Estado"):
        assert f'<th scope="col">{heading}</th>' in page
    assert '<td data-label="Enviada">6 de diciembre de 2026</td>' in page
    assert "<strong>Inscripción nueva guardada</strong>" in page
    assert ("Recibida. La estamos pasando a nuestro sistema de facturación. Nuestro sistema de facturación envía "
            "su solicitud de cambio a la compañía de servicios públicos") in page
    assert "Historial" in page and "Z\">6 dic 2026, 7:30 p.m. CST</time>: Inscripción nueva guardada" in page
    assert "Inscribir otra dirección" in page
    english = text(wizard.get("/account/"))
    assert '<td data-label="Submitted">December 6, 2026</td>' in english and "New Enrollment Saved" in english
    session.execute(update(Enrollment).values(status="Accepted", service_start_date=dt.date(2026, 12, 10),
                                              status_message="Service starts December 10, 2026."))
    session.commit()
    accepted = text(wizard.get("/account/", headers=ES))
    assert "<strong>Aceptada</strong><br><span class=\"hint\">El servicio comienza el 10 de diciembre de 2026.</span>" \
        in accepted
    assert "Service starts December 10, 2026." in text(wizard.get("/account/"))


def test_a_customer_without_enrollments_reads_so_in_spanish(app):
    make_account(app)
    client = app.test_client()
    sign_in(client)
    assert "Todavía no tiene inscripciones." in text(client.get("/account/", headers=ES))


# --- forgotten password and username ----------------------------------------------------------

def test_the_forgotten_password_pages_in_spanish(app):
    make_account(app)
    client = app.test_client()
    page = client.get("/account/forgot-password", headers=ES)
    shown = text(page)
    assert "Restablezca su contraseña" in shown and "Correo electrónico" in shown
    assert "Le enviaremos un enlace para elegir una contraseña nueva de Mi Cuenta." in shown
    assert "Enviarme un enlace" in shown
    bad = client.post("/account/forgot-password", data={"csrf_token": csrf_of(page.text), "email": "ana@"},
                      headers=ES)
    assert errors(bad) == ["Escriba un correo electrónico como nombre@ejemplo.com."]
    asked = client.post("/account/forgot-password", data={"csrf_token": csrf_of(page.text),
                                                          "email": "ana@example.com"}, headers=ES)
    sent = text(client.get(asked.location, headers=ES))
    assert "Revise su correo electrónico" in sent
    assert ("Si algún acceso a Mi Cuenta usa ana@example.com, le enviamos a esa dirección un enlace para elegir "
            "una contraseña nueva. El enlace funciona una sola vez, durante 1 hora.") in sent
    [message] = deliver_mail(app)
    link = LINK.search(text_of(message)).group(0)
    client.get(link, headers=ES)
    form = client.get("/account/reset", headers=ES)
    shown = text(form)
    assert "Elija una contraseña nueva" in shown and "Para su acceso a Mi Cuenta <strong>ana.garza</strong>" in shown
    assert "Escriba la contraseña nueva otra vez" in shown and "Cambiar mi contraseña" in shown
    mismatch = client.post("/account/reset", data={"csrf_token": csrf_of(form.text), "password": "a new long passphrase",
                                                   "confirm": "another long passphrase"}, headers=ES)
    assert errors(mismatch) == ["Las dos contraseñas no son iguales. Escriba la contraseña nueva otra vez en "
                                "ambas casillas."]
    changed = client.post("/account/reset", data={"csrf_token": csrf_of(form.text),
                                                  "password": "a new long passphrase",
                                                  "confirm": "a new long passphrase"}, headers=ES, follow_redirects=True)
    assert "Su contraseña se cambió. Inicie sesión con ella." in text(changed)
    again = text(client.get(link, headers=ES, follow_redirects=True))
    assert "Este enlace ha vencido" in again and "Pida uno nuevo: funciona durante 1 hora." in again


def test_the_forgotten_username_pages_in_spanish(app):
    make_account(app)
    client = app.test_client()
    page = client.get("/account/forgot-username", headers=ES)
    assert "Encuentre su nombre de usuario" in text(page) and "Enviarme mi nombre de usuario" in text(page)
    asked = client.post("/account/forgot-username", data={"csrf_token": csrf_of(page.text),
                                                          "email": "nobody@example.com"}, headers=ES)
    sent = text(client.get(asked.location, headers=ES))
    assert "Si algún acceso a Mi Cuenta usa nobody@example.com, le enviamos su nombre de usuario a esa dirección." in sent
    assert "Probar con otra dirección" in sent


# --- error pages ------------------------------------------------------------------------------

def test_a_page_not_found_in_spanish(client):
    missing = client.get("/no-such-page", headers=ES)
    assert missing.status_code == 404
    page = text(missing)
    assert "<h1 tabindex=\"-1\">Página no encontrada</h1>" in page
    assert "Si escribió la dirección, revise que esté correcta." in page
    assert "Volver a la inscripción" in page


def test_a_form_sent_after_its_page_expired_is_answered_in_spanish(client):
    expired = client.post("/account/login", data={"username": "ana.garza", "password": PASSWORD}, headers=ES)
    assert expired.status_code == 400
    page = text(expired)
    assert "<h1 tabindex=\"-1\">Esta página ha vencido</h1>" in page
    assert ("Por su seguridad, no se pudo enviar el formulario. Sus respuestas hasta ahora están guardadas: "
            "vuelva a la inscripción para continuar.") in page


def test_a_closed_partner_signup_says_so_in_spanish(client):
    page = text(client.get("/embed/NO-SUCH-PARTNER/signup/zip", headers=ES))
    assert "Esta inscripción no está disponible" in page
    assert "Inscríbase en nuestro sitio web" in page and "(se abre en una pestaña nueva)" in page


# --- plan documents ---------------------------------------------------------------------------

def test_the_efl_page_in_spanish(client):
    page = text(client.get("/documents/CREDIT12/efl?utility=oncor", headers=ES))
    assert '<html lang="es">' in page
    assert "<h1>Etiqueta de Datos de Electricidad (EFL)</h1>" in page
    assert "Versión 1" in page
    assert "Precio promedio por kWh, área de servicio de Oncor Electric Delivery" in page
    assert '<th scope="col">Consumo mensual promedio</th><th scope="col">500 kWh</th>' in page
    assert "<dt>Cargo por energía</dt>" in page and "por kWh" in page
    assert "<dt>Tipo de producto</dt><dd>Tarifa fija</dd>" in page
    assert "<dt>Plazo del contrato</dt><dd>12 meses</dd>" in page
    assert "por cada mes restante" in page and "<dt>Crédito en la factura</dt>" in page
    assert "kWh o más" in page


def test_a_document_link_says_the_pages_language_and_the_switch_still_works(app):
    client = app.test_client()
    with app.test_request_context(headers=ES):
        from flask import url_for
        spanish = url_for("documents.document", plan_code="SAVER12", kind="tos")
    with app.test_request_context():
        from flask import url_for
        english = url_for("documents.document", plan_code="SAVER12", kind="tos")
    assert spanish == "/documents/SAVER12/tos?lang=es" and english == "/documents/SAVER12/tos"
    # A browser set to English opens a link from a Spanish page (e.g. from a partner's frame).
    tos = text(client.get(spanish, headers={"Accept-Language": "en-US"}))
    assert "<h1>Términos de Servicio (TOS)</h1>" in tos and "Este es un plan de tarifa fija a 12 meses." in tos
    assert "Puede cancelar sin cargo dentro de los 3 días hábiles federales" in tos
    page = client.get(spanish)
    client.post("/signup/language", data={"switch_language": "en", "next": spanish,
                                          "csrf_token": csrf_of(page.text)})
    assert "<h1>Terms of Service</h1>" in text(client.get(spanish))  # chosen with the switch: it wins
    yrac = text(app.test_client().get("/documents/SAVER12/yrac", headers=ES))
    assert "<h1>Sus Derechos como Cliente (YRAC)</h1>" in yrac and "Usted tiene derecho a recibir" in yrac


@pytest.mark.parametrize("kind", ["efl", "tos", "yrac"])
def test_a_spanish_generated_pdf_holds_what_the_spanish_page_holds(app, kind):
    page = unescape(app.test_client().get(f"/documents/CREDIT12/{kind}?utility=oncor&lang=es").get_data(as_text=True))
    article = re.search(r'<article class="document">(.*?)</article>', page, re.S).group(1)
    shown_on_page = [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", piece))).strip()
                     for piece in re.findall(r"<(?:h1|h2|p|caption|th|td|dt|dd)\b[^>]*>(.*?)</", article, re.S)]
    with app.app_context():
        plan = db.session.get(Plan, "CREDIT12")
        files = plan_documents(db.session, plan, "oncor", {"efl": "1", "tos": "1", "yrac": "1"}, "Lone Star Power",
                               language="es")
    document = next(f for f in files if f.kind == kind)
    pdf = pdf_text(document.data)
    missing = [piece for piece in shown_on_page if piece and piece not in pdf]
    assert missing == [], (missing, pdf)
    assert document.filename == {"efl": "Etiqueta-de-Datos-de-Electricidad-EFL-CREDIT12-v1.pdf",
                                 "tos": "Terminos-de-Servicio-TOS-CREDIT12-v1.pdf",
                                 "yrac": "Sus-Derechos-como-Cliente-YRAC-CREDIT12-v1.pdf"}[kind]


def test_the_spanish_efl_pdf_reads_in_spanish(app):
    with app.app_context():
        plan = db.session.get(Plan, "SAVER12")
        [efl, *_] = plan_documents(db.session, plan, "oncor", {"efl": "1", "tos": "1", "yrac": "1"},
                                   "Lone Star Power", language="es")
    shown = pdf_text(efl.data)
    assert "Etiqueta de Datos de Electricidad (EFL)" in shown
    assert "Precio promedio por kWh, área de servicio de Oncor Electric Delivery" in shown
    assert "Consumo mensual promedio 500 kWh 1,000 kWh 2,000 kWh" in shown
    assert "Cargo por energía" in shown and "Plazo del contrato 12 meses" in shown
    assert "Documento de demostración generado a partir del catálogo de planes." in shown
    assert pdf_metadata(efl.data, "Title").startswith("Etiqueta de Datos de Electricidad (EFL): ")
    assert b"/Lang (es-US)" in efl.data
