"""The billing hand-off as a customer sees it, with the stand-in billing system as a real process."""
from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import expect

from tests.billing_fixtures import StandInProcess, live_billing_settings

from .customer import Customer, Person, Premise

pytestmark = pytest.mark.e2e


@pytest.fixture
def standin():
    process = StandInProcess(accept_after=1.0).start()
    yield process
    process.stop()


@pytest.fixture
def server_settings(standin):
    """The app as the README's demo runs it: web-service billing, a worker thread in the server."""
    return live_billing_settings(standin.url)


def status_of(customer: Customer, number: str):
    return customer.page.get_by_role("row").filter(has_text=number).locator("td.status strong")


def then_my_account_shows(customer: Customer, number: str, status: str, label: str) -> None:
    for _ in range(40):  # the worker thread moves it along; reload like a customer would
        customer.open("/account/")
        if status_of(customer, number).inner_text() == status:
            break
        customer.page.wait_for_timeout(250)
    expect(status_of(customer, number)).to_have_text(status)
    customer.shot(label)


def test_enrollment_is_accepted_and_survives_a_billing_outage(customer: Customer, standin) -> None:
    me = Person()
    customer.walk_to_review(me)
    customer.when_i_enroll()
    first = customer.then_i_am_enrolled()
    then_my_account_shows(customer, first, "Accepted", "first-accepted")
    expect(customer.page.locator("td.status .hint").filter(has_text="Service starts")).to_be_visible()

    standin.stop()  # the billing system goes down
    customer.press("Enroll another address")
    second_address = dataclasses.replace(Premise(), street="77 Elm St", unit="", esi_id="10443720007777777")
    customer.when_i_enter_my_zip(second_address.zip)
    customer.when_i_enter_promo("")
    customer.when_i_say_it_is_for_my("Home (residential)")
    customer.when_i_heard_about_you_from("Friend or family")
    customer.when_i_sign_up_for("Steady 24")
    customer.when_i_give_the_address(second_address)
    customer.when_i_enroll()
    second = customer.then_i_am_enrolled()
    then_my_account_shows(customer, second, "Submission Not Sent: Connection Error", "second-not-sent")

    standin.start()  # back up: delivered on the next retry, once
    then_my_account_shows(customer, second, "Accepted", "second-accepted")
    assert standin.stats()["prospects_created"] == 1  # the restarted stand-in saw only the second
