"""The wizard's questions and messages in Spanish: a customer whose browser asks for Spanish types
bad answers on several steps and reads, in Spanish, what is wrong and how to put it right; the same
bad answers on an English page, on the agents' screen or through the partner API stay in English,
and a message never reaches JSON as a lazy translation.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from wizard.catalog.models import Promo
from wizard.enrollments import service

from .admin_helpers import signed_in
from .api_helpers import Api, make_key, serve
from .helpers import DALLAS_SWITCH, SAVE10_VALID_DAY, Wizard
from .test_agents import CALLER, SCREEN, error_of, key_of
from .test_enrollment_service import AGENT_SOURCE, caller
from .test_premise_lookup import DALLAS_TO_PREMISE, errors, find, load_demo_premises, text
from .premise_helpers import UNMETERED_STREET_LIGHT

#: The market's day of these tests (inside the SAVE10 promo's window): dates in messages are fixed.
TODAY = SAVE10_VALID_DAY  # Monday, June 15, 2026


@pytest.fixture
def app(make_app):
    return make_app(TODAY=TODAY)


def customer(app, language: str) -> Wizard:
    """A customer whose browser asks for `language` on every request."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = {"es": "es-US,es;q=0.9", "en": "en-US,en;q=0.9"}[language]
    return Wizard(client)


@pytest.fixture
def spanish(app) -> Wizard:
    return customer(app, "es")


@pytest.fixture
def english(app) -> Wizard:
    return customer(app, "en")


def refused(wizard: Wizard, slug: str, data: dict[str, str]):
    """POST a step's answers that must be refused: the page again, 422, in the customer's language."""
    response = wizard.post(f"/signup/{slug}", data)
    assert response.status_code == 422, (slug, response.status_code)
    return response


# --- ZIP and promo code ----------------------------------------------------------------------------

@pytest.mark.parametrize("language, typed, message", [
    ("es", "7520", "Escriba el código postal con 5 dígitos, como 75201."),
    ("es", "", "Escriba el código postal de 5 dígitos de la dirección que recibirá el servicio."),
    ("en", "7520", "Enter a ZIP code as 5 digits, like 75201."),
    ("en", "", "Enter the 5-digit ZIP code of the address to be served."),
])
def test_a_bad_zip_is_explained_in_the_page_language(app, language, typed, message):
    response = refused(customer(app, language), "zip", {"zip": typed})
    assert errors(response) == [message]
    assert f'<html lang="{language}">' in response.get_data(as_text=True)


def test_a_refused_promo_code_says_why_in_spanish_with_the_date_as_spanish_writes_it(app, spanish, session):
    spanish.walk(until="promo")
    unknown = refused(spanish, "promo", {"promo": "NOPE"})
    assert errors(unknown) == ["No reconocemos ese código promocional. Revíselo o continúe sin código."]
    assert "Código promocional (opcional)" in text(unknown)
    assert "Continuar sin código promocional" in text(unknown)  # the way on without it
    session.get(Promo, "SAVE10").valid_to = dt.date(2026, 6, 1)
    session.commit()
    expired = refused(spanish, "promo", {"promo": "save10"})
    assert errors(expired) == ["Ese código promocional venció el 1 de junio de 2026. Puede continuar sin él."]
    assert 'value="save10"' in expired.get_data(as_text=True)  # what was typed is kept
    too_long = refused(spanish, "promo", {"promo": "X" * 40})
    assert errors(too_long) == ["Los códigos promocionales tienen como máximo 32 caracteres."]


def test_the_same_expired_code_on_an_english_page_is_told_in_english(app, english, session):
    english.walk(until="promo")
    session.get(Promo, "SAVE10").valid_to = dt.date(2026, 6, 1)
    session.commit()
    expired = refused(english, "promo", {"promo": "save10"})
    assert errors(expired) == ["That promo code expired on June 1, 2026. You can continue without it."]


# --- about you -------------------------------------------------------------------------------------

ABOUT = DALLAS_SWITCH["about-you"]

BAD_ABOUT_YOU = [
    ("email", "ana@", "Escriba un correo electrónico como nombre@ejemplo.com.",
     "Enter an email address like name@example.com."),
    ("phone", "555-0100", "Escriba un número de teléfono de EE. UU. con código de área, como (214) 555-0100.",
     "Enter a US phone number with area code, like (214) 555-0100."),
    ("identity_value", "000-12-3456", "Escriba su número de Seguro Social de 9 dígitos, como 123-45-6789.",
     "Enter your 9-digit Social Security number, like 123-45-6789."),
    ("date_of_birth", "2010-05-01", "Debe tener 18 años o más para abrir una cuenta de electricidad.",
     "You must be 18 or older to open an electricity account."),
    ("date_of_birth", "1980-02-31", "Escriba una fecha de nacimiento real, por ejemplo 1980-03-27.",
     "Enter a real date of birth, for example 1980-03-27."),
    ("first_name", "", "Escriba su nombre.", "Enter your first name."),
    # WTForms' own message (a choice the page never offered), from its Spanish catalog.
    ("language", "fr", "Opción inválida.", "Not a valid choice."),
]


@pytest.mark.parametrize("field, value, in_spanish, in_english", BAD_ABOUT_YOU,
                         ids=[f"{b[0]}={b[1]}" for b in BAD_ABOUT_YOU])
def test_bad_answers_about_you_are_told_in_spanish_and_in_english(app, field, value, in_spanish, in_english):
    for language, message in (("es", in_spanish), ("en", in_english)):
        wizard = customer(app, language)
        wizard.walk(until="about-you")
        response = refused(wizard, "about-you", {**ABOUT, field: value})
        assert errors(response) == [message], language
        assert 'value="Garza"' in response.get_data(as_text=True)  # nothing typed is lost


def test_the_about_you_questions_and_hints_are_in_spanish(spanish):
    spanish.walk(until="about-you")
    page = text(spanish.get("/signup/about-you"))
    for words in ("Nombre", "Apellido", "Correo electrónico", "Número de teléfono", "Idioma preferido",
                  "¿Cómo debemos comunicarnos con usted?", "Llamada telefónica", "Mensaje de texto",
                  "Fecha de nacimiento", "Número de Seguro Social",
                  "9 dígitos. Se usa una sola vez para la verificación de crédito que decide si se necesita "
                  "un depósito; se guarda cifrado."):
        assert words in page, words
    assert "Email address" not in page and "Phone number" not in page
    # Each language keeps its own name; the one not in the page's language is marked for screen readers.
    html = spanish.get("/signup/about-you").get_data(as_text=True)
    assert '<label for="language-0" lang="en">English</label>' in html
    assert '<label for="language-1">Español</label>' in html


# --- the premise: ESI ID, dates --------------------------------------------------------------------

PREMISE = DALLAS_SWITCH["premise"]


@pytest.mark.parametrize("language, esi_id, message", [
    ("es", "10089010001234567", "Ese ESI ID no pertenece a Oncor Electric Delivery: sus ESI ID comienzan con "
                                "1044372 o 1017699. Revise el número, o regrese y elija otra compañía de "
                                "servicios públicos."),
    ("en", "10089010001234567", "That ESI ID does not belong to Oncor Electric Delivery: its ESI IDs start with "
                                "1044372 or 1017699. Check the number, or go back and choose another utility."),
    ("es", "1044372", "Escriba el ESI ID con 17 o 22 dígitos. Aparece en su factura de electricidad."),
    ("es", "", "Escriba el ESI ID de la dirección."),
])
def test_a_wrong_esi_id_is_explained(app, language, esi_id, message):
    wizard = customer(app, language)
    wizard.walk(until="premise")
    response = refused(wizard, "premise", {**PREMISE, "esi_id": esi_id})
    assert errors(response) == [message]
    assert 'value="Dallas"' in response.get_data(as_text=True)


def test_a_premise_the_extract_refuses_is_explained_in_spanish(app, spanish, session):
    load_demo_premises(session)
    spanish.walk(DALLAS_TO_PREMISE)
    response = refused(spanish, "premise", {**PREMISE, "esi_id": UNMETERED_STREET_LIGHT})
    assert errors(response) == [
        f"1000 ELM ST STREET LIGHT, DALLAS (ESI ID {UNMETERED_STREET_LIGHT}) no tiene medidor: es un servicio sin "
        "medidor, como el alumbrado público, así que no se puede inscribir en un plan. Revise la dirección o "
        f"llámenos al {app.config['CUSTOMER_SERVICE_PHONE']}."]
    results = find(spanish, "premise", "1000 Elm")
    assert "dirección encontrada" in text(results) or "direcciones encontradas" in text(results)
    assert "Sin medidor: no se puede inscribir" in text(results)


def test_move_in_dates_are_asked_and_refused_in_spanish_with_spanish_dates(spanish):
    spanish.walk(until="premise")
    page = text(spanish.get("/signup/premise"))
    assert "¿Por qué se inscribe?" in page and "Fecha de mudanza" in page
    assert ("Desde hoy, 15 de junio de 2026, hasta el 13 de septiembre de 2026. Una mudanza el mismo día o al "
            "día siguiente puede tener un cargo por conexión prioritaria.") in page
    move_in = {**PREMISE, "enrollment_type": "move_in"}
    assert errors(refused(spanish, "premise", {**move_in, "move_in_date": "2026-06-14"})) == [
        "La fecha de mudanza no puede ser una fecha pasada."]
    assert errors(refused(spanish, "premise", {**move_in, "move_in_date": "2026-10-01"})) == [
        "La fecha debe estar dentro de los próximos 90 días, a más tardar el 13 de septiembre de 2026."]
    assert errors(refused(spanish, "premise", {**move_in, "move_in_date": ""})) == ["Escriba la fecha de mudanza."]


# --- My Account credentials ------------------------------------------------------------------------

@pytest.mark.parametrize("username, password, message", [
    ("ana.garza", "password1234", "Elija una contraseña menos común. Es una contraseña muy común. Unas cuantas "
                                  "palabras sin relación entre sí forman una contraseña segura y fácil de recordar."),
    ("ana.garza", "short", "Su contraseña debe tener al menos 12 caracteres."),
    ("ana garza", DALLAS_SWITCH["credentials"]["password"],
     "Use de 3 a 64 caracteres: letras, números y . _ @ + - (sin espacios)."),
])
def test_a_weak_password_or_a_bad_username_is_told_in_spanish(spanish, username, password, message):
    spanish.walk(until="credentials")
    page = text(spanish.get("/signup/credentials"))
    assert "Nombre de usuario" in page and "Contraseña" in page
    assert "Al menos 12 caracteres." in page
    response = refused(spanish, "credentials", {"username": username, "password": password})
    assert errors(response) == [message]
    assert password not in response.get_data(as_text=True)  # a password is never echoed back


def test_the_same_weak_password_on_an_english_page_is_told_in_english(english):
    english.walk(until="credentials")
    response = refused(english, "credentials", {"username": "ana.garza", "password": "password1234"})
    assert errors(response) == ["Choose a less common password. This is a very common password. A few unrelated "
                                "words make a strong password that is easy to remember."]


# --- the other channels stay English; messages are plain strings -----------------------------------

def test_the_agents_screen_stays_english_for_an_agent_whose_browser_asks_for_spanish(app):
    agent = signed_in(app, "agent", "alex@example.com")
    agent.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-US,es;q=0.9"
    screen = agent.get(SCREEN)
    bad = {**CALLER, "email": "ana@", "phone": "555-0100", "esi_id": "10089010001234567"}
    page = agent.post(SCREEN, {**bad, "submission_key": key_of(screen.text), "action": "review"}).text
    assert error_of(page, "email") == "Enter an email address like name@example.com."
    assert error_of(page, "phone") == "Enter a US phone number with area code, like (214) 555-0100."
    assert error_of(page, "esi_id").startswith("That ESI ID does not belong to Oncor Electric Delivery")
    assert "Email address" in page and "Correo electrónico" not in page


def test_the_api_answers_in_english_json_whatever_the_partner_sends(app):
    with serve(app) as url:
        acme = Api(url, make_key(app, "ACME"))
        body = {**caller(plan="PARTNER12", email="ana@", first_name=""), "consent": {"method": "web"}}
        answer = acme.enroll(body, "spanish-header-1", headers={"Accept-Language": "es"})
    assert answer.status_code == 422 and answer.headers["Content-Type"] == "application/problem+json"
    problems = answer.json()["errors"]
    assert problems["email"] == ["Enter an email address like name@example.com."]
    assert problems["first_name"] == ["Enter your first name."]


@pytest.mark.parametrize("path, message", [
    ("/admin/agent/", "Enter your first name."),  # staff: English, whatever the browser asks
    ("/signup/review", "Escriba su nombre."),  # a customer's request: their language
])
def test_the_services_messages_are_plain_strings_ready_for_json(app, path, message):
    with app.test_request_context(path, headers={"Accept-Language": "es"}):
        with pytest.raises(service.Invalid) as invalid:
            service.check(caller(plan="PHONE12", first_name=""), AGENT_SOURCE)
    assert invalid.value.errors["first_name"] == [message]
    assert all(type(m) is str for ms in invalid.value.errors.values() for m in ms)
    json.dumps(invalid.value.errors)  # as the API's problems and the import's record store them

