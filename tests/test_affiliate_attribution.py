"""An affiliate's link with `sub_id` and `utm_*`: kept on the draft and the enrollment, counted in
the funnel report, shown to operations and sent to the billing system (file drop and web service)."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from sqlalchemy import select

from billing.models import Enrollment
from wizard.core.billing_runner import drain_once
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.signup.models import Draft, FunnelEvent

from .admin_helpers import signed_in
from .billing_fixtures import StandInProcess
from .helpers import DALLAS_SWITCH, Wizard

LINK = "/signup/via/ACME?sub_id=abc-123&utm_source=newsletter"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def enroll_through(app, link: str, username: str = "ana.garza", esi_id: str = "10443720001234567",
                   until: str | None = None) -> Wizard:
    """A customer who follows `link` and enrolls on the affiliate's plan (or stops before `until`)."""
    wizard = Wizard(app.test_client())
    assert wizard.get(link).status_code == 303
    wizard.walk({**DALLAS_SWITCH, "plans": {"plan": "PARTNER12"},
                 "premise": {**DALLAS_SWITCH["premise"], "esi_id": esi_id},
                 "credentials": {**DALLAS_SWITCH["credentials"], "username": username}}, until=until)
    if until is None:
        assert wizard.submit().location.endswith("/signup/confirmation")
    return wizard


def only_enrollment(session) -> Enrollment:
    return session.scalars(select(Enrollment)).one()


# --- the enrollment, the billing file and operations ----------------------------------------------

def test_sub_id_and_utm_reach_the_enrollment_the_billing_file_and_operations(app, session, tmp_path):
    enroll_through(app, LINK + "&utm_campaign=Spring%20sale&utm_medium=e%0Amail&gclid=zzz")
    enrollment = only_enrollment(session)
    assert (enrollment.affiliate_code, enrollment.sub_id) == ("ACME", "abc-123")
    # The medium had a line break in it: dropped whole; gclid is not ours to keep.
    assert enrollment.utm == {"utm_source": "newsletter", "utm_campaign": "Spring sale"}
    steps = {e.step: (e.affiliate_code, e.sub_id) for e in session.scalars(select(FunnelEvent))}
    assert steps["started"] == steps["plans"] == steps["completed"] == ("ACME", "abc-123")

    assert drain_once(app).sent == 1
    doc = ET.parse(tmp_path / "billing-drop" / f"{enrollment.number}.xml").getroot()
    assert doc.findtext("Enrollment/Affiliate") == "ACME"
    assert doc.findtext("Enrollment/SubId") == "abc-123"
    assert [(c.tag, c.text) for c in doc.find("Enrollment/Campaign")] == [("Source", "newsletter"),
                                                                         ("Name", "Spring sale")]

    page = text(signed_in(app, "operations").get(f"/admin/enrollments/{enrollment.number}"))
    assert '<th scope="row">Affiliate</th><td>Acme Energy Deals</td>' in page
    assert '<th scope="row">Sub ID</th><td>abc-123</td>' in page
    assert '<th scope="row">Campaign source</th><td>newsletter</td>' in page
    assert '<th scope="row">Campaign name</th><td>Spring sale</td>' in page
    assert "Campaign medium" not in page


def test_a_direct_enrollment_has_no_attribution_anywhere(app, session, tmp_path):
    customer = Wizard(app.test_client())
    customer.walk()
    assert customer.submit().status_code == 303
    enrollment = only_enrollment(session)
    assert (enrollment.affiliate_code, enrollment.sub_id, enrollment.utm) == (None, None, None)
    assert set(session.scalars(select(FunnelEvent.sub_id))) == {None}
    drain_once(app)
    doc = ET.parse(tmp_path / "billing-drop" / f"{enrollment.number}.xml").getroot()
    assert [doc.find(f"Enrollment/{tag}") for tag in ("Affiliate", "SubId", "Campaign")] == [None, None, None]
    page = text(signed_in(app, "operations").get(f"/admin/enrollments/{enrollment.number}"))
    assert '<th scope="row">Sub ID</th><td>None</td>' in page
    assert '<th scope="row">Campaign tags</th><td>None</td>' in page


def test_the_latest_link_of_the_same_affiliate_counts_and_a_bad_one_changes_nothing(app, session):
    wizard = Wizard(app.test_client())
    wizard.get(LINK)
    wizard.answer("zip", DALLAS_SWITCH["zip"])
    wizard.get("/signup/via/ACME?sub_id=not%20valid")  # nothing usable: the draft keeps its attribution
    assert session.scalars(select(Draft.answers)).one()["attribution"] == {"sub_id": "abc-123",
                                                                            "utm_source": "newsletter"}
    wizard.get("/signup/via/acme?sub_id=later-click&utm_medium=email")
    session.expire_all()
    answers = session.scalars(select(Draft.answers)).one()
    assert answers["zip"] == "75201"  # the same draft goes on
    assert answers["attribution"] == {"sub_id": "later-click", "utm_medium": "email"}


# --- the web-service billing system -----------------------------------------------------------------

@pytest.fixture
def standin():
    process = StandInProcess().start()
    yield process
    process.stop()


def test_the_json_prospect_carries_sub_id_and_utm(make_app, standin, session):
    app = make_app(BILLING_ADAPTER="web_service", BILLING_URL=standin.url)
    enroll_through(app, LINK + "&utm_term=cheap%20power")
    assert drain_once(app).sent == 1
    body = standin.received(only_enrollment(session).number)
    assert (body["affiliate_code"], body["sub_id"]) == ("ACME", "abc-123")
    assert body["utm"] == {"utm_source": "newsletter", "utm_term": "cheap power"}


# --- the funnel report --------------------------------------------------------------------------------

def by_sub_id(page: str) -> list[tuple[str, ...]]:
    """The "By sub ID" table's rows: sub ID, started, completed, completed per started."""
    table = re.search(r'<table class="data-table sub-id-breakdown">(.*?)</table>', page, re.S)
    assert table, "the page has no By sub ID table"
    rows = re.findall(r'<th scope="row" class="sub-id">(?:<a [^>]*>)?(.*?)(?:</a>)?</th>\s*'
                      r'<td class="num">(.*?)</td>\s*<td class="num">(.*?)</td>\s*<td class="num">(.*?)</td>',
                      table.group(1), re.S)
    return [tuple(cell.strip() for cell in row) for row in rows]


def step_counts(page: str) -> dict[str, int]:
    """Step label -> drafts that reached it, from the report's first table."""
    table = page.split("</table>")[0]
    rows = re.findall(r'<th scope="row">(.*?)(?: <span class="tag">.*?)?</th>\s*<td class="num">(\d+)</td>', table,
                      re.S)
    return {label.strip(): int(count) for label, count in rows}


@pytest.fixture
def affiliate_drafts(app):
    """Via ACME: two drafts with sub ID abc-123 (one enrolled), one with xyz and one without a sub ID,
    all stopped at the plans unless enrolled; and one direct draft."""
    enroll_through(app, LINK)
    enroll_through(app, LINK, until="plans")
    enroll_through(app, "/signup/via/ACME?sub_id=xyz", until="plans")
    enroll_through(app, "/signup/via/ACME", until="plans")
    Wizard(app.test_client()).walk(until="plans")
    return app


def test_funnel_breaks_an_affiliate_down_by_sub_id(affiliate_drafts):
    marketing = signed_in(affiliate_drafts, "marketing")
    page = text(marketing.get("/admin/funnel", query_string={"channel": "affiliate:ACME"}))
    assert "By sub ID" in page
    assert by_sub_id(page) == [("abc-123", "2", "1", "50.0%"), ("xyz", "1", "0", "0.0%"),
                               ("No sub ID", "1", "0", "0.0%")]
    assert step_counts(page)["Started"] == 4  # the steps table is the affiliate's, unchanged
    link = re.search(r'<a href="([^"]+)">abc-123</a>', page).group(1)
    one = text(marketing.get(unescape(link)))
    assert step_counts(one)["Started"] == 2 and step_counts(one)["Completed"] == 1
    assert step_counts(one)["Choose a plan"] == 2 and step_counts(one)["Service address"] == 1
    assert "Acme Energy Deals (ACME), sub ID abc-123" in one
    assert "By sub ID" not in one  # one sub ID chosen: its steps are the table above
    everyone = text(marketing.get("/admin/funnel"))
    assert step_counts(everyone)["Started"] == 5 and "By sub ID" not in everyone


def test_funnel_csv_names_the_sub_id(affiliate_drafts):
    admin = signed_in(affiliate_drafts, "operations")
    page = text(admin.get("/admin/funnel", query_string={"channel": "affiliate:ACME", "sub_id": "xyz"}))
    link = re.search(r'href="(/admin/funnel\.csv\?[^"]+)"', page).group(1)
    lines = text(admin.get(link)).splitlines()
    assert lines[1].startswith("Started,no,1,")
    assert '"Acme Energy Deals (ACME), sub ID xyz"' in lines[1]


@pytest.mark.parametrize("query, message", [
    ({"sub_id": "abc-123"}, "Choose an affiliate under Channel to see one sub ID"),
    ({"channel": "web", "sub_id": "abc-123"}, "Choose an affiliate under Channel to see one sub ID"),
    ({"channel": "affiliate:ACME", "sub_id": "abc 123"},
     "Enter the sub ID as the affiliate's link has it: at most 100 letters, digits and . _ ~ : - with no spaces."),
    ({"channel": "affiliate:ACME", "sub_id": "x" * 101}, "at most 100 letters"),
], ids=["all channels", "direct web", "a space", "101 characters"])
def test_funnel_refuses_a_sub_id_it_cannot_show(app, query, message):
    response = signed_in(app, "marketing").get("/admin/funnel", query_string=query)
    assert response.status_code == 422
    page = text(response)
    assert "There is a problem" in page and message in page
    assert 'href="#sub_id"' in page  # the error summary links to the field


def test_funnel_shows_the_fifty_busiest_sub_ids(app):
    noon = dt.datetime.combine(today(), dt.time(18))  # 18:00 UTC: noon or 1 pm in Texas, today
    with db.sessionmaker(app)() as session:
        session.add_all(FunnelEvent(draft_ref=f"d{n}-{k}", step="started", affiliate_code="ACME", sub_id=f"click-{n:02d}",
                                    at=noon) for n in range(55) for k in range(1 + (n == 54)))
        session.commit()
    page = text(signed_in(app, "marketing").get("/admin/funnel", query_string={"channel": "affiliate:ACME"}))
    rows = by_sub_id(page)
    assert len(rows) == 50 and rows[0] == ("click-54", "2", "0", "0.0%") and rows[1][0] == "click-00"
    assert "Only the 50 sub IDs with the most started drafts are shown." in page
