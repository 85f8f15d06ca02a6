"""What a new user hit in the signup steps, each checked on the page as served."""
from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Optional

import pytest
from sqlalchemy import select

from wizard.core import dates
from wizard.signup.models import Draft

from .helpers import ACKS, DALLAS_SWITCH, PASSWORD, Wizard, errors, in_days

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    """An element of a served page: tag, attributes, children and text."""

    tag: str
    attrs: dict[str, str]
    parent: Optional["Node"] = None
    children: list["Node"] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self._texts()).split())

    def _texts(self):
        yield from self.parts
        for child in self.children:
            yield from child._texts()

    def all(self, tag: str = "*", **attrs: str) -> list["Node"]:
        """Descendants with this tag (or any) whose attributes have these values (`class_` for class)."""
        found = []
        for child in self.children:
            if (tag in ("*", child.tag)) and all(
                    (v in child.attrs.get("class", "").split()) if k == "class_" else child.attrs.get(k) == v
                    for k, v in attrs.items()):
                found.append(child)
            found += child.all(tag, **attrs)
        return found

    def one(self, tag: str = "*", **attrs: str) -> "Node":
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def ancestor(self, tag: str) -> Optional["Node"]:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.parts.append(data)


def dom(response) -> Node:
    builder = _Builder()
    builder.feed(response.get_data(as_text=True))
    return builder.root


def described_by(node: Node) -> list[str]:
    return node.attrs.get("aria-describedby", "").split()


def progress(response) -> tuple[int, int, str]:
    """(N, M, title) of the page's "Step N of M: title"."""
    text = dom(response).one("p", class_="progress").text
    number, total, title = re.fullmatch(r"Step (\d+) of (\d+): (.+)", text).groups()
    return int(number), int(total), title


def form_data(page: Node, **changes: str) -> dict[str, str]:
    """What a browser sends for the page's step form: every named field as shown, then `changes`."""
    form = page.one("form", id="step-form")  # not the header's language switch
    data = {}
    for node in form.all("input"):
        kind = node.attrs.get("type", "text")
        if not node.attrs.get("name") or kind == "submit" or (kind in ("radio", "checkbox")
                                                               and "checked" not in node.attrs):
            continue
        data[node.attrs["name"]] = node.attrs.get("value", "")
    return {**data, **changes}


def draft_answers(session) -> dict:
    session.expire_all()
    return session.scalar(select(Draft)).answers


PREMISE = DALLAS_SWITCH["premise"]


# --- 1. the premise step without "switch or move-in" ----------------------------------------

def test_premise_without_switch_or_move_in_says_what_to_do(wizard):
    wizard.walk(until="premise")
    response = wizard.post("/signup/premise", {k: v for k, v in PREMISE.items() if k != "enrollment_type"})
    assert response.status_code == 422
    message = "Choose whether you are switching supplier or moving in."
    assert errors(response) == [message]
    page = dom(response)
    link = page.one("div", class_="error-summary").one("a")
    assert link.text == message and link.attrs["href"] == "#enrollment_type-0"
    assert page.all("input", id="enrollment_type-0")  # the link leads to the first choice
    assert "Not a valid choice" not in response.get_data(as_text=True)


# --- 2. move-in and switch dates each have their own window ---------------------------------

def test_move_in_and_switch_dates_each_offer_their_own_window(wizard):
    wizard.walk(until="premise")
    page = dom(wizard.get("/signup/premise"))
    today = dates.today()
    earliest_switch = dates.earliest_requested("switch", today, 3)
    latest = today + dt.timedelta(days=90)
    move_in, switch = page.one("input", name="move_in_date"), page.one("input", name="switch_date")
    assert (move_in.attrs["type"], move_in.attrs["min"], move_in.attrs["max"]) == \
        ("date", today.isoformat(), latest.isoformat())
    assert (switch.attrs["type"], switch.attrs["min"], switch.attrs["max"]) == \
        ("date", earliest_switch.isoformat(), latest.isoformat())
    assert page.one("label", **{"for": "move_in_date"}).text == "Move-in date"
    assert page.one("label", **{"for": "switch_date"}).text == "Switch date"
    # Each window is said in the field's own hint, tied to it (also for a browser without a date picker).
    assert page.one("p", id="move_in_date-hint").text.startswith(f"From today, {today:%B %-d, %Y}, to {latest:%B %-d, %Y}.")
    assert page.one("p", id="switch_date-hint").text.startswith(f"From {earliest_switch:%B %-d, %Y} to {latest:%B %-d, %Y}")
    assert described_by(move_in) == ["move_in_date-hint"] and described_by(switch) == ["switch_date-hint"]
    # Revealed by CSS alone, each with the choice it belongs to.
    assert move_in.ancestor("div").parent.attrs["class"] == "reveal move-in-date"
    assert switch.ancestor("div").parent.attrs["class"] == "reveal switch-date"


def test_server_checks_each_date_against_its_own_window(wizard, session):
    tomorrow = in_days(1)  # before any chosen switch date, fine for a move-in
    wizard.walk(until="premise")
    refused = wizard.post("/signup/premise", {**PREMISE, "start_timing": "self_selected", "switch_date": tomorrow,
                                              "move_in_date": in_days(5)})
    assert refused.status_code == 422
    assert errors(refused)[0].startswith("The earliest date we can request is")
    assert dom(refused).one("input", name="switch_date").attrs["aria-invalid"] == "true"

    # The same day as a move-in is accepted; a stale switch date on the page is not looked at.
    wizard.answer("premise", {**PREMISE, "enrollment_type": "move_in", "move_in_date": tomorrow,
                              "switch_date": "not a date"})
    answers = draft_answers(session)
    assert (answers["enrollment_type"], answers["start_timing"], answers["requested_date"]) == \
        ("move_in", "move_in", tomorrow)
    page = dom(wizard.get("/signup/premise"))  # coming back: the date is in the move-in field
    assert page.one("input", name="move_in_date").attrs["value"] == tomorrow
    assert page.one("input", name="switch_date").attrs.get("value", "") == ""


def test_first_available_switch_stores_no_date(wizard, session):
    wizard.walk(until="premise")
    wizard.answer("premise", {**PREMISE, "switch_date": in_days(30), "move_in_date": in_days(2)})
    answers = draft_answers(session)
    assert answers["start_timing"] == "first_available" and answers["requested_date"] is None


# --- 3. an expired promo code: Continue goes on without it -----------------------------------

def test_expired_promo_then_continue_goes_on_without_it(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    refused = wizard.post("/signup/promo", {"promo": "summer24"})
    assert refused.status_code == 422
    assert errors(refused) == ["That promo code expired on August 31, 2024. You can continue without it."]
    page = dom(refused)
    buttons = [b.text for b in page.one("form", id="step-form").all("button")]
    # Continue comes first, so Enter in the field keeps a corrected code; the other way on is named.
    assert buttons[:2] == ["Continue", "Continue without a promo code"], buttons

    # As the message says: pressing Continue again, with the refused code still there, goes on.
    response = wizard.client.post("/signup/promo", data=form_data(page))
    assert response.status_code == 303 and response.location.endswith("/signup/customer-type")
    assert draft_answers(session)["promo"] == ""
    next_page = wizard.get("/signup/customer-type")
    assert "You are continuing without the promo code SUMMER24." in dom(next_page).one(
        "div", class_="notice").text
    assert dom(wizard.get("/signup/promo")).one("input", name="promo").attrs.get("value", "") == ""


def test_after_a_refused_promo_a_corrected_code_is_kept(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    page = dom(wizard.post("/signup/promo", {"promo": "SAVE1O"}))
    response = wizard.client.post("/signup/promo", data=form_data(page, promo="save10"))
    assert response.status_code == 303
    assert draft_answers(session)["promo"] == "SAVE10"


def test_continue_without_a_promo_code_button(wizard, session):
    wizard.answer("zip", {"zip": "75201"})
    page = dom(wizard.post("/signup/promo", {"promo": "NOPE"}))
    response = wizard.client.post("/signup/promo", data=form_data(page, promo="NOPE2", skip="1"))
    assert response.status_code == 303 and draft_answers(session)["promo"] == ""


def test_back_from_a_refused_promo_does_not_skip_it_later(wizard, session):
    """The 'continue without it' choice lasts one page: coming back, the code is checked again."""
    wizard.answer("zip", {"zip": "75201"})
    page = dom(wizard.post("/signup/promo", {"promo": "SUMMER24"}))
    wizard.client.post("/signup/promo", data=form_data(page, nav="back"))
    again = dom(wizard.get("/signup/promo"))
    assert again.one("input", name="promo").attrs["value"] == "SUMMER24"
    assert not again.all("input", name="refused")
    assert wizard.client.post("/signup/promo", data=form_data(again)).status_code == 422


# --- 4. a plan unlocked by the promo code is marked -------------------------------------------

def test_plan_unlocked_by_the_promo_code_is_marked(wizard):
    wizard.walk({**DALLAS_SWITCH, "promo": {"promo": "save10"}}, until="plans")
    page = dom(wizard.get("/signup/plans"))
    special = page.one("article", **{"aria-labelledby": "plan-SAVE10PLAN"})
    assert special.one("p", class_="tag-promo").text == "Unlocked by promo code SAVE10"
    others = [a for a in page.all("article") if a is not special]
    assert others and not any(a.all("p", class_="tag-promo") for a in others)


# --- 5. the step counter never contradicts itself ----------------------------------------------

def _journey(wizard: Wizard, zip_code: str, utility: Optional[str], esi_id: str) -> list[tuple[int, int, str]]:
    """Walk a new customer from the ZIP to the review page; the progress line of every page seen."""
    seen = []

    def step(slug: str, data: Optional[dict] = None) -> None:
        response = wizard.get(f"/signup/{slug}")
        assert response.status_code == 200, slug
        seen.append(progress(response))
        if data is not None:
            wizard.answer(slug, data)

    step("zip", {"zip": zip_code})
    step("promo", {"promo": ""})
    step("customer-type", {"customer_type": "residential"})
    if utility:
        step("utility", {"utility": utility})
    step("referral", {"referral": "friend"})
    first_plan = dom(wizard.get("/signup/plans")).all("button", name="plan")[0].attrs["value"]
    step("plans", {"plan": first_plan})
    step("customer", {"customer_status": "new"})
    step("about-you", DALLAS_SWITCH["about-you"])
    step("premise", {**PREMISE, "esi_id": esi_id})
    step("credentials", DALLAS_SWITCH["credentials"])
    step("review")
    return seen


def _never_contradicts(seen: list[tuple[int, int, str]]) -> None:
    numbers = [n for n, _, _ in seen]
    totals = [m for _, m, _ in seen]
    assert numbers == list(range(1, len(seen) + 1)), seen  # one more each step, none skipped
    assert all(a >= b for a, b in itertools.pairwise(totals)), seen  # the total never grows
    assert all(n <= m for n, m, _ in seen), seen
    assert seen[-1][0] == seen[-1][1] == len(seen), seen  # the last step is "N of N"


def test_step_counter_through_a_zip_with_two_utilities(wizard):
    seen = _journey(wizard, "77550", "tnmp", "10400510001234567")
    _never_contradicts(seen)
    assert seen[0] == (1, 11, "Your ZIP code")
    assert seen[3] == (4, 11, "Your utility")
    assert seen[-1] == (11, 11, "Check your answers")


def test_step_counter_through_a_zip_with_one_utility(wizard):
    seen = _journey(wizard, "75201", None, PREMISE["esi_id"])
    _never_contradicts(seen)
    assert seen[0] == (1, 11, "Your ZIP code")  # the ZIP might have had two utilities
    assert seen[1] == (2, 10, "Promo code")
    assert seen[-1] == (10, 10, "Check your answers")


def test_step_counter_goes_down_for_an_existing_customer(app, wizard):
    wizard.walk()
    wizard.submit()
    other = Wizard(app.test_client())
    other.walk({k: v for k, v in DALLAS_SWITCH.items() if k in ("zip", "promo", "customer-type", "referral", "plans")})
    assert progress(other.get("/signup/customer"))[:2] == (6, 10)
    other.answer("customer", {"customer_status": "existing"})
    assert progress(other.get("/signup/sign-in"))[:2] == (7, 9)
    other.answer("sign-in", {"username": "ana.garza", "password": PASSWORD})
    assert progress(other.get("/signup/premise"))[:2] == (8, 9)


# --- 6. the review page in words a person reads --------------------------------------------------

def test_review_without_promo_says_no_promo_code(wizard):
    wizard.walk()
    page = dom(wizard.get("/signup/review"))
    rows = {row.one("dt").text: row.all("dd")[0].text for row in page.all("div", class_="summary-row")}
    assert rows["Promo code"] == "No promo code"
    assert "None" not in rows.values()


def test_review_error_summary_shortens_statements_at_a_word(wizard):
    wizard.walk()
    response = wizard.post("/signup/review", {})
    assert response.status_code == 422
    page = dom(response)
    links = page.one("div", class_="error-summary").all("a")
    assert len(links) == len(ACKS)
    for link in links:
        box = page.one("input", id=link.attrs["href"][1:])
        statement = page.one("label", **{"for": box.attrs["id"]}).text
        quoted = re.fullmatch(r"Confirm this statement to enroll: “(.+)”", link.text).group(1)
        if quoted.endswith("…"):
            shown = quoted[:-1]
            assert statement.startswith(shown) and len(shown) < len(statement), (shown, statement)
            assert statement[len(shown)] in " ,.;:", f"cut mid-word: {quoted!r}"
        else:
            assert quoted == statement


# --- 7. hints and errors are tied to their fields ---------------------------------------------

def _check_fields_describe_hints_and_errors(page: Node) -> None:
    """Every field names its hint and error in aria-describedby (and is aria-invalid on error);
    every hint in the form describes something."""
    form = page.one("form", id="step-form")  # not the header's language switch
    referenced = {i for node in form.all() for i in described_by(node)}
    ids = {n.attrs["id"] for n in page.all() if n.attrs.get("id")}
    assert referenced <= ids, referenced - ids  # no reference to a missing element
    for node in form.all("input") + form.all("select") + form.all("textarea"):
        fid, kind = node.attrs.get("id"), node.attrs.get("type", "text")
        if not fid or kind in ("hidden", "submit"):
            continue
        # A group of radios is described as a whole, on its fieldset (GOV.UK pattern).
        holder, base = (node.ancestor("fieldset"), node.attrs["name"]) if kind == "radio" else (node, fid)
        for suffix in ("hint", "error"):
            if f"{base}-{suffix}" in ids:
                assert f"{base}-{suffix}" in described_by(holder), (fid, suffix)
        if f"{base}-error" in ids and kind != "radio":
            assert node.attrs.get("aria-invalid") == "true", fid
    for hint in form.all("p", class_="hint"):
        assert hint.attrs.get("id") in referenced, f"hint describes no field: {hint.text!r}"


def test_hints_and_errors_are_tied_to_their_fields(wizard):
    wizard.walk(until="about-you")
    _check_fields_describe_hints_and_errors(dom(wizard.get("/signup/about-you")))
    bad = wizard.post("/signup/about-you", {**DALLAS_SWITCH["about-you"], "first_name": "", "identity_value": "1"})
    assert bad.status_code == 422
    page = dom(bad)
    _check_fields_describe_hints_and_errors(page)
    assert described_by(page.one("input", id="identity_value")) == ["identity_value-hint", "identity_value-error"]

    wizard.answer("about-you", DALLAS_SWITCH["about-you"])
    _check_fields_describe_hints_and_errors(dom(wizard.get("/signup/about-you")))  # "we have the number"
    assert described_by(dom(wizard.get("/signup/about-you")).one("input", id="identity_value")) == \
        ["identity-kept", "identity_value-hint"]

    _check_fields_describe_hints_and_errors(dom(wizard.get("/signup/premise")))
    bad = wizard.post("/signup/premise", {**PREMISE, "esi_id": "123", "billing_same": "no",
                                          "enrollment_type": "move_in", "move_in_date": in_days(-1)})
    page = dom(bad)
    _check_fields_describe_hints_and_errors(page)
    assert described_by(page.one("input", id="esi_id")) == ["esi_id-hint", "esi_id-error"]
    assert described_by(page.one("input", id="move_in_date")) == ["move_in_date-hint", "move_in_date-error"]
    assert described_by(page.one("input", id="billing_line1")) == ["billing-hint", "billing_line1-error"]

    wizard.answer("premise", PREMISE)
    _check_fields_describe_hints_and_errors(dom(wizard.get("/signup/credentials")))
    bad = wizard.post("/signup/credentials", {"username": "a b", "password": "short"})
    page = dom(bad)
    _check_fields_describe_hints_and_errors(page)
    assert page.one("input", id="password").attrs["aria-invalid"] == "true"


def test_radio_errors_are_tied_to_their_group(wizard):
    wizard.walk(until="customer-type")
    page = dom(wizard.post("/signup/customer-type", {}))
    _check_fields_describe_hints_and_errors(page)
    assert described_by(page.one("fieldset")) == ["customer_type-error"]


# --- 8. autocomplete on the addresses --------------------------------------------------------------

def test_service_and_billing_addresses_name_their_autocomplete_tokens(wizard):
    wizard.walk(until="premise")
    page = dom(wizard.get("/signup/premise"))
    tokens = {name: page.one("input", name=name).attrs.get("autocomplete") for name in (
        "service_line1", "service_line2", "service_city",
        "billing_line1", "billing_line2", "billing_city", "billing_state", "billing_zip")}
    assert tokens == {
        "service_line1": "shipping address-line1", "service_line2": "shipping address-line2",
        "service_city": "shipping address-level2",
        "billing_line1": "billing address-line1", "billing_line2": "billing address-line2",
        "billing_city": "billing address-level2", "billing_state": "billing address-level1",
        "billing_zip": "billing postal-code"}


# --- 9. Español is marked as Spanish ---------------------------------------------------------------

def test_spanish_is_marked_as_spanish(wizard):
    wizard.walk(until="about-you")
    page = dom(wizard.get("/signup/about-you"))
    spanish = page.one("input", name="language", value="es")
    label = page.one("label", **{"for": spanish.attrs["id"]})
    assert (label.text, label.attrs.get("lang")) == ("Español", "es")
    english = page.one("label", **{"for": page.one("input", name="language", value="en").attrs["id"]})
    assert "lang" not in english.attrs

    wizard.walk({**{k: v for k, v in DALLAS_SWITCH.items() if k in ("about-you", "premise", "credentials")},
                 "about-you": {**DALLAS_SWITCH["about-you"], "language": "es"}})
    review = dom(wizard.get("/signup/review"))
    row = next(r for r in review.all("div", class_="summary-row") if r.one("dt").text == "Language")
    value = row.all("dd")[0]
    assert (value.text, value.attrs.get("lang")) == ("Español", "es")


@pytest.mark.parametrize("billing_same", ["yes", "no"])
def test_every_change_link_on_review_lands_on_its_field(wizard, billing_same):
    answers = {**DALLAS_SWITCH}
    if billing_same == "no":
        answers["premise"] = {**answers["premise"], "billing_same": "no", "billing_line1": "PO Box 12",
                              "billing_city": "Austin", "billing_state": "TX", "billing_zip": "78701"}
    wizard.walk(answers, until="review")
    review = wizard.get("/signup/review", follow_redirects=True)
    assert "Check your answers" in review.get_data(as_text=True)
    links = re.findall(r'href="(/signup/[a-z-]+\?change=1)#([^"]+)"', review.get_data(as_text=True))
    assert len(links) >= 10
    for path, anchor in links:
        page = wizard.get(path.replace("&amp;", "&"), follow_redirects=True).get_data(as_text=True)
        assert f'id="{anchor}"' in page, f"Change link {path}#{anchor} points at no field"
