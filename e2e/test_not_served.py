"""A New York visitor learns we don't serve the area yet and asks to hear when we do."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from wizard.core.extensions import db
from wizard.signup.models import AreaWaitlist

from .customer import Customer

pytestmark = pytest.mark.e2e


def test_zip_not_served_leaves_an_email(customer: Customer, live_server) -> None:
    customer.when_i_start_signing_up()
    customer.then_i_am_on_step("zip", 1, 11)
    customer.when_i_enter_my_zip("10001")

    expect(customer.page).to_have_url(live_server.url("/signup/not-served"))
    expect(customer.heading).to_have_text("We don't serve your area yet")
    expect(customer.page).to_have_title("We don't serve your area yet – Lone Star Power")
    customer.then_i_see("We don't sell electricity in ZIP code 10001 yet.")
    expect(customer.page.get_by_role("link", name="Try a different ZIP code")).to_be_visible()
    customer.shot("not-served")

    # A mistyped address is caught first.
    customer.fill("Email address", "kim at example")
    customer.press("Email me")
    customer.then_there_is_an_error("email", "Enter an email address like name@example.com.")
    expect(customer.error_summary).to_be_focused()
    customer.shot("not-served-bad-email")

    customer.fill("Email address", "kim@example.com")
    customer.press("Email me")
    thanks = customer.page.get_by_role("status")
    expect(thanks).to_have_text("Thanks. When we start serving 10001, we'll send one email to kim@example.com with "
                                "a link to sign up, and nothing else. It has a link to take your address off our list.")
    expect(customer.field("Email address")).to_have_count(0)
    customer.shot("thanks")

    with db.sessionmaker(live_server.app)() as s:
        assert s.scalars(select(AreaWaitlist.email).where(AreaWaitlist.zip == "10001")).all() == ["kim@example.com"]

    # Another ZIP can still be tried.
    customer.page.get_by_role("link", name="Try a different ZIP code").click()
    customer.then_i_am_on_step("zip", 1, 11, label="zip-again")
    customer.then_the_field_holds("ZIP code", "10001")
