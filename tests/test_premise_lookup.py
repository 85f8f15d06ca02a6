"""Finding the meter from the address: the address lookup of the utility and premise steps, on
SQLite and PostgreSQL, through the real forms (CSRF tokens and all).

A customer at ZIP 77550 (split between TNMP and CenterPoint) types "1500 Main", picks the address
and reaches the review with the right utility and ESI ID, typing neither. What the browser sends
is checked on the server; the extract's rules (business premise, de-energized, switch hold,
unmetered, inactive) apply whether the ESI ID was picked or typed.
"""
from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from sqlalchemy import select, update

from wizard.catalog.models import Plan
from wizard.premises.models import Premise
from wizard.premises.rules import findings, is_residential
from wizard.signup.models import Draft

from .helpers import DALLAS_SWITCH, Wizard, csrf_token, in_days
from .helpers import errors as escaped_errors
from .premise_helpers import (
    BUSINESS_1717_MAIN,
    CENTERPOINT_1501_MAIN,
    DALLAS_100_MAIN,
    DE_ENERGIZED_1520_MAIN,
    DE_ENERGIZED_1800_ELM,
    SWITCH_HOLD_1521_MAIN,
    SWITCH_HOLD_1900_ELM,
    TNMP_1500_MAIN,
    UNMETERED_STREET_LIGHT,
    load_demo_premises,
)

HTMX = {"HX-Request": "true"}
PHONE = "1-800-555-0199"

#: A new residential customer at Galveston, up to the utility step (which the tests answer).
GALVESTON = {
    "zip": {"zip": "77550"},
    "promo": {"promo": ""},
    "customer-type": {"customer_type": "residential"},
}
AFTER_UTILITY = {
    "referral": {"referral": "friend"},
    "plans": {"plan": "SAVER12"},
    "customer": {"customer_status": "new"},
    "about-you": DALLAS_SWITCH["about-you"],
}
DALLAS_TO_PREMISE = {slug: data for slug, data in DALLAS_SWITCH.items() if slug not in ("premise", "credentials")}


@pytest.fixture
def premises(session):
    """The demo premises in the app's database (loaded unless the app already has them)."""
    assert load_demo_premises(session) >= 172
    return session


def text(response) -> str:
    """The page's text as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def errors(response) -> list[str]:
    return [html_lib.unescape(e) for e in escaped_errors(response)]


def answers_of(session) -> dict[str, Any]:
    session.expire_all()
    return session.scalar(select(Draft)).answers


def token(wizard: Wizard, slug: str) -> str:
    return csrf_token(wizard.get(f"/signup/{slug}").get_data(as_text=True))


def find(wizard: Wizard, slug: str, typed: str, htmx: bool = True, **data: str):
    """Search on `slug`'s page as htmx does while the customer types (or "Find my address")."""
    field = "address" if slug == "utility" else "service_line1"
    return wizard.client.post(f"/signup/{slug}/find-address", headers=HTMX if htmx else {},
                              data={"csrf_token": token(wizard, slug), field: typed, **data})


def use(wizard: Wizard, slug: str, esi_id: str, **data: str):
    """Choose a result and press "Use this address"."""
    return wizard.client.post(f"/signup/{slug}/use-address",
                              data={"csrf_token": token(wizard, slug), "premise": esi_id, **data})


def field_values(response, *names: str) -> dict[str, str]:
    """What the page's fields hold (as a browser would send them)."""
    page = response.get_data(as_text=True)
    out = {}
    for name in names:
        tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
        assert tag, f"no field {name}"
        value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
        out[name] = html_lib.unescape(value.group(1)) if value else ""
    return out


def radio_values(response, name: str) -> list[str]:
    return re.findall(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', response.get_data(as_text=True))


def to_premise_step(wizard: Wizard, zip_answers: dict[str, dict[str, Any]] = DALLAS_TO_PREMISE) -> None:
    wizard.walk(zip_answers)
    assert wizard.get("/signup/premise").status_code == 200


# --- the extract's rules, pure ---------------------------------------------------------------------

def test_premise_types_and_findings():
    assert is_residential("Residential") and is_residential("RESIDENTIAL") and is_residential("Res")
    assert not is_residential("Small Non-Residential") and not is_residential("Large Non-Residential")
    base = dict(esi_id="1", address="A", city="C", state="TX", zip="75201", duns="1", status="Active",
                premise_type="Residential", metered=True, switch_hold=False, address_key="A", street_key="A")
    assert findings(Premise(**base)).refusal is None
    assert findings(Premise(**{**base, "metered": False})).refusal == "unmetered"
    assert findings(Premise(**{**base, "status": "Inactive"})).refusal == "inactive"
    assert findings(Premise(**{**base, "status": "De-Energized"})).move_in_only == "de_energized"
    assert findings(Premise(**{**base, "switch_hold": True})).move_in_only == "switch_hold"
    assert findings(Premise(**{**base, "premise_type": "Small Non-Residential"})).business


# --- searching ------------------------------------------------------------------------------------

def test_search_at_a_split_zip_labels_each_address_with_its_utility(wizard, premises):
    wizard.walk(GALVESTON)
    page = text(find(wizard, "utility", "150"))
    assert "1500 MAIN ST, GALVESTON 77550 Texas-New Mexico Power (TNMP)" in page
    assert "1501 MAIN ST, GALVESTON 77550 CenterPoint Energy Houston Electric" in page
    assert "More than 8 addresses begin with “150”: the first 8 are shown." in page

    # Street first finds the same premises of both utilities.
    page = text(find(wizard, "utility", "main st"))
    assert "Texas-New Mexico Power (TNMP)" in page and "CenterPoint Energy Houston Electric" in page

    response = find(wizard, "utility", "1500 Main")
    page = text(response)
    assert "1500 MAIN ST, GALVESTON 77550 Texas-New Mexico Power (TNMP)" in page
    assert "1 address found." in page and "1501 MAIN ST" not in page
    assert radio_values(response, "premise") == [TNMP_1500_MAIN]
    assert 'hx-swap-oob="innerHTML"' in response.get_data(as_text=True)  # the count, read out by role=status
    assert "HX-Request" in response.headers["Vary"]


def test_typing_the_street_word_in_full_keeps_finding_the_address(wizard, premises):
    """The extract spells "MAIN ST": a customer typing "1500 Main Street" letter by letter sees the
    address at every letter, also while the word is neither "St" nor "Street" yet."""
    wizard.walk(GALVESTON)
    typed = "1500 Main Street"
    for end in range(len("1500 Main S"), len(typed) + 1):
        assert radio_values(find(wizard, "utility", typed[:end]), "premise") == [TNMP_1500_MAIN], typed[:end]
    # Street first, and another abbreviated word (AVENUE is AVE in the extract).
    assert TNMP_1500_MAIN in radio_values(find(wizard, "utility", "Main Stre"), "premise")
    assert radio_values(find(wizard, "utility", "1500 Main Avenu"), "premise") == []


def test_search_says_what_it_could_not_do(wizard, premises):
    wizard.walk(GALVESTON)
    assert "Type at least the house number" in text(find(wizard, "utility", "15"))
    page = text(find(wizard, "utility", "9999 Nowhere"))
    assert "No address in ZIP code 77550 begins with “9999 Nowhere”" in page
    assert "I can't find my address : choose the utility below." in page


def test_the_results_mark_what_the_extract_says(wizard, premises):
    to_premise_step(wizard)
    assert "Business premise" in text(find(wizard, "premise", "1717 Main"))
    assert "No power connected now: move-in only" in text(find(wizard, "premise", "1800 Elm"))
    assert "Switch hold: move-in only" in text(find(wizard, "premise", "1900 Elm"))
    assert "No meter: can't be signed up" in text(find(wizard, "premise", "1000 Elm"))


# --- the "Done when" story ----------------------------------------------------------------------

def test_1500_main_at_77550_reaches_review_with_utility_and_esi_id_typed_by_nobody(wizard, premises, session):
    wizard.walk(GALVESTON)
    # Without JavaScript: "Find my address" shows the step again with the results.
    response = find(wizard, "utility", "1500 Main", htmx=False)
    assert response.status_code == 303 and response.location.endswith("/signup/utility#address-results")
    assert "1500" not in response.location  # the address typed never goes into a URL
    results = wizard.get("/signup/utility")
    assert "1500 MAIN ST, GALVESTON 77550 Texas-New Mexico Power (TNMP)" in text(results)
    assert field_values(results, "address") == {"address": "1500 Main"}

    response = use(wizard, "utility", TNMP_1500_MAIN)
    assert response.location.endswith("/signup/referral")  # the utility question answered by the address
    assert "1500 MAIN ST, GALVESTON is served by Texas-New Mexico Power (TNMP)." in text(wizard.get("/signup/referral"))
    wizard.walk(AFTER_UTILITY)

    premise_page = wizard.get("/signup/premise")
    filled = field_values(premise_page, "service_line1", "service_line2", "service_city", "esi_id")
    assert filled == {"service_line1": "1500 MAIN ST", "service_line2": "", "service_city": "GALVESTON",
                      "esi_id": TNMP_1500_MAIN}
    assert f"ESI ID {TNMP_1500_MAIN} is 1500 MAIN ST, GALVESTON 77550, served by Texas-New Mexico Power (TNMP)." \
        in text(premise_page)
    # The customer answers the rest of the page; the address fields go back as the page filled them.
    wizard.answer("premise", {**filled, "billing_same": "yes", "enrollment_type": "switch",
                              "start_timing": "first_available"})
    wizard.answer("credentials", DALLAS_SWITCH["credentials"])

    review = text(wizard.get("/signup/review"))
    assert "Utility Texas-New Mexico Power (TNMP), the utility of the address you found" in review
    assert f"ESI ID {TNMP_1500_MAIN}" in review
    assert "Service address 1500 MAIN ST, GALVESTON, TX 77550" in review
    stored = answers_of(session)
    assert stored["utility"] == "tnmp" and stored["esi_id"] == TNMP_1500_MAIN
    assert wizard.submit().location.endswith("/signup/confirmation")


def test_the_utility_step_is_not_asked_again_once_the_address_settled_it(wizard, premises, session):
    wizard.walk(GALVESTON)
    use(wizard, "utility", CENTERPOINT_1501_MAIN)
    wizard.walk(AFTER_UTILITY)
    page = wizard.get("/signup/premise")
    wizard.answer("premise", {**field_values(page, "service_line1", "service_line2", "service_city", "esi_id"),
                              "billing_same": "yes", "enrollment_type": "switch", "start_timing": "first_available"})
    wizard.answer("credentials", DALLAS_SWITCH["credentials"])
    review = wizard.get("/signup/review").get_data(as_text=True)
    # The utility follows the address: its Change goes to the address, not to the utility question.
    assert 'href="/signup/premise?change=1#service_line1">Change<span class="visually-hidden"> utility' in review
    assert 'href="/signup/utility?change=1' not in review

    # Another address, of the other utility, changes the utility there (asked, never silently)...
    find(wizard, "premise", "1500 Main", htmx=False)
    refused = use(wizard, "premise", TNMP_1500_MAIN)
    assert refused.location.endswith("/signup/premise#address-results")
    page = text(wizard.get("/signup/premise"))
    assert ("1500 MAIN ST, GALVESTON is served by Texas-New Mexico Power (TNMP), not by CenterPoint Energy "
            "Houston Electric, the utility you chose.") in page
    assert answers_of(session)["utility"] == "centerpoint"
    changed = use(wizard, "premise", "", confirm_premise=TNMP_1500_MAIN)
    # ...and the customer stays on the address: the utility step is skipped.
    assert changed.location.endswith("/signup/premise")
    page = wizard.get("/signup/premise")
    assert "Your utility is now Texas-New Mexico Power (TNMP). Your plan stays" in text(page)
    assert field_values(page, "esi_id") == {"esi_id": TNMP_1500_MAIN}
    assert answers_of(session)["utility"] == "tnmp"
    wizard.answer("premise", {**field_values(page, "service_line1", "service_line2", "service_city", "esi_id"),
                              "billing_same": "yes", "enrollment_type": "switch", "start_timing": "first_available"})
    assert "Texas-New Mexico Power (TNMP), the utility of the address you found" in text(wizard.get("/signup/review"))


def test_choosing_the_other_utility_by_hand_forgets_the_address_found(wizard, premises, session):
    wizard.walk(GALVESTON)
    use(wizard, "utility", TNMP_1500_MAIN)
    back = text(wizard.get("/signup/utility"))
    assert "Your address 1500 MAIN ST is served by Texas-New Mexico Power (TNMP)." in back
    wizard.answer("utility", {"utility": "centerpoint"})
    stored = answers_of(session)
    assert stored["utility"] == "centerpoint" and "premise_found" not in stored
    wizard.walk(AFTER_UTILITY)
    assert field_values(wizard.get("/signup/premise"), "esi_id") == {"esi_id": ""}


def test_changing_to_a_utility_the_plan_is_not_offered_with_asks_for_a_plan_again(wizard, premises, session):
    session.execute(update(Plan).where(Plan.code == "SAVER12").values(utility_code="tnmp"))
    session.commit()
    wizard.walk({**GALVESTON, "utility": {"utility": "tnmp"}, **AFTER_UTILITY})
    find(wizard, "premise", "1501 Main", htmx=False)
    changed = use(wizard, "premise", "", confirm_premise=CENTERPOINT_1501_MAIN)
    assert changed.location.endswith("/signup/plans?change=1")
    assert "Your plan is not offered with it: choose a plan" in text(wizard.get("/signup/plans?change=1"))
    stored = answers_of(session)
    assert stored["utility"] == "centerpoint" and "plan" not in stored
    # After the plan, straight back to the address, filled in.
    response = wizard.post("/signup/plans?change=1", {"plan": "STEADY24"})
    assert response.location.endswith("/signup/premise")
    assert field_values(wizard.get("/signup/premise"), "esi_id") == {"esi_id": CENTERPOINT_1501_MAIN}


def test_picking_at_the_utility_step_reopens_an_address_already_given(wizard, premises, session):
    wizard.walk({**GALVESTON, "utility": {"utility": "tnmp"}, **AFTER_UTILITY})
    wizard.answer("premise", {"service_line1": "1504 Main St", "service_city": "Galveston", "billing_same": "yes",
                              "esi_id": "10400511410205815", "enrollment_type": "switch",
                              "start_timing": "first_available"})
    use(wizard, "utility", CENTERPOINT_1501_MAIN)
    stored = answers_of(session)
    assert stored["utility"] == "centerpoint" and "esi_id" not in stored
    assert wizard.get("/signup/credentials").location.endswith("/signup/premise")
    page = wizard.get("/signup/premise")
    assert field_values(page, "service_line1", "esi_id") == {"service_line1": "1501 MAIN ST",
                                                             "esi_id": CENTERPOINT_1501_MAIN}


# --- the premise step ---------------------------------------------------------------------------

def test_pick_at_the_premise_step_fills_the_address_and_keeps_what_was_typed(wizard, premises, session):
    to_premise_step(wizard)
    typed = {"service_line1": "100 Main", "billing_same": "no", "billing_line1": "PO Box 12",
             "billing_city": "Austin", "billing_state": "TX", "billing_zip": "78701"}
    response = find(wizard, "premise", "100 Main", htmx=False, **typed)
    assert response.location.endswith("/signup/premise#address-results")
    page = wizard.get("/signup/premise")
    assert "100 MAIN ST, DALLAS 75201 Oncor Electric Delivery" in text(page)
    assert field_values(page, "billing_line1", "billing_city") == {"billing_line1": "PO Box 12",
                                                                   "billing_city": "Austin"}
    # While results are listed, Enter uses the address chosen (the form's first, hidden button).
    assert re.search(r'<button type="submit" class="default-submit" tabindex="-1" aria-hidden="true" '
                     r'formaction="/signup/premise/use-address" formnovalidate>Use this address</button>',
                     page.get_data(as_text=True))

    response = wizard.client.post("/signup/premise/use-address",
                                  data={"csrf_token": token(wizard, "premise"), "premise": DALLAS_100_MAIN, **typed})
    assert response.location.endswith("/signup/premise")
    page = wizard.get("/signup/premise")
    assert field_values(page, "service_line1", "service_city", "esi_id", "billing_line1") == {
        "service_line1": "100 MAIN ST", "service_city": "DALLAS", "esi_id": DALLAS_100_MAIN,
        "billing_line1": "PO Box 12"}
    assert "Choose your address" not in text(page)  # the list is gone once used
    assert "premise_found" in answers_of(session) and "service_line1" not in answers_of(session)


def test_i_cant_find_my_address_keeps_the_esi_id_typed_by_hand(wizard, premises, session):
    to_premise_step(wizard)
    page = text(find(wizard, "premise", "1200 Main"))
    assert "No address in ZIP code 75201 begins with “1200 Main”" in page
    assert "I can't find my address : type the address in the fields below, with the ESI ID from an electricity bill." \
        in page
    wizard.answer("premise", DALLAS_SWITCH["premise"])
    stored = answers_of(session)
    assert stored["esi_id"] == "10443720001234567" and not stored.get("premise_found")


def test_an_esi_id_typed_by_hand_that_the_table_knows_is_recognised(wizard, premises, session):
    to_premise_step(wizard)
    wizard.answer("premise", {**DALLAS_SWITCH["premise"], "esi_id": DALLAS_100_MAIN})
    assert answers_of(session)["esi_id"] == DALLAS_100_MAIN
    page = text(wizard.get("/signup/premise"))
    assert f"ESI ID {DALLAS_100_MAIN} is 100 MAIN ST, DALLAS 75201, served by Oncor Electric Delivery." in page


# --- the browser is never trusted ---------------------------------------------------------------

def test_a_posted_esi_id_of_another_zip_or_not_in_the_table_is_refused(wizard, premises, session):
    wizard.walk(GALVESTON)
    before = answers_of(session)
    response = use(wizard, "utility", DALLAS_100_MAIN, address="1500 Main")
    assert response.location.endswith("/signup/utility#address-results")
    assert "100 MAIN ST, DALLAS is for an address in ZIP code 75201, not 77550." in text(wizard.get("/signup/utility"))
    for forged in ("10400519999999999", "<script>", ""):
        use(wizard, "utility", forged, address="1500 Main")
        page = text(wizard.get("/signup/utility"))
        assert ("That address is not in our list." in page) or ("Choose your address from the list." in page)
    after = answers_of(session)
    assert "utility" not in after and "premise_found" not in after
    assert {k: v for k, v in after.items() if k != "_unsaved"} == {k: v for k, v in before.items() if k != "_unsaved"}


def test_a_premise_whose_utility_the_catalog_does_not_offer_there_is_refused(wizard, premises, session):
    premises.add(Premise(esi_id="10443720000000001", address="1600 MAIN ST", city="GALVESTON", state="TX",
                         zip="77550", duns="1039940674000", status="Active", premise_type="Residential",
                         metered=True, switch_hold=False, address_key="1600 MAIN ST", street_key="MAIN ST 1600"))
    premises.commit()
    wizard.walk(GALVESTON)
    assert "1600 MAIN ST, GALVESTON 77550 Another utility" in text(find(wizard, "utility", "1600"))
    use(wizard, "utility", "10443720000000001")
    assert (f"1600 MAIN ST, GALVESTON is served by a utility we don't serve in ZIP code 77550. Check the address, "
            f"or call us at {PHONE}.") in text(wizard.get("/signup/utility"))
    assert "utility" not in answers_of(session)


def test_search_and_choice_need_the_csrf_token(wizard, premises, session):
    wizard.walk(GALVESTON)
    for path, data in (("/signup/utility/find-address", {"address": "1500 Main"}),
                       ("/signup/utility/use-address", {"premise": TNMP_1500_MAIN})):
        response = wizard.client.post(path, data=data, headers=HTMX)
        assert response.status_code == 400
        assert "1500 MAIN ST" not in text(response) and "This page has expired" in text(response)
    assert "utility" not in answers_of(session)


def test_search_needs_a_draft_at_that_step(wizard, premises):
    response = wizard.client.post("/signup/premise/find-address", data={"service_line1": "1500 Main"})
    assert response.status_code == 400  # no session yet: no CSRF token either
    wizard.walk(GALVESTON)
    response = wizard.client.post("/signup/premise/find-address", headers=HTMX,
                                  data={"csrf_token": token(wizard, "utility"), "service_line1": "1500 Main"})
    assert response.status_code == 303 and response.location.endswith("/signup/utility")
    assert wizard.client.post("/signup/referral/find-address",
                              data={"csrf_token": token(wizard, "utility")}).status_code == 404


def test_a_rate_limited_search_says_so_and_keeps_what_was_typed(make_app, premises):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", PREMISE_SEARCH_RATE_LIMIT="2 per minute")
    wizard = Wizard(app.test_client())
    wizard.walk(DALLAS_TO_PREMISE)
    assert "1 address found." in text(find(wizard, "premise", "100 Main"))
    assert "1 address found." in text(find(wizard, "premise", "100 Main St"))
    limited = find(wizard, "premise", "100 Main St,")
    assert limited.status_code == 200
    assert "You have searched for addresses many times in a short while. Wait a minute, then try again." \
        in text(limited)
    assert "100 MAIN ST" not in text(limited)
    # Without JavaScript: the page again, with the message and everything typed.
    response = find(wizard, "premise", "100 Main", htmx=False, service_city="Dallas", billing_same="yes")
    assert response.status_code == 303
    page = wizard.get("/signup/premise")
    assert "You have searched for addresses many times" in text(page)
    assert field_values(page, "service_line1", "service_city") == {"service_line1": "100 Main",
                                                                   "service_city": "Dallas"}


# --- the extract's rules in the wizard ----------------------------------------------------------

def test_a_business_premise_guides_a_home_customer_to_the_business_path(wizard, premises, session):
    to_premise_step(wizard)
    use(wizard, "premise", BUSINESS_1717_MAIN, service_line1="1717 Main")
    page = wizard.get("/signup/premise")
    assert ("1717 MAIN ST STE 200, DALLAS is a business address: the utility lists it as “Small Non-Residential”. "
            "You told us the electricity is for a home. To sign this address up, change to a business signup.") \
        in text(page)
    assert re.search(r'<a href="/signup/customer-type\?change=1"[^>]*>Change to a business signup</a>',
                     page.get_data(as_text=True))
    assert not answers_of(session).get("premise_found")
    # Typed by hand, the same.
    response = wizard.post("/signup/premise", {**DALLAS_SWITCH["premise"], "esi_id": BUSINESS_1717_MAIN})
    assert response.status_code == 422
    assert errors(response)[0].startswith("1717 MAIN ST STE 200, DALLAS is a business address")
    assert "Change to a business signup" in text(response)


def test_a_business_customer_may_use_a_business_premise(wizard, premises, session):
    business = {**DALLAS_TO_PREMISE, "customer-type": {"customer_type": "commercial"},
                "about-you": {**DALLAS_SWITCH["about-you"], "business_name": "Garza Tacos", "tax_id": "12-3456789"}}
    to_premise_step(wizard, business)
    response = use(wizard, "premise", BUSINESS_1717_MAIN)
    assert response.location.endswith("/signup/premise")
    page = wizard.get("/signup/premise")
    assert field_values(page, "service_line1", "service_line2") == {"service_line1": "1717 MAIN ST",
                                                                    "service_line2": "STE 200"}


@pytest.mark.parametrize("esi_id, says", [
    (DE_ENERGIZED_1800_ELM, "No electricity is connected at 1800 ELM ST, DALLAS now, so your signup is a move-in: "
                            "the utility connects the power on the move-in date you choose."),
    (SWITCH_HOLD_1900_ELM, "The utility has put a switch hold on 1900 ELM ST, DALLAS, so its electricity provider "
                           "can't be switched now. If you are moving in, sign up as a move-in. If you live there "
                           f"now, call us at {PHONE} and we will help."),
])
def test_a_de_energized_or_held_premise_takes_only_a_move_in(wizard, premises, session, esi_id, says):
    to_premise_step(wizard)
    use(wizard, "premise", esi_id)
    page = wizard.get("/signup/premise")
    assert says in text(page)
    assert radio_values(page, "enrollment_type") == ["move_in"]  # the question answered: move-in
    assert re.search(r'<input checked id="enrollment_type-0" name="enrollment_type"[^>]*value="move_in">',
                     page.get_data(as_text=True))
    filled = field_values(page, "service_line1", "service_line2", "service_city", "esi_id")
    # A switch posted anyway is refused, plainly.
    response = wizard.post("/signup/premise", {**filled, "billing_same": "yes", "enrollment_type": "switch",
                                               "start_timing": "first_available"})
    assert response.status_code == 422
    assert "Only a move-in can be made at this address: choose Move-in and the date." in errors(response)
    # The move-in date rules apply.
    response = wizard.post("/signup/premise", {**filled, "billing_same": "yes", "enrollment_type": "move_in",
                                               "move_in_date": in_days(-1)})
    assert "The move-in date cannot be in the past." in errors(response)
    wizard.answer("premise", {**filled, "billing_same": "yes", "enrollment_type": "move_in",
                              "move_in_date": in_days(7)})
    stored = answers_of(session)
    assert stored["enrollment_type"] == "move_in" and stored["start_timing"] == "move_in"
    assert stored["esi_id"] == esi_id


def test_a_de_energized_esi_id_typed_by_hand_is_a_move_in_too(wizard, premises):
    to_premise_step(wizard)
    response = wizard.post("/signup/premise", {**DALLAS_SWITCH["premise"], "esi_id": DE_ENERGIZED_1800_ELM})
    assert response.status_code == 422
    assert "Only a move-in can be made at this address: choose Move-in and the date." in errors(response)
    assert "No electricity is connected at 1800 ELM ST, DALLAS now" in text(response)


def test_at_the_utility_step_a_held_premise_is_told_at_once(wizard, premises, session):
    wizard.walk(GALVESTON)
    assert use(wizard, "utility", SWITCH_HOLD_1521_MAIN).location.endswith("/signup/referral")
    page = text(wizard.get("/signup/referral"))
    assert "1521 MAIN ST, GALVESTON is served by CenterPoint Energy Houston Electric." in page
    assert "switch hold on 1521 MAIN ST, GALVESTON" in page and PHONE in page
    # The de-energized one (ZIP+4 in the extract) is in the ZIP too.
    use(wizard, "utility", DE_ENERGIZED_1520_MAIN)
    assert answers_of(session)["utility"] == "tnmp"


def test_an_unmetered_premise_is_refused_with_the_reason(wizard, premises, session):
    to_premise_step(wizard)
    use(wizard, "premise", UNMETERED_STREET_LIGHT, service_line1="1000 Elm")
    expected = (f"1000 ELM ST STREET LIGHT, DALLAS (ESI ID {UNMETERED_STREET_LIGHT}) has no meter: it is unmetered "
                "service, like a street light, so it can't be signed up for a plan.")
    assert expected in text(wizard.get("/signup/premise"))
    assert not answers_of(session).get("premise_found")
    response = wizard.post("/signup/premise", {**DALLAS_SWITCH["premise"], "esi_id": UNMETERED_STREET_LIGHT})
    assert response.status_code == 422 and errors(response)[0].startswith(expected)


def test_an_inactive_premise_is_refused_with_the_reason(wizard, premises, session):
    premises.execute(update(Premise).where(Premise.esi_id == DALLAS_100_MAIN).values(status="Inactive"))
    premises.commit()
    to_premise_step(wizard)
    assert "Inactive: can't be signed up" in text(find(wizard, "premise", "100 Main"))
    use(wizard, "premise", DALLAS_100_MAIN)
    assert f"The utility lists 100 MAIN ST, DALLAS (ESI ID {DALLAS_100_MAIN}) as inactive, so it can't be signed up." \
        in text(wizard.get("/signup/premise"))
    response = wizard.post("/signup/premise", {**DALLAS_SWITCH["premise"], "esi_id": DALLAS_100_MAIN})
    assert response.status_code == 422 and "as inactive" in errors(response)[0]


def test_a_switch_hold_placed_after_the_premise_step_stops_the_enrollment(wizard, premises, session):
    to_premise_step(wizard)
    wizard.answer("premise", {**DALLAS_SWITCH["premise"], "esi_id": DALLAS_100_MAIN})
    wizard.answer("credentials", DALLAS_SWITCH["credentials"])
    premises.execute(update(Premise).where(Premise.esi_id == DALLAS_100_MAIN).values(switch_hold=True))
    premises.commit()  # the next daily extract put a hold on it
    response = wizard.submit()
    assert response.location.endswith("/signup/premise")
    page = wizard.get("/signup/premise")
    assert "The utility has put a switch hold on 100 MAIN ST, DALLAS" in text(page)
    assert answers_of(session).get("enrollment_type") == "switch"
    assert session.scalar(select(Draft)).enrollment_id is None


# --- inside an affiliate's iframe -----------------------------------------------------------------

@pytest.mark.parametrize("cookies", [True, False], ids=["partitioned-cookie", "no-cookie-at-all"])
def test_the_lookup_works_in_the_embedded_wizard(app, premises, cookies):
    from .test_embed import EmbeddedCustomer, text as page_text

    customer = EmbeddedCustomer(app, cookies=cookies)
    customer.walk(GALVESTON)
    page = page_text(customer.page)
    assert 'hx-post="/embed/ACME/signup/utility/find-address"' in page
    results = customer.send({"address": "1500 Main"}, action="/embed/ACME/signup/utility/find-address",
                            follow_redirects=True)
    assert results.status_code == 200
    assert "1500 MAIN ST, GALVESTON 77550 Texas-New Mexico Power (TNMP)" in text(results)
    customer.page = results
    after = customer.send({"premise": TNMP_1500_MAIN}, action="/embed/ACME/signup/utility/use-address",
                          follow_redirects=True)
    assert "/embed/ACME/signup/referral" in page_text(after)
    assert "1500 MAIN ST, GALVESTON is served by Texas-New Mexico Power (TNMP)." in text(after)
