"""A customer starts on one browser, asks to finish later, and finishes on another by the emailed link."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.mail_helpers import deliver_mail, text_of

from .customer import DALLAS, Customer, Person

pytestmark = pytest.mark.e2e


def test_start_on_one_browser_and_finish_on_another_by_the_emailed_link(customer: Customer, open_customer,
                                                                         live_server) -> None:
    me = Person()

    # On the laptop: half-way through the address, the customer has to stop.
    customer.walk_to_plans(DALLAS)
    customer.when_i_sign_up_for("Lone Star Saver 12")
    customer.then_i_am_on_step("customer", 6, 10)
    customer.when_i_am_a_new_customer()
    customer.then_i_am_on_step("about-you", 7, 10)
    customer.when_i_tell_about_me(me)
    customer.then_i_am_on_step("premise", 8, 10)
    customer.fill("Street address", DALLAS.street)
    customer.fill("City", DALLAS.city)
    customer.press("Finish later")

    expect(customer.page).to_have_url(live_server.url("/signup/finish-later"))
    expect(customer.heading).to_have_text("Finish later")
    customer.then_the_field_holds("Email address", me.email)  # the address already given
    customer.shot("finish-later")
    customer.press("Email me a link")

    expect(customer.heading).to_have_text("Check your email")
    sent = customer.page.get_by_role("status")
    expect(sent).to_have_text(re.compile(
        rf"^We've emailed a link to {re.escape(me.email)}\. It works once, until "
        r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M C[SD]T\.$"))
    customer.shot("link-sent")

    (message,) = deliver_mail(live_server.app)
    assert message["To"] == me.email and message["Subject"] == "Your link to finish signing up"
    link = re.search(rf"{re.escape(live_server.base_url)}/signup/resume/\S+", text_of(message)).group(0)

    # On the phone (another browser, nothing shared): the link, one button, and on at the address.
    phone = open_customer()
    phone.page.goto(link)
    expect(phone.heading).to_have_text("Finish signing up")
    phone.shot("resume-link")
    phone.press("Continue signing up")
    phone.then_i_am_on_step("premise", 8, 10, label="resumed-premise")
    phone.then_the_field_holds("Street address", DALLAS.street)  # typed on the laptop, never saved
    phone.then_the_field_holds("City", DALLAS.city)
    phone.when_i_give_the_address(DALLAS)
    phone.then_i_am_on_step("credentials", 9, 10)
    phone.when_i_create_my_login(me)
    phone.then_i_am_on_step("review", 10, 10)
    expect(phone.summary_value("Plan")).to_contain_text("Lone Star Saver 12")
    expect(phone.summary_value("Name")).to_have_text(f"{me.first_name} {me.last_name}")
    phone.when_i_enroll()
    phone.then_i_am_enrolled()

    # The link worked once: opened again, it says so and offers a way back in.
    customer.page.goto(link)
    expect(customer.heading).to_have_text("This link has expired or was already used")
    expect(customer.page.get_by_role("link", name="Go to the signup")).to_be_visible()
    customer.shot("link-used")
