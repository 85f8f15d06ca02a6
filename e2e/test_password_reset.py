"""A customer who forgot their password gets a link by email, chooses a new one and signs in; a
member of staff does the same from a link clicked in webmail (another site)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.admin_helpers import make_staff
from tests.mail_helpers import deliver_mail, text_of
from wizard.account.models import Account
from wizard.core.extensions import db
from wizard.core.models import Customer as CustomerRecord
from wizard.core.passwords import hash_password

from .customer import Customer, Person
from .staff import StaffMember

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "lantern orchard velvet compass"
#: A stand-in for a webmail site: another site than the wizard's, as a mail client in a browser is.
WEBMAIL = "http://webmail.example/"


def an_existing_customer(app, me: Person) -> None:
    """A customer who enrolled some time ago, with a My Account login."""
    with app.app_context(), db.sessionmaker(app)() as session:
        record = CustomerRecord(customer_type="residential", first_name=me.first_name, last_name=me.last_name,
                                email=me.email, phone="+12145550100", language="en", contact_method="email")
        session.add(Account(username=me.username, username_key=me.username.casefold(),
                            password_hash=hash_password(me.password), customer=record))
        session.commit()


def the_link_in_my_email(app, to: str) -> str:
    """Deliver the outbox and read the one message sent to `to`: its reset link."""
    [message] = deliver_mail(app)
    assert message["To"] == to
    [link] = re.findall(r"https?://\S+/reset\?token=[A-Za-z0-9_-]+", text_of(message))
    return link


def open_in_webmail(context: BrowserContext, page, link: str) -> None:
    """Click the link in a page of another site, as in webmail (the click is a cross-site navigation)."""
    context.route(WEBMAIL, lambda route: route.fulfill(
        content_type="text/html; charset=utf-8",
        body=f'<!doctype html><html lang="en"><title>Inbox</title><main><a href="{link}">Choose a new password</a></main>'))
    page.goto(WEBMAIL)
    page.get_by_role("link", name="Choose a new password").click()


def test_a_customer_who_forgot_their_password_sets_a_new_one_and_signs_in(open_customer, live_server) -> None:
    me = Person()
    an_existing_customer(live_server.app, me)
    customer: Customer = open_customer()
    page = customer.page

    customer.open("/account/login")
    expect(customer.heading).to_have_text("Sign in to My Account")
    customer.shot("sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(customer.heading).to_have_text("Reset your password")
    customer.shot("forgot-password")

    # A mistyped address is explained by the field; then the real one.
    customer.fill("Email address", "ana at example")
    customer.press("Email me a link")
    customer.then_there_is_an_error("email", "Enter an email address like name@example.com.")
    customer.shot("forgot-password-bad-email")
    customer.fill("Email address", me.email)
    customer.press("Email me a link")
    expect(customer.heading).to_have_text("Check your email")
    customer.then_i_see(f"If a My Account login uses {me.email}, we have emailed a link")
    customer.then_i_see("The link works once, for 1 hour.")
    customer.shot("check-your-email")

    link = the_link_in_my_email(live_server.app, me.email)
    assert link.startswith(live_server.url("/account/reset?token="))
    open_in_webmail(page.context, page, link)
    # The token is out of the address bar (and history) before the form shows.
    expect(page).to_have_url(live_server.url("/account/reset"))
    expect(customer.heading).to_have_text("Choose a new password")
    customer.then_i_see("For your My Account login")
    customer.shot("choose-a-new-password")

    customer.fill("New password", NEW_PASSWORD)
    customer.fill("Type the new password again", "lantern orchard velvet")
    customer.press("Change my password")
    customer.then_there_is_an_error(
        "confirm", "The two passwords are not the same. Type the new password in both boxes again.")
    customer.shot("passwords-differ")
    customer.fill("New password", NEW_PASSWORD)
    customer.fill("Type the new password again", NEW_PASSWORD)
    customer.press("Change my password")

    expect(page).to_have_url(live_server.url("/account/login"))
    expect(page.get_by_role("status")).to_have_text("Your password is changed. Sign in with it.")
    customer.shot("password-changed")
    customer.fill("Username", me.username)
    customer.fill("Password", NEW_PASSWORD)
    customer.press("Sign in")
    expect(customer.heading).to_have_text("My Account")
    customer.then_i_see(f"Signed in as {me.username}.")
    customer.shot("my-account")

    # The link worked once.
    page.goto(link)
    expect(customer.heading).to_have_text("This link has expired")
    customer.then_i_see("This link has expired or was already used. Ask for a new one")
    customer.shot("link-used")


def test_a_member_of_staff_resets_their_password_from_a_link_clicked_in_webmail(
        live_server, new_context, camera) -> None:
    make_staff(live_server.app, "ann@example.com", "marketing")
    context = new_context(base_url=live_server.base_url)
    context.set_default_timeout(10_000)
    ann = StaffMember(context.new_page(), live_server, camera)
    page = ann.page

    page.goto(live_server.url("/admin/login"))
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your staff password")
    ann.shot("staff-forgot-password")
    ann.field("Email address").fill("ann@example.com")
    ann.press("Email me a link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    ann.shot("staff-check-your-email")

    # The admin cookie is SameSite=Strict: it is not sent on a redirect that began on another
    # site, but the link's page moves on by itself as a same-site navigation.
    open_in_webmail(context, page, the_link_in_my_email(live_server.app, "ann@example.com"))
    expect(page).to_have_url(live_server.url("/admin/reset"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    ann.shot("staff-choose-a-new-password")
    ann.field("New password").fill(NEW_PASSWORD)
    ann.field("Type the new password again").fill(NEW_PASSWORD)
    ann.press("Change my password")
    expect(page).to_have_url(live_server.url("/admin/login"))
    expect(page.locator(".notice-success")).to_have_text("Your password is changed. Sign in with it.")
    ann.when_i_sign_in("ann@example.com", NEW_PASSWORD)
