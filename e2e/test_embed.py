"""An affiliate's page on another origin frames the wizard; a customer enrolls inside it.

The host page is a real server on 127.0.0.2:8002 (ACME's registered origin) framing the app on
127.0.0.1. This Chromium blocks third-party cookies, so the frame lives on its partitioned
cookie; the second run strips every Set-Cookie, so it lives on the session its pages carry.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from wizard.core.billing_runner import drain_once

from .customer import Person
from .host_page import ACME_HOST, STRANGER_HOST, FramedCustomer, serve_host, snippet

pytestmark = pytest.mark.e2e

ACME_PURPLE = "rgb(107, 44, 145)"  # #6b2c91, ACME's brand colour in the demo catalog


def strip_cookies(context: BrowserContext, base_url: str) -> tuple[list[str], list[str]]:
    """Answer every request to the app with its response minus Set-Cookie.

    Answers (URLs whose Set-Cookie was dropped, Cookie headers the app was sent). `route.fetch`
    shares the context's cookie jar, so the jar is emptied before the browser sees the answer.
    """
    dropped: list[str] = []
    sent: list[str] = []

    def handle(route: Route) -> None:
        if route.request.headers.get("cookie"):
            sent.append(route.request.headers["cookie"])
        response = route.fetch()
        context.clear_cookies()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"}
        if len(headers) != len(response.headers):
            dropped.append(route.request.url)
        route.fulfill(response=response, headers=headers)

    context.route(f"{base_url}/**", handle)
    return dropped, sent


@pytest.mark.parametrize("cookies, js", [("partitioned", True), ("stripped", True), ("stripped", False)],
                         ids=["partitioned-cookie", "no-cookie", "no-cookie-no-javascript"])
def test_a_customer_enrolls_inside_the_affiliates_iframe(new_context, live_server, camera, cookies, js) -> None:
    context = new_context(java_script_enabled=js)
    context.set_default_timeout(10_000)
    dropped, sent = strip_cookies(context, live_server.base_url) if cookies == "stripped" else ([], [])
    carried: list[str] = []  # embed cookies the browser sent back (third-party, so partitioned)
    context.on("requestfinished", lambda request: carried.extend(
        c for c in [request.all_headers().get("cookie", "")] if "embed=" in c))
    with serve_host(ACME_HOST, snippet(live_server, query="?sub_id=e2e-42&utm_source=newsletter")) as site:
        host = context.new_page()
        host.goto(site.url)
        me = Person()
        customer = FramedCustomer(host, "energy-wizard-ACME", live_server, camera, js=js)
        customer.when_i_start_signing_up()
        customer.on_step("zip", 1, 11, label="zip-branded")

        # The affiliate's branding: its name, colours and support line, inside our frame.
        frame = customer.page
        expect(frame.locator(".site-header .brand")).to_have_text("Acme Energy Deals")
        expect(frame.locator(".site-header")).to_have_css("background-color", ACME_PURPLE)
        customer.then_i_see("Questions? Call Acme Energy Deals at")

        customer.walk_to_review(me, plan="Partner Exclusive 12")
        if js:
            # The iframe grew to its content: the customer scrolls one page, not a page in a page.
            content = frame.evaluate("document.documentElement.getBoundingClientRect().height")
            expect(host.locator("#energy-wizard-ACME")).to_have_js_property("offsetHeight", round(content))
            assert content > 640  # taller than the snippet's 40rem minimum
        # A change from the review page keeps every answer and comes back to it.
        customer.page.locator(".summary-row", has_text="Email").get_by_role("button", name="Change email").click()
        customer.on_step("about-you", label="change-email")
        customer.then_the_field_holds("Email address", me.email)
        customer.fill("Email address", "ana.garza@example.com")
        customer.continue_()
        customer.on_step("review", label="review-after-change")
        expect(customer.summary_value("Email")).to_have_text("ana.garza@example.com")
        customer.when_i_enroll()
        number = customer.then_i_am_enrolled()
        if js:
            assert customer.same_document()  # htmx all the way: never a full page load

        if cookies == "stripped":
            assert dropped, "the route must have stripped the app's cookies"
            assert sent == [] and carried == [], "the app must never have been sent a cookie"
        else:
            assert carried, "Chromium should keep the partitioned cookie of the framed wizard"

    assert drain_once(live_server.app).sent == 1
    xml = ET.fromstring((live_server.drop_dir / f"{number}.xml").read_bytes())
    assert xml.findtext("Enrollment/Plan") == "PARTNER12"
    assert xml.findtext("Enrollment/Affiliate") == "ACME"
    assert xml.findtext("Enrollment/SubId") == "e2e-42"
    assert xml.findtext("Enrollment/Campaign/Source") == "newsletter"


def test_a_page_on_an_unregistered_origin_cannot_frame_the_wizard(new_context, live_server) -> None:
    context = new_context()
    refused: list[str] = []
    with serve_host(STRANGER_HOST, snippet(live_server)) as site:
        host = context.new_page()
        host.on("console", lambda message: refused.append(message.text))
        host.goto(site.url)
        handle = host.wait_for_selector("iframe#energy-wizard-ACME", state="attached")
        host.wait_for_load_state("load")
        frame = handle.content_frame()
        assert frame is not None
        expect(frame.get_by_role("heading", name="Your ZIP code")).to_have_count(0)
        assert not frame.url.startswith(live_server.base_url), frame.url
        assert any("frame-ancestors" in text for text in refused), refused
