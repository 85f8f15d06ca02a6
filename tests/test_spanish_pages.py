"""The signup wizard as a Spanish speaker sees it: a browser asking for Spanish gets every page of
the signup in Spanish (headings, buttons, the step counter, the summary, the dates), and English
stays the default for everyone else (the other test files read the English pages)."""
from __future__ import annotations

import re
from html import unescape

import pytest
from babel.dates import format_date

from sqlalchemy import select

from billing.models import Enrollment
from wizard.core import dates
from wizard.core.extensions import db

from .helpers import DALLAS_SWITCH, SAVE10_VALID_DAY, Wizard

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}

#: Each step's heading and the step counter's title, in Spanish.
HEADINGS = {
    "zip": "Su código postal",
    "promo": "Código promocional",
    "customer-type": "Hogar o negocio",
    "referral": "Cómo supo de nosotros",
    "plans": "Elija un plan",
    "customer": "Cliente nuevo o actual",
    "about-you": "Sus datos",
    "premise": "Dirección de servicio",
    "credentials": "Cree su usuario de Mi Cuenta",
}


def text(response) -> str:
    """The page's text as read: entities decoded, runs of white space as one space."""
    return re.sub(r"\s+", " ", unescape(response.get_data(as_text=True)))


def spanish_date(day) -> str:
    """lunes, 22 de junio de 2026: as Babel writes a full date in US Spanish."""
    return format_date(day, "full", locale="es_US")


@pytest.fixture
def spanish(make_app):
    """A customer whose browser asks for Spanish, on a day the demo catalog's dates hold."""
    client = make_app(TODAY=SAVE10_VALID_DAY).test_client()
    client.environ_base.update(SPANISH)
    return Wizard(client)


def test_every_step_speaks_spanish_heading_counter_and_buttons(spanish):
    for number, (slug, answers) in enumerate(DALLAS_SWITCH.items(), start=1):
        page = text(spanish.get(f"/signup/{slug}"))
        assert '<html lang="es">' in page, slug
        assert f'<h1 tabindex="-1">{HEADINGS[slug]}</h1>' in page, slug
        assert re.search(rf'<p class="progress">Paso {number} de \d+: {HEADINGS[slug]}</p>', page), slug
        assert f"<title>{HEADINGS[slug]} – " in page
        if slug != "plans":  # the plans page goes on with each plan's own button
            assert '<button type="submit" class="button">Continuar</button>' in page, slug
        if number > 1:
            assert ">Atrás</button>" in page and ">Terminar más tarde</button>" in page, slug
        for english in ("Continue", "Back", "Finish later", "Step "):
            assert f">{english}" not in page, (slug, english)
        spanish.answer(slug, answers)


def test_the_plans_page_in_spanish_prices_terms_and_documents(spanish):
    spanish.walk(until="plans")
    page = text(spanish.get("/signup/plans"))
    assert "Planes para hogares en 75201, con entrega de Oncor Electric Delivery." in page
    for shown in ("<dt>Tipo de tarifa</dt><dd>Fija</dd>", "<dt>Plazo</dt><dd>12 meses</dd>",
                  "<dt>Cargo base</dt><dd>$9.95 al mes</dd>", "<caption>Precio promedio por kWh</caption>",
                  '<th scope="col">1,000 kWh</th>', "11.9¢</strong> por kWh de cargo por energía",
                  "Etiqueta de Datos de Electricidad (EFL)", "Términos de Servicio (TOS)",
                  "Sus Derechos como Cliente (YRAC)", ">Inscribirme<"):
        assert shown in page, shown


def test_review_and_confirmation_in_spanish_with_spanish_dates(spanish):
    spanish.walk()
    review = text(spanish.get("/signup/review"))
    first_available = dates.first_available_switch(SAVE10_VALID_DAY, 3)
    assert '<h1 tabindex="-1">Revise sus respuestas</h1>' in review
    assert "<dt>Código postal</dt> <dd>75201</dd>" in review
    assert "<dt>Código promocional</dt> <dd>Sin código promocional</dd>" in review
    assert "<dt>Hogar o negocio</dt> <dd>Hogar</dd>" in review
    assert "<dt>Plan</dt> <dd>Ahorro Lone Star 12: 11.9¢ por kWh, 12 meses</dd>" in review
    assert "<dt>Tipo de inscripción</dt> <dd>Cambio</dd>" in review
    # The language the customer chose for their account, named in itself and marked as English.
    assert '<dt>Idioma</dt> <dd lang="en">English</dd>' in review
    assert (f"Primera fecha disponible: alrededor del {spanish_date(first_available)}, después del período "
            "de cancelación de 3 días hábiles") in review
    assert re.search(r"de (enero|febrero|marzo|abril|mayo|junio|julio|agosto) de 2026", spanish_date(first_available))
    assert ">Cambiar<span class=\"visually-hidden\"> código postal</span>" in review
    assert ">Inscribirme ahora</button>" in review and ">Inscribirme y agregar otra dirección</button>" in review

    spanish.submit()
    done = text(spanish.get("/signup/confirmation"))
    with spanish.client.application.app_context():  # the confirmation counts from the day it was sent
        submitted = dates.market_day(db.session.scalar(select(Enrollment.created_at)))
    first_available = dates.first_available_switch(submitted, 3)
    assert '<h1 tabindex="-1">Su inscripción está hecha</h1>' in done
    assert "Su número de inscripción es" in done
    assert "<dt>Plan</dt><dd>Ahorro Lone Star 12 (12 meses, 11.9¢ por kWh)</dd>" in done
    assert f"Cambio en la primera fecha disponible, alrededor del {spanish_date(first_available)}" in done
    assert "<dt>Estado</dt><dd>Inscripción nueva guardada</dd>" in done
    rescission_ends = dates.rescission_ends(submitted, 3)
    assert (f"Puede cancelar sin cargo dentro de 3 días hábiles federales después de recibir los Términos de "
            f"Servicio (TOS), es decir, hasta el {spanish_date(rescission_ends)}.") in done
    assert not re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),", done)
    assert ">Inscribir otra dirección</button>" in done and "Ir a Mi Cuenta" in done


def test_a_missing_answer_is_summed_up_in_spanish(spanish):
    page = spanish.post("/signup/zip", {"zip": ""})
    assert page.status_code == 422
    assert '<h2 id="error-summary-title">Hay un problema</h2>' in text(page)
    assert '<span class="visually-hidden">Error:</span>' in text(page)


def test_enrolling_another_address_says_so_in_spanish(spanish):
    spanish.walk()
    spanish.submit(another="1")
    page = text(spanish.get("/signup/zip"))
    assert re.search(r"La inscripción \S+ fue enviada\. Ahora díganos la siguiente dirección\.", page)


def test_a_zip_not_served_and_the_wait_list_in_spanish(spanish):
    page = text(spanish.post("/signup/zip", {"zip": "10001"}, follow=True))
    assert '<h1 tabindex="-1">Todavía no damos servicio en su área</h1>' in page
    assert "Todavía no vendemos electricidad en el código postal 10001." in page
    assert ">Avísenme cuando lo hagan</h2>" in page and ">Enviarme un correo</button>" in page
    thanks = text(spanish.post("/signup/not-served", {"email": "pat@example.com"}))
    assert ("Gracias. Cuando empecemos a dar servicio en 10001, enviaremos un solo correo a pat@example.com "
            "con un enlace para inscribirse, y nada más.") in thanks


def test_finish_later_in_spanish_says_until_when_in_spanish(spanish):
    spanish.walk(until="premise")
    asked = text(spanish.post("/signup/premise", {"nav": "later"}, follow=True))
    assert '<h1 tabindex="-1">Terminar más tarde</h1>' in asked and "durante 72 horas" in asked
    sent = text(spanish.post("/signup/finish-later", {"email": "ana@example.com"}, follow=True))
    assert '<h1 tabindex="-1">Revise su correo electrónico</h1>' in sent
    assert re.search(r"Enviamos un enlace a ana@example\.com\. Funciona una sola vez, hasta el \d+ de [a-z]+ de "
                     r"\d{4}, \d+:\d\d [ap]\. ?m\. C[SD]T\.", sent), sent


def test_a_plan_withdrawn_before_enrolling_is_explained_in_spanish(spanish):
    from wizard.catalog.models import Plan
    spanish.walk()
    with db.sessionmaker(spanish.client.application)() as session:
        plan = session.get(Plan, "SAVER12")
        plan.visibility = [v for v in plan.visibility if v.channel != "web"]
        session.commit()
    page = spanish.submit()
    assert page.status_code == 303 and page.location.endswith("/signup/plans")
    assert "El plan que eligió ya no está disponible. Elija otro plan." in text(spanish.get("/signup/plans"))
