"""A new customer enrolls, then reads the confirmation email: the plan's three documents attached
as PDF, the day until which they may cancel, and the development mailbox that shows it all on the
embedded default."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.mail_helpers import deliver_mail, text_of
from tests.pdf_helpers import pdf_text
from wizard.core import dates

from .customer import Customer, Person, long_date

pytestmark = pytest.mark.e2e

DOCUMENTS = {"Electricity-Facts-Label-SAVER12-v1.pdf": "Electricity Facts Label",
             "Terms-of-Service-SAVER12-v1.pdf": "Terms of Service",
             "Your-Rights-as-a-Customer-SAVER12-v1.pdf": "Your Rights as a Customer"}


def test_the_customer_reads_the_confirmation_email_with_the_plans_documents(customer: Customer, live_server) -> None:
    me = Person()
    page = customer.page
    customer.walk_to_review(me)
    customer.when_i_enroll()
    number = customer.then_i_am_enrolled()
    customer.then_i_see(f"We have emailed your confirmation and the plan's documents to {me.email}.")

    # The mail worker sends it; the customer's mailbox receives it.
    [message] = deliver_mail(live_server.app)
    assert message["To"] == me.email
    assert message["Subject"] == f"You're enrolled: Lone Star Saver 12 ({number})"
    sent_day = dates.market_day(message["Date"].datetime.astimezone(dt.UTC).replace(tzinfo=None))
    deadline = long_date(dates.rescission_ends(sent_day, 3))
    assert f"that is until {deadline}." in text_of(message)
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert list(attached) == list(DOCUMENTS)
    for name, title in DOCUMENTS.items():
        shown = pdf_text(attached[name])
        assert shown.startswith(title) and "Lone Star Saver 12" in shown and "Version 1" in shown, (name, shown)

    # On the embedded default the developer reads it at /dev/mail/.
    page.goto(live_server.url("/dev/mail/"))
    expect(customer.heading).to_have_text("Development mailbox")
    link = page.get_by_role("link", name=f"You're enrolled: Lone Star Saver 12 ({number})")
    expect(link).to_be_visible()
    customer.shot("dev-mailbox")
    link.click()
    expect(customer.heading).to_have_text(f"You're enrolled: Lone Star Saver 12 ({number})")
    expect(page.locator(".mail-text")).to_contain_text(f"Enrollment number: {number}")
    expect(page.locator(".mail-text")).to_contain_text(f"that is until {deadline}.")
    for name in DOCUMENTS:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    customer.shot("dev-mail-message")

    # The EFL downloads as the PDF that was attached.
    with page.expect_download() as download:
        page.get_by_role("link", name="Electricity-Facts-Label-SAVER12-v1.pdf", exact=True).click()
    path = download.value.path()
    assert Path(path).read_bytes() == attached["Electricity-Facts-Label-SAVER12-v1.pdf"]

    # The HTML part as a mail client shows it (sandboxed: no scripts, no remote content).
    with page.context.expect_page() as new_tab:
        page.get_by_role("link", name=re.compile("^Open the HTML version")).click()
    html = Customer(new_tab.value, live_server, customer.camera)
    html.page.wait_for_load_state()
    expect(html.heading).to_have_text("You're enrolled")
    expect(html.page.get_by_role("heading", level=2)).to_have_text(
        ["Your right to cancel", "Your plan's documents", "What happens next"])
    expect(html.page.get_by_role("link", name="My Account")).to_have_attribute("href", live_server.url("/account/"))
    # Scripts cannot run in the sandboxed page, so axe checks a copy of its DOM (as for no-JavaScript pages).
    html.camera.take(html.page, "email-html", js=False)
