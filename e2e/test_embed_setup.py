"""Done when: a marketer creates an affiliate in the admin, pastes its snippet into a page on
another origin, and a customer enrolls through it in a browser that blocks third-party cookies."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import Enrollment
from wizard.core.extensions import db

from .customer import Person
from .host_page import ACME_HOST, FramedCustomer, serve_host
from .staff import StaffMember

pytestmark = pytest.mark.e2e


def png(path: Path, rgb: tuple[int, int, int] = (200, 30, 60), size: int = 48) -> Path:
    """A small solid PNG, written by hand (no image library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


def test_a_new_affiliate_is_set_up_in_the_admin_and_sells_on_its_own_site(
        new_context, live_server, camera, tmp_path) -> None:
    mia = StaffMember.signed_in(live_server, new_context, camera, "mia@example.com", "marketing")
    mia.when_i_go_to("Catalog settings", "Catalog settings")
    mia.page.get_by_role("link", name="Affiliates", exact=True).click()
    expect(mia.page.get_by_role("heading", level=1)).to_have_text("Affiliates")
    mia.field("Code").fill("SUNNY")
    mia.field("Name").fill("Sunny Savings Club")
    mia.press("Add affiliate")
    expect(mia.flash()).to_contain_text("Sunny Savings Club")
    mia.page.get_by_role("link", name="Branding and embedding of Sunny Savings Club").click()

    # A colour customers could not read is refused, with the ratio.
    mia.field("Brand colour").fill("#ffcc00")
    mia.press("Save")
    expect(mia.page.locator("#brand_colour-error")).to_contain_text("needs at least 4.5:1")
    mia.shot("brand-colour-refused")
    mia.field("Brand colour").fill("#0f5c2e")
    mia.field("Name shown to customers").fill("Sunny Savings")
    mia.field("Support phone").fill("1-800-555-0199")
    mia.field("Welcome text").fill("Sunny members: pick a plan and switch in minutes.")
    mia.field("Sites allowed to embed the wizard").fill(f"http://{ACME_HOST[0]}:{ACME_HOST[1]}")
    mia.field("Upload a logo").set_input_files(str(png(tmp_path / "sunny.png")))
    mia.press("Save")
    expect(mia.flash()).to_be_visible()
    snippet = mia.page.get_by_label("Snippet to paste into the affiliate's page").input_value()
    mia.shot("snippet")
    assert "/embed/SUNNY/" in snippet and "embed.js" in snippet

    # Its plan set: Lone Star Saver 12, shown on its wizard from today.
    mia.page.goto(live_server.url("/admin/plans/SAVER12"))
    mia.field("Channel").select_option(label="Affiliate: Sunny Savings Club")
    mia.press("Show on this channel")
    expect(mia.flash()).to_contain_text("SAVER12 is shown on Affiliate: Sunny Savings Club")

    # The affiliate pastes the snippet, with its campaign tag, into its own page.
    tagged = snippet.replace("/embed/SUNNY/", "/embed/SUNNY/?sub_id=club-news")
    browser = new_context()  # a customer's own browser: Chromium blocks third-party cookies
    browser.set_default_timeout(10_000)
    with serve_host(ACME_HOST, tagged) as site:
        host = browser.new_page()
        host.goto(site.url)
        customer = FramedCustomer(host, "energy-wizard-SUNNY", live_server, camera)
        customer.when_i_start_signing_up()
        frame = customer.page
        expect(frame.locator(".site-header .brand")).to_have_text("Sunny Savings")
        expect(frame.locator(".site-header")).to_have_css("background-color", "rgb(15, 92, 46)")
        expect(frame.locator(".brand-logo")).to_be_visible()
        expect(frame.locator(".brand-logo")).to_have_js_property("naturalWidth", 48)  # the logo loaded
        customer.then_i_see("Sunny members: pick a plan and switch in minutes.")
        customer.then_i_see("(800) 555-0199")
        customer.on_step("zip", 1, 11, label="sunny-zip")
        customer.walk_to_review(Person())
        customer.when_i_enroll()
        number = customer.then_i_am_enrolled()

    with db.sessionmaker(live_server.app)() as session:
        enrollment = session.query(Enrollment).filter_by(number=number).one()
        assert (enrollment.affiliate_code, enrollment.sub_id) == ("SUNNY", "club-news")
