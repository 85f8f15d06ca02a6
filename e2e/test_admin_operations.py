"""Operations in the admin area: a rejected enrollment is corrected, resubmitted and delivered again."""
from __future__ import annotations

from typing import Callable

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

import billing
from billing import Status
from billing.models import Enrollment
from tests.admin_helpers import STAFF_PASSWORD, make_staff
from wizard.core.billing_runner import drain_once
from wizard.core.extensions import db

from .browser import Camera
from .customer import Customer, Person
from .server import LiveServer
from .staff import StaffMember

pytestmark = pytest.mark.e2e


class Operator(StaffMember):
    """A member of operations (or admin) staff in their own browser."""

    def when_i_open_the_queue_filtered_to(self, status: str) -> None:
        self.when_i_go_to("Enrollments", "Enrollments")
        self.shot("queue")
        self.page.get_by_label("Status", exact=True).select_option(status)
        self.press("Filter")
        expect(self.page.get_by_role("table").locator("caption")).to_have_text("1 enrollment, newest first")
        self.shot(f"queue-{status}")

    def then_the_status_is(self, status: str) -> None:
        expect(self.page.locator(".enrollment-status")).to_have_text(status)


def reject(server: LiveServer, number: str, message: str) -> None:
    """The utility refuses the enrollment (as the billing system's status answer would record it)."""
    with db.sessionmaker(server.app)() as session:
        enrollment = session.scalar(select(Enrollment).where(Enrollment.number == number))
        billing.set_status(session, enrollment, Status.REJECTED, "billing answered", message)
        session.commit()


def test_operations_resubmit_a_rejected_enrollment(customer: Customer, live_server: LiveServer, camera: Camera,
                                                   new_context: Callable[..., BrowserContext]) -> None:
    me = Person(ssn="234-56-7890")
    customer.walk_to_review(me)
    customer.when_i_enroll()
    number = customer.then_i_am_enrolled()
    assert drain_once(live_server.app).sent == 1  # dropped for the billing system: awaiting its answer
    reject(live_server, number, "Phone number not in service")

    olga = Operator.signed_in(live_server, new_context, camera, "olga@example.com", "operations")
    olga.when_i_open_the_queue_filtered_to("Rejected")
    row = olga.page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("Ana G.")
    row.get_by_role("link", name=number).click()

    expect(olga.page.get_by_role("heading", level=1)).to_have_text(f"Enrollment {number}")
    olga.then_the_status_is("Rejected")
    expect(olga.page.get_by_text("•••-••-7890")).to_be_visible()
    assert "234-56-7890" not in olga.page.content() and "234567890" not in olga.page.content()
    olga.shot("rejected-enrollment")

    olga.page.get_by_role("link", name="Correct and resubmit").click()
    olga.shot("correct-form")
    olga.page.get_by_label("Phone number", exact=True).fill("(972) 555-0199")
    olga.press("Save and resubmit")
    olga.then_the_status_is("New Enrollment Saved")
    expect(olga.page.get_by_role("status")).to_contain_text("was resubmitted")
    expect(olga.page.get_by_text("(•••) •••-0199")).to_be_visible()
    olga.shot("resubmitted")

    assert drain_once(live_server.app).sent == 1
    olga.page.reload()
    olga.then_the_status_is("Submitted: Awaiting Response")
    olga.shot("delivered-again")


def test_admin_adds_an_operations_account_and_deactivates_it(live_server: LiveServer, camera: Camera,
                                                             new_context: Callable[..., BrowserContext]) -> None:
    make_staff(live_server.app, "ada@example.com", "admin")
    context = new_context(base_url=live_server.base_url)
    context.set_default_timeout(10_000)
    ada = Operator(context.new_page(), live_server, camera)
    ada.page.goto(live_server.url("/admin/login"))
    ada.page.get_by_label("Email address", exact=True).fill("ada@example.com")
    ada.page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    ada.press("Sign in")
    ada.page.get_by_role("navigation", name="Admin").get_by_role("link", name="Staff").click()
    ada.shot("staff-list")
    ada.page.get_by_role("link", name="Add a staff member").click()
    ada.page.get_by_label("Email address", exact=True).fill("omar@example.com")
    ada.page.get_by_role("radio", name="Operations: the enrollment queue").check()
    ada.page.get_by_label("Initial password", exact=True).fill("password")
    ada.press("Create account")
    expect(ada.page.locator("#password-error")).to_contain_text("at least 12 characters")
    ada.shot("new-staff-error")
    ada.page.get_by_label("Initial password", exact=True).fill("lantern meadow copper violin")
    ada.press("Create account")
    expect(ada.page.get_by_role("status")).to_contain_text("Created the operations account omar@example.com")
    ada.page.get_by_role("link", name="omar@example.com").click()
    ada.shot("staff-member")
    ada.press("Deactivate account")
    expect(ada.page.get_by_role("status")).to_contain_text("omar@example.com is deactivated")
    ada.shot("staff-deactivated")
    ada.page.goto(live_server.url("/admin/enrollments?created_from=junk"))
    expect(ada.page.locator(".error-summary")).to_contain_text("Enter the date as year-month-day")
    ada.shot("queue-filter-error")
