"""The affiliate's embedded wizard: framing, its own plans, attribution, and a session that
travels in the page when the browser keeps no cookie (CSRF still enforced)."""
from __future__ import annotations

import html as htmllib
import re
from typing import Any, Optional

import pytest
from sqlalchemy import select

from billing.models import Enrollment
from wizard.catalog.models import Affiliate, Plan, PlanVisibility
from wizard.signup.models import Draft

from .helpers import ACKS, DALLAS_SWITCH, Wizard, csrf_token

ACME_ORIGINS = "http://127.0.0.2:8002 http://localhost:8002"
PARTNER = {**DALLAS_SWITCH, "plans": {"plan": "PARTNER12"}}


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def field(html: str, name: str) -> Optional[str]:
    match = re.search(rf'name="{name}"[^>]*? value="([^"]*)"', html)
    return htmllib.unescape(match.group(1)) if match else None


def form_action(html: str) -> str:
    """The page's own form (not the small forms of its links to other steps, nor the language switch)."""
    actions = re.findall(r'<form method="post" action="([^"]+)"', html)
    return htmllib.unescape(next(a for a in actions if not a.endswith(("/go", "/language"))))


class EmbeddedCustomer:
    """A customer in an affiliate's iframe. Without cookies the browser keeps nothing between
    requests: every form carries the page's hidden session field, as the real pages do."""

    def __init__(self, app, code: str = "ACME", cookies: bool = True, query: str = ""):
        self.client = app.test_client(use_cookies=cookies)
        self.cookies = cookies
        self.page = self.client.get(f"/embed/{code}/{query}", follow_redirects=cookies)
        assert self.page.status_code == 200, text(self.page)

    def send(self, data: dict[str, Any], action: Optional[str] = None, **kw: Any):
        html = text(self.page)
        form = {**data, "csrf_token": csrf_token(html)}
        if not self.cookies:
            form["embed_session"] = field(html, "embed_session")
        kw.setdefault("follow_redirects", self.cookies)
        response = self.client.post(action or form_action(html), data=form, **kw)
        if response.status_code == 200:
            self.page = response
        return response

    def answer(self, slug: str, data: dict[str, Any]):
        assert form_action(text(self.page)).endswith(f"/signup/{slug}"), form_action(text(self.page))
        response = self.send(data)
        assert response.status_code == 200, (slug, response.status_code, re.findall(
            r'class="error-message"[^>]*>.*?</span>\s*(.*?)</p>', text(response), re.S))
        return response

    def walk(self, answers=PARTNER, until: Optional[str] = None):
        for slug, data in answers.items():
            if slug == until:
                return
            self.answer(slug, data)

    def enroll(self, answers=PARTNER):
        self.walk(answers)
        return self.send(ACKS)


@pytest.mark.parametrize("cookies", [True, False], ids=["partitioned-cookie", "no-cookie-at-all"])
def test_a_customer_enrolls_inside_the_iframe_credited_to_the_affiliate(app, session, cookies):
    customer = EmbeddedCustomer(app, cookies=cookies, query="?sub_id=camp-7&utm_source=newsletter")
    page = text(customer.page)
    assert "Acme Energy Deals" in page and "Electricity from Lone Star Power" in page
    customer.walk(until="plans")
    plans = text(customer.page)
    assert "Partner Exclusive 12" in plans and "Lone Star Saver 12" not in plans  # its own plan set
    customer.walk({k: v for k, v in PARTNER.items() if list(PARTNER).index(k) >= list(PARTNER).index("plans")})
    done = customer.send(ACKS)
    assert done.status_code == 200 and "You're enrolled" in text(done), re.findall(
        r'<h1.*?</h1>|class="error-message"[^>]*>.*?</p>|<div class="flash.*?</div>', text(done), re.S)
    enrollment = session.scalar(select(Enrollment))
    assert (enrollment.affiliate_code, enrollment.plan_code, enrollment.channel) == ("ACME", "PARTNER12", "web")
    assert enrollment.number in text(done)


def test_without_cookies_every_answer_lands_on_the_next_page_not_a_redirect(app):
    customer = EmbeddedCustomer(app, cookies=False)
    response = customer.answer("zip", {"zip": "75201"})
    assert response.headers.get("Set-Cookie")  # offered, for browsers that do keep it
    assert form_action(text(response)).endswith("/embed/ACME/signup/promo")
    assert "Promo code" in text(response)


def test_with_the_cookie_answers_redirect_as_everywhere_else(app):
    customer = EmbeddedCustomer(app, cookies=True)
    response = customer.send({"zip": "75201"}, follow_redirects=False)
    assert response.status_code == 303 and response.location.endswith("/embed/ACME/signup/promo")
    cookie = response.headers["Set-Cookie"]
    assert all(part in cookie for part in ("embed=", "Secure", "SameSite=None", "Partitioned", "Path=/embed/"))


def test_htmx_requests_carry_the_session_in_a_header(app):
    customer = EmbeddedCustomer(app, cookies=False)
    customer.answer("zip", {"zip": "75201"})
    token = field(text(customer.page), "embed_session")
    back = customer.client.get("/embed/ACME/signup/zip", headers={"X-Embed-Session": token, "HX-Request": "true"})
    assert back.status_code == 200 and 'value="75201"' in text(back)  # the answer is there
    fresh = customer.client.get("/embed/ACME/signup/zip", headers={"HX-Request": "true"})
    assert 'value="75201"' not in text(fresh)  # without it: a new visitor


def test_csrf_holds_without_cookies(app, session):
    customer = EmbeddedCustomer(app, cookies=False)
    html = text(customer.page)
    token = field(html, "embed_session")
    no_csrf = customer.client.post("/embed/ACME/signup/zip", data={"zip": "75201", "embed_session": token})
    assert no_csrf.status_code == 400 and "This page has expired" in text(no_csrf)
    # Another visitor's CSRF token does not fit this session.
    other = EmbeddedCustomer(app, cookies=False)
    forged = customer.client.post("/embed/ACME/signup/zip", data={
        "zip": "75201", "csrf_token": csrf_token(text(other.page)), "embed_session": token})
    assert forged.status_code == 400
    tampered = customer.client.post("/embed/ACME/signup/zip", data={
        "zip": "75201", "csrf_token": csrf_token(html), "embed_session": token[:-3] + "abc"})
    assert tampered.status_code == 400
    assert session.scalar(select(Draft)) is None


def test_embedded_pages_may_be_framed_only_by_the_affiliates_origins(app, client):
    page = client.get("/embed/ACME/", follow_redirects=True)
    assert f"frame-ancestors {ACME_ORIGINS};" in page.headers["Content-Security-Policy"]
    for path in ("/signup/zip", "/account/login", "/admin/login", "/documents/SAVER12/tos"):
        assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"], path


def test_an_affiliate_with_no_origins_cannot_be_framed_anywhere(app, session, client):
    session.get(Affiliate, "ACME").embed_origins = []
    session.commit()
    page = client.get("/embed/ACME/", follow_redirects=True)
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize("origin, allowed", [
    ("http://localhost", True),  # our own pages (the test client's host)
    ("http://127.0.0.2:8002", True), ("http://LOCALHOST:8002", True),
    ("https://evil.example", False), ("null", False), ("http://127.0.0.2:8003", False),
])
def test_posts_into_the_embed_come_only_from_us_or_the_affiliate(app, session, origin, allowed):
    customer = EmbeddedCustomer(app)
    response = customer.send({"zip": "75201"}, headers={"Origin": origin}, follow_redirects=False)
    if allowed:
        assert response.status_code == 303
    else:
        assert response.status_code == 403
        assert "This signup form only works on our partners' own pages." in text(response)
        assert session.scalar(select(Draft)) is None


@pytest.mark.parametrize("code", ["NOPE", "x" * 40])
def test_an_unknown_code_says_so_and_cannot_be_framed(client, code):
    response = client.get(f"/embed/{code}/", follow_redirects=True)
    assert response.status_code == 404
    assert "This partner's signup link is not active any more." in text(response)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_closed_affiliate_shows_its_customers_why_inside_its_frame(app, session, client):
    session.get(Affiliate, "ACME").active = False
    session.commit()
    for path in ("/embed/ACME/", "/embed/ACME/signup/zip"):
        response = client.get(path)
        assert response.status_code == 404
        assert "This partner's signup link is not active any more." in text(response)
        assert f"frame-ancestors {ACME_ORIGINS};" in response.headers["Content-Security-Policy"]


def _other_affiliate_with_a_plan(session) -> None:
    session.add(Affiliate(code="OTHER", name="Other Deals", embed_origins=["https://other.example"]))
    plan = session.get(Plan, "PARTNER12")
    session.add(Plan(**{c.key: getattr(plan, c.key) for c in Plan.__table__.columns if c.key != "code"},
                     code="OTHER12", visibility=[PlanVisibility(channel="affiliate:OTHER")]))
    session.commit()


@pytest.mark.parametrize("plan", ["OTHER12", "SAVER12"])
def test_a_plan_not_in_this_affiliates_set_is_refused_when_posted_by_hand(app, session, plan):
    _other_affiliate_with_a_plan(session)
    customer = EmbeddedCustomer(app)
    customer.walk(until="plans")
    response = customer.send({"plan": plan})
    assert response.status_code == 422
    assert "That plan is not available for your address." in text(response)


def test_the_sites_draft_and_the_embeds_are_separate(app, session):
    client = app.test_client()
    site = Wizard(client)
    site.answer("zip", {"zip": "75201"})
    embedded = client.get("/embed/ACME/signup/promo", follow_redirects=True)
    assert form_action(text(embedded)).endswith("/embed/ACME/signup/zip")  # begins at the ZIP
    _other_affiliate_with_a_plan(session)
    customer = EmbeddedCustomer(app)
    customer.answer("zip", {"zip": "77002"})
    other = customer.client.get("/embed/OTHER/signup/promo", follow_redirects=True)  # same browser, same cookie
    assert form_action(text(other)).endswith("/embed/OTHER/signup/zip")  # ACME's draft is not OTHER's
    assert 'value="77002"' not in text(other)


def test_the_entry_links_attribution_is_stored_on_the_draft(app, session):
    customer = EmbeddedCustomer(app, cookies=False, query="?sub_id=abc_1&utm_campaign=spring&utm_medium=email")
    customer.answer("zip", {"zip": "75201"})
    draft = session.scalar(select(Draft))
    assert draft.answers["affiliate"] == "ACME"
    assert draft.answers["attribution"] == {"sub_id": "abc_1", "utm_campaign": "spring", "utm_medium": "email"}


def test_the_affiliates_default_promo_is_filled_in_and_can_be_cleared(make_app, session):
    from .helpers import SAVE10_VALID_DAY

    app = make_app(TODAY=SAVE10_VALID_DAY)
    session.get(Affiliate, "ACME").default_promo = "SAVE10"
    session.commit()
    customer = EmbeddedCustomer(app)
    customer.answer("zip", {"zip": "75201"})
    assert field(text(customer.page), "promo") == "SAVE10"
    customer.answer("promo", {"promo": ""})
    assert session.scalar(select(Draft)).answers["promo"] == ""


def test_without_cookies_change_and_back_links_keep_the_answers(app):
    customer = EmbeddedCustomer(app, cookies=False)
    customer.walk()
    review = text(customer.page)
    assert "Check your answers" in review and 'href="/embed/ACME/signup/about-you' not in review  # no GET links
    change = customer.send({"to": "about-you", "change": "1", "anchor": "email"}, action="/embed/ACME/signup/go")
    assert change.status_code == 200 and field(text(change), "email") == "ana@example.com"
    again = customer.send({**PARTNER["about-you"], "email": "ana.new@example.com"})
    assert again.status_code == 200 and "Check your answers" in text(again) and "ana.new@example.com" in text(again)
    back = customer.send({"to": "credentials"}, action="/embed/ACME/signup/go")
    assert back.status_code == 200 and field(text(back), "username") == "ana.garza"


def test_go_refuses_an_unknown_step(app):
    customer = EmbeddedCustomer(app)
    assert customer.send({"to": "nowhere"}, action="/embed/ACME/signup/go").status_code == 404


def test_enroll_another_address_after_the_session_ended_stays_in_the_frame(app):
    fresh = EmbeddedCustomer(app)  # nobody signed in (the session ended)
    response = fresh.send({}, action="/embed/ACME/signup/another", follow_redirects=False)
    assert response.status_code == 303 and response.location.endswith("/embed/ACME/signup/zip")
    page = fresh.client.get(response.location)
    assert "Your session ended. Start again with the next address's ZIP code" in text(page)
