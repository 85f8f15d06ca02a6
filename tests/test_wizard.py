"""The wizard through the Flask test client: each step, the journey rules and the submit."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billing import Status
from billing.models import Enrollment, OutboxItem
from wizard.account.models import Account
from wizard.core.models import Base, Customer
from wizard.signup.models import AreaWaitlist, Draft
from wizard.signup.steps import STEPS

from .helpers import ACKS, DALLAS_SWITCH, PASSWORD, SAVE10_VALID_DAY, Wizard, csrf_token, errors, in_days


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def html(response) -> str:
    """The page as text, entities decoded (so "don't" reads as typed)."""
    return unescape(response.get_data(as_text=True))


# --- walking the wizard -------------------------------------------------------------------

def test_root_lands_on_the_zip_step(client):
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/signup/zip"
    assert "Step 1 of 11: Your ZIP code" in html(response)  # a ZIP may have several utilities


def test_happy_path_stores_one_enrollment_with_outbox_row(wizard, session):
    wizard.walk()
    response = wizard.submit()
    assert response.status_code == 303 and response.location.endswith("/signup/confirmation")
    page = html(wizard.get("/signup/confirmation"))
    number = re.search(r"EN-[A-Z0-9]{8}", page).group(0)
    enrollment = session.scalar(select(Enrollment))
    assert enrollment.number == number
    assert enrollment.status == Status.NEW
    assert enrollment.consent["method"] == "web"
    assert [s["code"] for s in enrollment.consent["statements"]] == [
        "documents_read", "authorize_switch", "rescission", "authorized_on_account"]
    assert count(session, OutboxItem) == 1
    assert "cancel without a fee within 3 federal business days" in page


@pytest.mark.parametrize("slug", [s.slug for s in STEPS if s.slug != "zip"])
def test_cannot_skip_ahead_from_a_new_draft(client, slug):
    response = client.get(f"/signup/{slug}")
    assert response.status_code in (302, 303)
    assert response.location.endswith("/signup/zip")


@pytest.mark.parametrize("slug", ["customer", "about-you", "premise", "credentials", "review"])
def test_cannot_skip_ahead_of_the_first_unanswered_step(wizard, slug):
    wizard.walk(until="customer")
    response = wizard.get(f"/signup/{slug}")
    if slug == "customer":
        assert response.status_code == 200 and "New or existing customer" in html(response)
    else:
        assert response.location.endswith("/signup/customer")


def test_posting_ahead_is_refused_too(wizard, session):
    wizard.walk(until="plans")
    token = csrf_token(html(wizard.get("/signup/referral")))
    response = wizard.client.post("/signup/credentials", data={"username": "x", "password": PASSWORD,
                                                               "csrf_token": token})
    assert response.location.endswith("/signup/plans")
    assert "username" not in session.scalar(select(Draft)).answers


def test_progress_shows_step_number_and_title(wizard):
    wizard.walk(until="referral")
    assert "Step 4 of 10: How you heard about us" in html(wizard.get("/signup/referral"))


def test_utility_step_skipped_for_single_utility_zip(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    assert session.scalar(select(Draft)).answers["utility"] == "oncor"
    wizard.walk({k: v for k, v in DALLAS_SWITCH.items() if k in ("promo", "customer-type")})
    assert wizard.get("/signup/utility").location.endswith("/signup/referral")


def test_split_zip_asks_for_the_utility(wizard):
    wizard.answer("zip", {"zip": "77550"})
    wizard.answer("promo", {"promo": ""})
    response = wizard.answer("customer-type", {"customer_type": "residential"})
    assert response.location.endswith("/signup/utility")
    page = html(wizard.get("/signup/utility"))
    assert "Texas-New Mexico Power" in page and "CenterPoint" in page
    assert "Step 4 of 11: Your utility" in page


# --- invalid input: 422, a summary linking to the field, the value kept ----------------------

@pytest.mark.parametrize("value,message", [
    ("", "Enter the 5-digit ZIP code"),
    ("7520", "Enter a ZIP code as 5 digits"),
    ("75201-1234", "Enter a ZIP code as 5 digits"),
    ("٧٥٢٠١", "Enter a ZIP code as 5 digits"),
    ("x" * 5000, "Enter a ZIP code as 5 digits"),
])
def test_invalid_zip(wizard, value, message):
    response = wizard.post("/signup/zip", {"zip": value})
    assert response.status_code == 422
    page = html(response)
    assert 'class="error-summary"' in page and '<a href="#zip">' in page
    assert message in page
    assert 'aria-describedby="zip-error"' in page and 'aria-invalid="true"' in page


def test_zip_not_served_offers_the_wait_list(wizard, session):
    response = wizard.post("/signup/zip", {"zip": "10001"}, follow=True)
    assert response.request.path == "/signup/not-served"
    assert "We don't serve your area yet" in html(response)
    bad = wizard.post("/signup/not-served", {"email": "not an email"})
    assert bad.status_code == 422 and "Enter an email address like" in html(bad)
    thanks = wizard.post("/signup/not-served", {"email": "Pat@Example.com"})
    assert ("When we start serving 10001, we'll send one email to Pat@example.com with a link to sign up, "
            "and nothing else.") in html(thanks)
    wizard.post("/signup/not-served", {"email": "Pat@Example.com"})  # twice: kept once
    assert [(w.zip, w.email) for w in session.scalars(select(AreaWaitlist))] == [("10001", "Pat@example.com")]
    assert wizard.get("/signup/promo").location.endswith("/signup/zip")


@pytest.mark.parametrize("code,message", [
    ("NOPE", "We don't recognise that promo code"),
    ("SUMMER24", "That promo code expired on August 31, 2024"),
])
def test_invalid_promo_is_explained_and_can_be_skipped(wizard, session, code, message):
    wizard.answer("zip", {"zip": "75201"})
    response = wizard.post("/signup/promo", {"promo": code})
    assert response.status_code == 422 and message in html(response)
    assert f'value="{code}"' in html(response)
    assert "Continue without a promo code" in html(response)
    skip = wizard.post("/signup/promo", {"promo": code, "skip": "1"})
    assert skip.status_code == 303 and skip.location.endswith("/signup/customer-type")
    assert session.scalar(select(Draft)).answers["promo"] == ""


def test_valid_promo_any_case_unlocks_its_plan(make_app):
    wizard = Wizard(make_app(TODAY=SAVE10_VALID_DAY).test_client())
    wizard.answer("zip", {"zip": "75201"})
    wizard.answer("promo", {"promo": "save10"})
    wizard.walk({k: v for k, v in DALLAS_SWITCH.items() if k in ("customer-type", "referral")})
    assert "Save 10 Special 12" in html(wizard.get("/signup/plans"))


@pytest.mark.parametrize("day,ok", [(dt.date(2025, 1, 1), True), (dt.date(2030, 12, 31), True),
                                    (dt.date(2024, 12, 31), False), (dt.date(2031, 1, 1), False)])
def test_save10_works_only_within_its_dates(make_app, session, day, ok):
    wizard = Wizard(make_app(TODAY=day).test_client())
    wizard.answer("zip", {"zip": "75201"})
    response = wizard.post("/signup/promo", {"promo": "SAVE10"})
    if ok:
        assert response.status_code == 303 and session.scalar(select(Draft)).answers["promo"] == "SAVE10"
        return
    message = ("That promo code expired on December 31, 2030" if day.year > 2030
               else "That promo code starts on January 1, 2025")
    assert response.status_code == 422 and message in html(response)
    assert "promo" not in session.scalar(select(Draft)).answers


def test_without_promo_the_promo_plan_and_agent_plan_are_hidden(wizard):
    wizard.walk(until="plans")
    page = html(wizard.get("/signup/plans"))
    assert "Lone Star Saver 12" in page
    assert "Save 10 Special 12" not in page and "Phone Special 12" not in page
    assert "Business Fixed 12" not in page  # commercial only


def test_plans_show_efl_facts_and_average_prices(wizard):
    wizard.walk(until="plans")
    page = html(wizard.get("/signup/plans"))
    article = page[page.index('id="plan-SAVER12"'):page.index('id="plan-GREEN12"')]
    for text in ("11.9¢", "Fixed", "12 months", "$150", "$9.95 a month", "500 kWh", "1,000 kWh", "2,000 kWh",
                 "20.3¢", "18.9¢", "18.2¢", "Electricity Facts Label", "Terms of Service", "Your Rights as a Customer"):
        assert text in article, text


def test_bill_credit_plan_shows_credit_and_its_effect_on_average_prices(wizard):
    wizard.walk(until="plans")
    page = html(wizard.get("/signup/plans"))
    article = page[page.index('id="plan-CREDIT12"'):]
    article = article[:article.index("</article>")]
    for text in ("$100 in a month of 1,000 kWh or more", "$15 per remaining month", "15.9¢", "5.5¢", "10.3¢"):
        assert text in article, text


@pytest.mark.parametrize("plan", ["PHONE12", "SAVE10PLAN", "BIZ12", "NOSUCH", ""])
def test_plan_not_offered_is_refused_even_if_posted_by_hand(wizard, session, plan):
    wizard.walk(until="plans")
    response = wizard.post("/signup/plans", {"plan": plan})
    assert response.status_code == 422
    message = ("Choose a plan to sign up for." if not plan
               else "That plan is not available for your address. Choose one of the plans below.")
    assert f'<a href="#plan">{message}</a>' in html(response)
    assert "plan" not in session.scalar(select(Draft)).answers


def test_utility_not_serving_the_zip_is_refused(wizard, session):
    wizard.answer("zip", {"zip": "77550"})
    wizard.answer("promo", {"promo": ""})
    wizard.answer("customer-type", {"customer_type": "residential"})
    response = wizard.post("/signup/utility", {"utility": "oncor"})
    assert response.status_code == 422
    page = html(response)
    # One message, on the utility question, linked from the summary; only the ZIP's utilities offered.
    assert len(errors(response)) == 1
    assert 'href="#utility-0"' in page and 'id="utility-error"' in page
    assert "CenterPoint Energy Houston Electric" in page and "Texas-New Mexico Power" in page
    assert 'value="oncor"' not in page and "Oncor" not in page
    assert "utility" not in session.scalar(select(Draft)).answers


def test_referral_must_be_from_the_list(wizard):
    wizard.walk(until="referral")
    response = wizard.post("/signup/referral", {"referral": "bribe"})
    assert response.status_code == 422
    page = html(response)
    assert len(errors(response)) == 1 and 'href="#referral-0"' in page and 'id="referral-error"' in page
    assert "Friend or family" in page and "bribe" not in page


ABOUT = DALLAS_SWITCH["about-you"]


@pytest.mark.parametrize("field,value,message", [
    ("first_name", "", "Enter your first name."),
    ("email", "ana@", "Enter an email address like name@example.com."),
    ("phone", "555-0100", "Enter a US phone number with area code"),
    ("date_of_birth", "", "Enter your date of birth."),
    ("date_of_birth", "1980-02-31", "Enter a real date of birth"),
    ("date_of_birth", in_days(-365 * 17), "You must be 18 or older"),
    ("identity_value", "000-12-3456", "Enter your 9-digit Social Security number"),
])
def test_about_you_invalid_keeps_other_answers(wizard, field, value, message):
    wizard.walk(until="about-you")
    response = wizard.post("/signup/about-you", {**ABOUT, field: value})
    assert response.status_code == 422
    page = html(response)
    assert message in page
    assert 'value="Garza"' in page  # what was typed is still there
    assert "234-56-7890" not in page  # the identity value is never echoed back


def test_about_you_stores_dob_and_ssn_encrypted_only(app, wizard, session):
    wizard.walk(until="premise")
    answers = session.scalar(select(Draft)).answers
    assert "date_of_birth" not in answers and "identity_value" not in answers
    assert answers["identity_last4"] == "7890" and answers["phone"] == "+12145550100"
    assert app.extensions["cipher"].decrypt(answers["identity_enc"]) == "234567890"
    assert app.extensions["cipher"].decrypt(answers["dob_enc"]) == "1980-03-27"


def test_commercial_customer_gives_business_name_and_tax_id(wizard):
    wizard.walk({**{k: DALLAS_SWITCH[k] for k in ("zip", "promo")}, "customer-type": {"customer_type": "commercial"},
                 "referral": {"referral": "search"}, "plans": {"plan": "BIZ12"}, "customer": {"customer_status": "new"}})
    response = wizard.post("/signup/about-you", ABOUT)
    assert response.status_code == 422
    assert "Enter the name of the business." in html(response)
    accepted = wizard.post("/signup/about-you", {**ABOUT, "business_name": "Taco Hut LLC", "tax_id": "12-3456789"})
    assert accepted.status_code == 303 and accepted.location.endswith("/signup/premise")


PREMISE = DALLAS_SWITCH["premise"]


@pytest.mark.parametrize("changes,message", [
    ({"esi_id": ""}, "Enter the ESI ID of the address."),
    ({"esi_id": "1044372000123"}, "Enter the ESI ID as 17 or 22 digits"),
    ({"esi_id": "10089010001234567"}, "That ESI ID does not belong to Oncor Electric Delivery"),
    ({"enrollment_type": "move_in", "move_in_date": ""}, "Enter the move-in date."),
    ({"enrollment_type": "move_in", "move_in_date": in_days(-1)}, "The move-in date cannot be in the past."),
    ({"enrollment_type": "move_in", "move_in_date": in_days(91)}, "The date must be within 90 days"),
    ({"start_timing": "self_selected", "switch_date": in_days(0)}, "The earliest date we can request is"),
    ({"billing_same": "no"}, "Enter the billing street address."),
    ({"service_line1": ""}, "Enter the street address to be served."),
])
def test_premise_invalid(wizard, changes, message):
    wizard.walk(until="premise")
    response = wizard.post("/signup/premise", {**PREMISE, **changes})
    assert response.status_code == 422
    assert message in html(response)
    assert 'value="Dallas"' in html(response)


def test_move_in_date_accepted_within_window(wizard, session):
    wizard.walk(until="premise")
    wizard.answer("premise", {**PREMISE, "enrollment_type": "move_in", "move_in_date": in_days(3)})
    answers = session.scalar(select(Draft)).answers
    assert answers["start_timing"] == "move_in" and answers["requested_date"] == in_days(3)


@pytest.mark.parametrize("username,password,message", [
    ("ana.garza", "short", "at least 12 characters"),
    ("ana.garza", "ana.garza", "at least 12 characters"),
    ("ana.garza.1980", "Ana.Garza.1980", "must not be your username"),
    ("ana.garza", "password1234", "Choose a less common password"),
    ("a b", PASSWORD, "Use 3 to 64 characters"),
    ("ana.garza", "", "Choose a password."),
])
def test_credentials_invalid(wizard, username, password, message):
    wizard.walk(until="credentials")
    response = wizard.post("/signup/credentials", {"username": username, "password": password})
    assert response.status_code == 422 and message in html(response)
    assert not re.search(r'id="password"[^>]*value="[^"]', html(response))  # never echoed


def test_password_is_hashed_with_argon2id_and_never_stored(app, wizard, session):
    wizard.walk(until="review")
    answers = session.scalar(select(Draft)).answers
    assert answers["password_hash"].startswith("$argon2id$")
    assert "password" not in answers
    wizard.submit()
    account = session.scalar(select(Account))
    assert account.password_hash.startswith("$argon2id$")
    everything = " ".join(str(tuple(row)) for table in Base.metadata.sorted_tables
                          for row in session.execute(table.select()))
    assert "Garza" in everything  # the dump does see the data
    for secret in (PASSWORD, "234567890", "234-56-7890", "1980-03-27"):
        assert secret not in everything, secret


def test_username_unique_case_insensitively(wizard, client, app):
    wizard.walk()
    wizard.submit()
    other = Wizard(app.test_client())
    other.walk(until="credentials")
    response = other.post("/signup/credentials", {"username": "ANA.GARZA", "password": PASSWORD})
    assert response.status_code == 422 and "That username is taken" in html(response)


# --- back, change, resume --------------------------------------------------------------------

def test_back_button_keeps_unsaved_input(wizard):
    wizard.walk(until="about-you")
    response = wizard.post("/signup/about-you", {**ABOUT, "email": "half typed", "nav": "back"})
    assert response.location.endswith("/signup/customer")
    page = html(wizard.get("/signup/about-you"))
    assert 'value="half typed"' in page and 'value="Garza"' in page
    assert "234-56-7890" not in page


def test_back_button_never_keeps_secrets_in_clear(wizard, session):
    wizard.walk(until="about-you")
    wizard.post("/signup/about-you", {**ABOUT, "date_of_birth": "1975-05-05", "nav": "back"})
    unsaved = session.scalar(select(Draft)).answers["_unsaved"]["about-you"]
    assert unsaved["first_name"] == "Ana"
    assert "date_of_birth" not in unsaved and "identity_value" not in unsaved
    assert "1975-05-05" not in str(session.scalar(select(Draft)).answers)


def test_change_link_from_review_comes_back_to_review(wizard):
    wizard.walk()
    page = html(wizard.get("/signup/review"))
    assert 'href="/signup/referral?change=1"' in page
    response = wizard.post("/signup/referral?change=1", {"referral": "social"})
    assert response.location.endswith("/signup/review")
    assert "Social media" in html(wizard.get("/signup/review"))


def test_changing_zip_to_another_utility_asks_for_the_esi_id_again(wizard, session):
    wizard.walk()
    response = wizard.post("/signup/zip?change=1", {"zip": "77002"})
    assert response.location.endswith("/signup/premise")
    answers = session.scalar(select(Draft)).answers
    assert answers["utility"] == "centerpoint" and "esi_id" not in answers
    assert answers["first_name"] == "Ana"  # nothing else lost


def test_changing_customer_type_drops_a_plan_no_longer_offered(wizard, session):
    wizard.walk()
    wizard.post("/signup/customer-type?change=1", {"customer_type": "commercial"})
    wizard.answer("plans", {"plan": "BIZ12"})
    wizard.post("/signup/customer-type?change=1", {"customer_type": "residential"})
    assert "plan" not in session.scalar(select(Draft)).answers


def test_resume_within_ttl_at_first_unanswered_step(app, wizard):
    wizard.walk(until="plans")
    cookie = wizard.client.get_cookie("signup")
    assert cookie.expires is not None  # survives closing the browser
    returning = app.test_client()
    returning.set_cookie("signup", cookie.value)
    response = returning.get("/signup/")
    assert response.location.endswith("/signup/plans")
    assert 'value="friend" checked' in html(returning.get("/signup/referral")) or \
        'checked id="referral-1"' in html(returning.get("/signup/referral"))


def test_after_ttl_the_draft_is_gone_and_purged(app, wizard, session, runner):
    wizard.walk(until="plans")
    draft = session.scalar(select(Draft))
    draft.expires_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    session.commit()
    assert wizard.get("/signup/").location.endswith("/signup/zip")
    result = runner.invoke(args=["drafts", "purge"])
    assert "Purged 1 expired draft" in result.output
    assert count(session, Draft) == 0


def test_purge_keeps_live_drafts(wizard, session, runner):
    wizard.walk(until="plans")
    assert "Purged 0" in runner.invoke(args=["drafts", "purge"]).output
    assert count(session, Draft) == 1


# --- submit once --------------------------------------------------------------------------

def test_double_submit_refresh_and_back_then_submit_make_one_enrollment(wizard, session):
    wizard.walk()
    page = html(wizard.get("/signup/review"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    first = wizard.client.post("/signup/review", data={**ACKS, "csrf_token": token})
    second = wizard.client.post("/signup/review", data={**ACKS, "csrf_token": token})  # double click
    assert first.location.endswith("/signup/confirmation") and second.location.endswith("/signup/confirmation")
    assert wizard.get("/signup/review").location.endswith("/signup/confirmation")  # Back
    number = session.scalar(select(Enrollment.number))
    assert number in html(wizard.get("/signup/confirmation"))  # refresh shows the same enrollment
    assert wizard.get("/signup/premise").location.endswith("/signup/confirmation")
    assert count(session, Enrollment) == 1 and count(session, OutboxItem) == 1


def test_concurrent_submits_make_one_enrollment(app, wizard, session):
    """Two requests racing past the 'already submitted' check collide on the submission key."""
    from concurrent.futures import ThreadPoolExecutor
    wizard.walk()
    page = html(wizard.get("/signup/review"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    cookie = wizard.client.get_cookie("signup").value

    def post(_):
        c = app.test_client()
        c.set_cookie("signup", cookie)
        return c.post("/signup/review", data={**ACKS, "csrf_token": token}).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(post, range(4)))
    assert codes == [303] * 4
    assert count(session, Enrollment) == 1


def test_acknowledgements_must_each_be_confirmed(wizard, session):
    wizard.walk()
    response = wizard.post("/signup/review", {k: v for k, v in ACKS.items() if k != "ack_rescission"})
    assert response.status_code == 422
    assert "Confirm this statement to enroll" in html(response)
    assert 'href="#ack_rescission"' in html(response)
    assert count(session, Enrollment) == 0


def test_plan_withdrawn_before_submit_sends_back_to_plans(wizard, session):
    from wizard.catalog.models import Plan
    wizard.walk()
    plan = session.get(Plan, "SAVER12")
    plan.visibility = [v for v in plan.visibility if v.channel != "web"]
    session.commit()
    response = wizard.submit()
    assert response.status_code == 303 and response.location.endswith("/signup/plans")
    assert count(session, Enrollment) == 0


# --- existing customers --------------------------------------------------------------------

def test_existing_customer_adds_a_premise_without_retyping_identity(app, wizard, session):
    wizard.walk()
    wizard.submit()
    second = Wizard(app.test_client())
    second.walk({k: v for k, v in DALLAS_SWITCH.items() if k in ("zip", "promo", "customer-type", "referral", "plans")})
    response = second.answer("customer", {"customer_status": "existing"})
    assert response.location.endswith("/signup/sign-in")
    bad = second.post("/signup/sign-in", {"username": "ana.garza", "password": "wrong password!!"})
    assert bad.status_code == 422 and "The username or password is not right" in html(bad)
    assert second.answer("sign-in", {"username": "Ana.Garza", "password": PASSWORD}).location.endswith("/signup/premise")
    second.answer("premise", {**PREMISE, "service_line1": "77 Elm St", "service_line2": "",
                              "esi_id": "10443720007654321"})
    assert second.submit().location.endswith("/signup/confirmation")
    enrollments = session.scalars(select(Enrollment).order_by(Enrollment.id)).all()
    assert len(enrollments) == 2 and count(session, Customer) == 1
    assert enrollments[0].customer_id == enrollments[1].customer_id
    account_page = html(second.get("/account/"))
    assert enrollments[0].number in account_page and enrollments[1].number in account_page


def test_signed_in_customer_choosing_existing_is_not_asked_to_sign_in_again(app, wizard, session):
    wizard.walk()
    wizard.submit()
    wizard.post("/signup/restart", {})  # a fresh draft, still signed in
    wizard.walk({k: v for k, v in DALLAS_SWITCH.items() if k in ("zip", "promo", "customer-type", "referral", "plans")})
    assert wizard.answer("customer", {"customer_status": "existing"}).location.endswith("/signup/premise")
    wizard.answer("premise", {**PREMISE, "service_line1": "5 Pine St", "esi_id": "10443720005555555"})
    assert wizard.submit().location.endswith("/signup/confirmation")
    assert count(session, Enrollment) == 2 and count(session, Customer) == 1


def test_enroll_and_add_another_premise_from_review(wizard, session):
    wizard.walk()
    response = wizard.submit(another="1")
    assert response.location.endswith("/signup/zip")
    wizard.answer("zip", {"zip": "77002"})
    wizard.answer("promo", {"promo": ""})
    assert wizard.answer("referral", {"referral": "friend"}).location.endswith("/signup/plans")
    # Signed in already: no "are you a customer?", no second sign-in, no identity questions.
    assert wizard.answer("plans", {"plan": "STEADY24"}).location.endswith("/signup/premise")
    assert "Step 6 of 7: Service address" in html(wizard.get("/signup/premise"))
    wizard.answer("premise", {**PREMISE, "esi_id": "1008901000123456789012", "service_city": "Houston"})
    assert wizard.submit().location.endswith("/signup/confirmation")
    assert count(session, Enrollment) == 2 and count(session, Customer) == 1


# --- htmx, CSRF, rate limits, errors -------------------------------------------------------

def test_htmx_gets_the_panel_only_and_history_restore_the_page(client):
    partial = client.get("/signup/zip", headers={"HX-Request": "true"})
    assert "<html" not in html(partial) and "<title>Your ZIP code" in html(partial)
    assert 'id="account-nav" class="header-tools" hx-swap-oob="true"' in html(partial)  # header kept current
    assert partial.headers["HX-Push-Url"] == "/signup/zip"
    assert "HX-Request" in partial.headers["Vary"]
    full = client.get("/signup/zip", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in html(full)
    assert "HX-Request" in client.get("/signup/zip").headers["Vary"]


@pytest.mark.parametrize("path", ["/signup/zip", "/signup/promo", "/signup/customer-type", "/signup/review",
                                  "/account/login"])
def test_head_answers_as_get_without_a_body(wizard, session, path):
    wizard.walk()
    before = session.scalar(select(Draft)).answers
    get = wizard.get(path)
    head = wizard.client.head(path)
    assert get.status_code == head.status_code == 200
    assert head.get_data() == b"" and head.headers["Content-Type"] == get.headers["Content-Type"]
    session.expire_all()
    assert session.scalar(select(Draft)).answers == before  # nothing was taken as an answer


def test_head_on_a_fresh_browser_shows_the_zip_step(client):
    response = client.head("/signup/zip")
    assert response.status_code == 200 and response.get_data() == b""
    assert response.headers["Content-Type"].startswith("text/html")


def test_post_without_csrf_token_is_refused_kindly(client, session):
    response = client.post("/signup/zip", data={"zip": "75201"})
    assert response.status_code == 400
    assert "This page has expired" in html(response)
    assert count(session, Draft) == 0


def test_security_headers(client):
    response = client.get("/signup/zip")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_step_is_a_friendly_404(client):
    response = client.get("/signup/nope")
    assert response.status_code == 404 and "Page not found" in html(response)


def test_zip_lookups_are_rate_limited(make_app):
    wizard = Wizard(make_app(RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="3 per minute").test_client())
    codes = [wizard.post("/signup/zip", {"zip": "10001"}).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    limited = wizard.post("/signup/zip", {"zip": "75201"})
    assert limited.status_code == 429 and "Too many attempts" in html(limited)
    assert "Your ZIP code" in html(wizard.get("/signup/zip"))  # only lookups are limited


def test_junk_in_urls_is_a_404_not_a_server_error(client):
    for path in ("/documents/%00/efl", "/signup/%00"):
        response = client.get(path)
        assert response.status_code == 404 and "Page not found" in html(response)


def test_documents_are_served(client):
    efl = client.get("/documents/SAVER12/efl?utility=oncor")
    assert efl.status_code == 200 and "Electricity Facts Label" in html(efl) and "18.9¢" in html(efl)
    for kind, title in (("tos", "Terms of Service"), ("yrac", "Your Rights as a Customer")):
        document = client.get(f"/documents/SAVER12/{kind}")
        assert document.status_code == 200 and f"<h1>{title}</h1>" in html(document)
    missing = client.get("/documents/SAVER12/nope")
    assert missing.status_code == 404 and "Page not found" in html(missing)


def test_account_requires_login_and_logout_ends_it(wizard):
    assert "/account/login" in wizard.client.get("/account/").location
    wizard.walk()
    wizard.submit()
    page = html(wizard.get("/account/"))
    assert "Signed in as ana.garza." in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_out = wizard.client.post("/account/logout", data={"csrf_token": token}, follow_redirects=True)
    assert "You are signed out." in html(signed_out)
    assert "/account/login" in wizard.get("/account/").location


def test_my_account_sign_in_upgrades_a_hash_made_with_older_argon2_parameters(wizard, make_app, session):
    wizard.walk()
    wizard.submit()  # hashed at the test settings' cost: t=1, m=8 MiB
    assert session.scalar(select(Account.password_hash)).startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    stronger = make_app(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=9 * 1024)
    customer = Wizard(stronger.test_client())
    wrong = customer.post("/account/login", {"username": "ana.garza", "password": "not the password!!"})
    assert wrong.status_code == 422 and "The username or password is not right" in html(wrong)
    session.expire_all()
    assert session.scalar(select(Account.password_hash)).startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    signed_in = customer.post("/account/login", {"username": "ana.garza", "password": PASSWORD}, follow=True)
    assert "Signed in as ana.garza." in html(signed_in)
    session.expire_all()
    assert session.scalar(select(Account.password_hash)).startswith("$argon2id$v=19$m=9216,t=2,p=1$")
    again = Wizard(stronger.test_client()).post("/account/login", {"username": "ana.garza", "password": PASSWORD},
                                                follow=True)
    assert "Signed in as ana.garza." in html(again)  # the new hash still matches


def test_billing_drain_command_drops_the_xml_and_account_shows_the_status(app, wizard, runner, session):
    wizard.walk()
    wizard.submit()
    number = session.scalar(select(Enrollment.number))
    assert "New Enrollment Saved" in html(wizard.get("/account/"))
    result = runner.invoke(args=["billing", "drain"])
    assert "Sent 1 enrollment(s)" in result.output
    assert (Path(app.config["BILLING_DROP_DIR"]) / f"{number}.xml").exists()
    assert "Submitted: Awaiting Response" in html(wizard.get("/account/"))
    assert "Sent 0 enrollment(s)" in runner.invoke(args=["billing", "drain"]).output


SWITCH_REQUEST = ("Our billing system sends your switch request to the utility after the days in which you can "
                  "cancel without a fee.")
MOVE_IN_REQUEST = "Our billing system sends your move-in request to the utility for the date you chose."


@pytest.mark.parametrize("premise,words", [
    (PREMISE, SWITCH_REQUEST),
    ({**PREMISE, "enrollment_type": "move_in", "move_in_date": in_days(3)}, MOVE_IN_REQUEST),
])
def test_confirmation_and_my_account_tell_the_same_true_story(wizard, runner, premise, words):
    wizard.walk({**DALLAS_SWITCH, "premise": premise})
    wizard.submit()
    confirmation = html(wizard.get("/signup/confirmation"))
    assert "We are passing your enrollment to our billing system now. " + words in confirmation
    assert "We send your enrollment to the utility" not in confirmation
    saved = html(wizard.get("/account/"))
    assert "Received. We are passing it to our billing system. " + words in saved
    runner.invoke(args=["billing", "drain"])
    sent = html(wizard.get("/account/"))
    assert "Submitted: Awaiting Response" in sent
    assert "With our billing system. " + words + " The utility then confirms the start date." in sent
    assert "Sent. Waiting for the utility" not in sent


def test_confirmation_says_where_it_was_emailed_and_links_the_plan_documents(wizard):
    wizard.walk()
    wizard.submit()
    page = html(wizard.get("/signup/confirmation"))
    # The email itself is read in tests/test_confirmation_mail.py.
    assert "We have emailed your confirmation and the plan's documents to ana@example.com." in page
    links = re.findall(r'<a href="(/documents/SAVER12/(?:efl|tos|yrac)\?utility=oncor)"[^>]*>([^<]+)<', page)
    assert [name for _, name in links] == ["Electricity Facts Label", "Terms of Service", "Your Rights as a Customer"]
    for url, name in links:
        document = wizard.get(url)
        assert document.status_code == 200 and name in html(document)


def test_my_account_shows_times_in_central_time_with_the_zone(wizard, session):
    wizard.walk()
    wizard.submit()
    enrollment = session.scalar(select(Enrollment))
    enrollment.created_at = dt.datetime(2026, 11, 23, 2, 5)  # 8:05 PM on the 22nd in Dallas
    enrollment.history[0].at = dt.datetime(2026, 11, 23, 2, 5)
    session.commit()
    page = html(wizard.get("/account/"))
    assert '<time datetime="2026-11-23T02:05:00Z">Nov 22, 2026, 8:05 PM CST</time>: New Enrollment Saved' in page
    assert "November 22, 2026" in page  # submitted on the Texas day, not UTC's 23rd
    assert "UTC" not in page and "2:05 AM" not in page


JUNK = ["", " ", "x" * 5000, "\x00", "<script>alert(1)</script>", "٣٤٥", "2026-02-30", "-1", "☃" * 50]


@pytest.mark.parametrize("slug,fields", [
    ("zip", ["zip"]), ("promo", ["promo"]), ("customer-type", ["customer_type"]), ("referral", ["referral"]),
    ("plans", ["plan"]), ("customer", ["customer_status"]),
    ("about-you", list(DALLAS_SWITCH["about-you"])), ("premise", list(DALLAS_SWITCH["premise"]) + ["move_in_date", "switch_date"]),
    ("credentials", ["username", "password"]),
])
def test_junk_in_any_field_is_answered_kindly_never_with_a_server_error(wizard, slug, fields):
    steps = list(DALLAS_SWITCH)
    wizard.walk({k: v for k, v in DALLAS_SWITCH.items() if steps.index(k) < steps.index(slug)})
    for field in fields:
        for junk in JUNK:
            response = wizard.post(f"/signup/{slug}", {**DALLAS_SWITCH[slug], field: junk})
            assert response.status_code in (303, 422), (field, junk[:20], response.status_code)
            if response.status_code == 422:  # refused: the customer is told why
                assert errors(response) or 'class="error-summary"' in html(response), (field, junk[:20])
            if response.status_code == 303:  # accepted: walk back to the step for the next try
                wizard.walk({k: v for k, v in DALLAS_SWITCH.items() if steps.index(k) <= steps.index(slug)})
