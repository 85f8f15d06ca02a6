"""The funnel report (page and CSV) and the audit log, as staff would use them."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from wizard.admin import audit
from wizard.admin.funnel_report import day_range_utc
from wizard.catalog.models import Affiliate
from wizard.core.dates import today
from wizard.core.extensions import db
from wizard.signup.models import FunnelEvent

from .admin_helpers import signed_in
from .helpers import DALLAS_SWITCH, Wizard

STEP_LABELS = {"started": "Started", "promo": "Promo code", "customer-type": "Home or business",
               "utility": "Your utility", "referral": "How you heard about us", "plans": "Choose a plan",
               "customer": "New or existing customer", "sign-in": "Sign in to My Account",
               "about-you": "About you", "premise": "Service address",
               "credentials": "Create your My Account login", "review": "Check your answers",
               "completed": "Completed"}


def html(response) -> str:
    return response.get_data(as_text=True)


def funnel_counts(page: str) -> dict[str, int]:
    """Step label -> drafts that reached it, read from the report's table."""
    rows = re.findall(r'<th scope="row">(.*?)(?: <span class="tag">.*?)?</th>\s*<td class="num">(\d+)</td>', page, re.S)
    return {label.strip(): int(count) for label, count in rows}


def expect(**counts: int) -> dict[str, int]:
    """Every row of the report: the given counts, 0 elsewhere (keys are step slugs, - as _)."""
    return {label: counts.get(slug.replace("-", "_"), 0) for slug, label in STEP_LABELS.items()}


def enrollment(username: str, esi_id: str) -> dict[str, dict]:
    return {**DALLAS_SWITCH, "credentials": {**DALLAS_SWITCH["credentials"], "username": username},
            "premise": {**DALLAS_SWITCH["premise"], "esi_id": esi_id}}


@pytest.fixture
def walked(app):
    """Four drafts today: two enrolled, one that stopped at the plans, one via ACME that stopped at
    New or existing customer."""
    for username, esi in (("ana.one", "10443720001234567"), ("ana.two", "10443720007654321")):
        customer = Wizard(app.test_client())
        customer.walk(enrollment(username, esi))
        assert customer.submit().status_code == 303
    stopped = Wizard(app.test_client())
    stopped.walk(until="plans")
    assert stopped.get("/signup/plans").status_code == 200
    partner = Wizard(app.test_client())
    assert partner.get("/signup/via/ACME").status_code == 303
    partner.walk({**{k: v for k, v in DALLAS_SWITCH.items() if k in ("zip", "promo", "customer-type", "referral")},
                  "plans": {"plan": "PARTNER12"}})
    assert partner.get("/signup/customer").status_code == 200
    return app


def add_events(app, *events: tuple[str, str, str | None, dt.datetime]) -> None:
    with db.sessionmaker(app)() as session:
        session.add_all(FunnelEvent(draft_ref=ref, step=step, affiliate_code=code, at=at)
                        for ref, step, code, at in events)
        session.commit()


def market_noon(days_ago: int) -> dt.datetime:
    """Noon, in naive UTC, of the market day `days_ago` days before today."""
    start, _ = day_range_utc(today() - dt.timedelta(days=days_ago), today() - dt.timedelta(days=days_ago))
    return start + dt.timedelta(hours=12)


# --- funnel report ---------------------------------------------------------------------------

def test_funnel_counts_each_step_in_wizard_order(walked):
    page = html(signed_in(walked, "marketing").get("/admin/funnel"))
    assert funnel_counts(page) == expect(started=4, promo=4, customer_type=4, referral=4, plans=4, customer=3,
                                         about_you=2, premise=2, credentials=2, review=2, completed=2)
    assert list(funnel_counts(page)) == list(STEP_LABELS.values())
    assert "when a step was reached" in page


def test_funnel_shows_share_of_started_and_drop_off(walked):
    page = html(signed_in(walked, "marketing").get("/admin/funnel"))
    plans = re.search(r'Choose a plan</th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)', plans) == ["4", "100.0%", "0", "0.0%"]
    premise = re.search(r'Service address</th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)', premise) == ["2", "50.0%", "2 ", "50.0%"]
    assert "since Choose a plan" in premise  # skips the conditional rows before it


def test_funnel_marks_conditional_steps(walked):
    page = html(signed_in(walked, "marketing").get("/admin/funnel"))
    marked = re.findall(r'<th scope="row">([^<]*) <span class="tag">Only some customers', page)
    assert marked == ["Your utility", "New or existing customer", "Sign in to My Account", "About you",
                      "Create your My Account login"]
    assert "shown only when they apply" in page


@pytest.mark.parametrize("channel, expected", [
    ("web", expect(started=3, promo=3, customer_type=3, referral=3, plans=3, customer=2, about_you=2, premise=2,
                   credentials=2, review=2, completed=2)),
    ("affiliate:ACME", expect(started=1, promo=1, customer_type=1, referral=1, plans=1, customer=1)),
])
def test_funnel_per_channel(walked, channel, expected):
    page = html(signed_in(walked, "operations").get("/admin/funnel", query_string={"channel": channel}))
    assert funnel_counts(page) == expected


def test_funnel_lists_every_affiliate(walked):
    with db.sessionmaker(walked)() as session:
        session.add(Affiliate(code="OLD", name="Old Partner", active=False))
        session.commit()
    page = html(signed_in(walked, "marketing").get("/admin/funnel"))
    assert '<option value="affiliate:ACME">Acme Energy Deals (ACME)</option>' in page
    assert "Old Partner (OLD), inactive" in page and "Direct web only" in page


def test_funnel_counts_only_steps_reached_inside_the_dates(walked):
    add_events(walked, ("old1", "started", None, market_noon(40)), ("old1", "promo", None, market_noon(40)),
               ("old2", "started", "ACME", market_noon(39)), ("old1", "completed", None, market_noon(2)))
    admin = signed_in(walked, "marketing")
    assert funnel_counts(html(admin.get("/admin/funnel")))["Completed"] == 3  # default: the last 30 days
    assert funnel_counts(html(admin.get("/admin/funnel")))["Started"] == 4
    old = {"date_from": (today() - dt.timedelta(days=40)).isoformat(),
           "date_to": (today() - dt.timedelta(days=39)).isoformat()}
    assert funnel_counts(html(admin.get("/admin/funnel", query_string=old))) == expect(started=2, promo=1)
    one_day = {"date_from": old["date_from"], "date_to": old["date_from"], "channel": "affiliate:ACME"}
    assert funnel_counts(html(admin.get("/admin/funnel", query_string=one_day))) == expect()


def test_funnel_day_ends_at_midnight_in_the_market(app):
    start, end = day_range_utc(today() - dt.timedelta(days=5), today() - dt.timedelta(days=5))
    add_events(app, ("a", "started", None, start), ("b", "started", None, end - dt.timedelta(seconds=1)),
               ("c", "started", None, end), ("d", "started", None, start - dt.timedelta(seconds=1)))
    day = (today() - dt.timedelta(days=5)).isoformat()
    page = html(signed_in(app, "marketing").get("/admin/funnel", query_string={"date_from": day, "date_to": day}))
    assert funnel_counts(page)["Started"] == 2


def test_funnel_csv_has_the_same_figures_as_a_download(walked):
    admin = signed_in(walked, "operations")
    page = html(admin.get("/admin/funnel", query_string={"channel": "affiliate:ACME"}))
    link = re.search(r'href="(/admin/funnel\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
    response = admin.get(link)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"funnel-")
    lines = list(csv.reader(io.StringIO(html(response))))
    assert lines[0][:4] == ["Step", "Conditional step", "Drafts that reached it", "% of started"]
    assert [(line[0], line[2]) for line in lines[1:]] == [
        (label, str(count)) for label, count in
        expect(started=1, promo=1, customer_type=1, referral=1, plans=1, customer=1).items()]
    assert lines[1][7:] == ["Acme Energy Deals (ACME)", (today() - dt.timedelta(days=29)).isoformat(),
                            today().isoformat()]


def test_funnel_csv_neutralises_formulas(app):
    with db.sessionmaker(app)() as session:
        session.add(Affiliate(code="EVIL", name='=HYPERLINK("http://evil.example","Click")'))
        session.commit()
    response = signed_in(app, "marketing").get("/admin/funnel.csv", query_string={"channel": "affiliate:EVIL"})
    lines = list(csv.reader(io.StringIO(html(response))))
    assert {line[7] for line in lines[1:]} == {'\'=HYPERLINK("http://evil.example","Click") (EVIL)'}


@pytest.mark.parametrize("args, message", [
    ({"date_from": "2026-13-45"}, "Enter the date in the from box"),
    ({"date_to": "yesterday"}, "Enter the date in the to box"),
    ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "The last day must be the same as or after the first"),
    ({"date_from": "2025-01-01", "date_to": "2026-01-02"}, "Choose at most 366 days"),
    ({"channel": "affiliate:NOPE"}, "Choose a channel from the list"),
])
@pytest.mark.parametrize("path", ["/admin/funnel", "/admin/funnel.csv"])
def test_funnel_bad_filters_are_explained(app, path, args, message):
    response = signed_in(app, "marketing").get(path, query_string=args)
    assert response.status_code == 422
    assert "There is a problem" in html(response) and message in html(response)


def test_funnel_accepts_exactly_366_days(app):
    response = signed_in(app, "marketing").get("/admin/funnel", query_string={"date_from": "2025-01-01",
                                                                               "date_to": "2026-01-01"})
    assert response.status_code == 200


def test_funnel_shows_the_days_it_counts_in_the_form(app):
    page = html(signed_in(app, "marketing").get("/admin/funnel"))
    assert f'value="{(today() - dt.timedelta(days=29)).isoformat()}"' in page
    assert f'value="{today().isoformat()}"' in page


def test_funnel_reads_the_events_with_one_query(walked):
    admin = signed_in(walked, "marketing")
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)
    engine = db.engine(walked)
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert admin.get("/admin/funnel").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    reads = [s for s in statements if "funnel_event" in s]
    assert len(reads) == 1 and "GROUP BY" in reads[0]


# --- audit log -------------------------------------------------------------------------------

BASE = dt.datetime(2026, 3, 10, 15, 30)
#: The entity ids of `logged`'s entries (signing staff in adds entries of its own).
OURS = {"7", "SAVE10", "STEADY24", "SAVER12"}


def add_entries(app, *entries: dict) -> None:
    with db.sessionmaker(app)() as session:
        for entry in entries:
            at = entry.pop("at", BASE)
            audit.record(session, **{"actor": "alice@example.com", "action": "update", "entity_type": "plan",
                                     "entity_id": "SAVER12", **entry}).at = at
        session.commit()


def shown(page: str) -> list[str]:
    """The entity ids of the entries on a page, in order."""
    return re.findall(r"<td>[\w -]+ <strong>([^<]*)</strong></td>", page)


@pytest.fixture
def logged(app):
    add_entries(app,
                {"entity_id": "SAVER12", "before": {"name": "Saver", "channels": ["web"]},
                 "after": {"name": "Lone Star Saver", "channels": ["web", "affiliate:ACME"], "max_uses": None}},
                {"entity_id": "STEADY24", "action": "retire", "at": BASE + dt.timedelta(days=1)},
                {"entity_type": "promo", "entity_id": "SAVE10", "actor": "Bob@Example.com", "action": "create",
                 "at": BASE + dt.timedelta(days=2), "after": {"valid_to": "2030-12-31", "unlocks": ["SAVE10PLAN"]}},
                {"entity_type": "enrollment", "entity_id": "7", "actor": "ops_100%@example.com", "action": "cancel",
                 "at": BASE + dt.timedelta(days=3, hours=8, minutes=29)})
    return signed_in(app, "admin")


def test_audit_log_shows_entries_newest_first_with_readable_changes(logged):
    page = html(logged.get("/admin/audit"))
    assert [i for i in shown(page) if i in OURS] == ["7", "SAVE10", "STEADY24", "SAVER12"]
    assert "When (UTC)" in page and "2026-03-13 23:59:00 UTC" in page
    saver = page[page.rindex("<tr>", 0, page.index("<strong>SAVER12</strong>")):]
    saver = saver[:saver.index("</tr>")]
    assert '<span class="audit-key">name:</span> Saver</li>' in saver
    assert '<span class="audit-key">name:</span> Lone Star Saver</li>' in saver
    assert '<span class="audit-key">channels:</span> web, affiliate:ACME</li>' in saver
    assert '<span class="audit-key">max_uses:</span> (none)</li>' in saver
    assert "alice@example.com" in saver and "update" in saver


@pytest.mark.parametrize("args, ids", [
    ({"entity_type": "plan"}, ["STEADY24", "SAVER12"]),
    ({"action": "create"}, ["SAVE10"]),
    ({"actor": "BOB@"}, ["SAVE10"]),
    ({"actor": "100%"}, ["7"]),
    ({"actor": "%"}, ["7"]),
    ({"entity_id": "SAVER12"}, ["SAVER12"]),
    ({"entity_id": "SAVER"}, []),
    ({"date_from": "2026-03-11", "date_to": "2026-03-12"}, ["SAVE10", "STEADY24"]),
    ({"date_to": "2026-03-10"}, ["SAVER12"]),
    ({"date_from": "2026-03-13", "entity_type": "enrollment"}, ["7"]),
    ({"date_from": "2026-03-13", "date_to": "2026-03-13"}, ["7"]),  # 23:59 UTC is still that day
    ({"entity_type": "plan", "action": "retire", "actor": "alice"}, ["STEADY24"]),
])
def test_audit_log_filters_narrow(logged, args, ids):
    response = logged.get("/admin/audit", query_string=args)
    assert response.status_code == 200
    assert [i for i in shown(html(response)) if i in OURS] == ids
    if not ids:
        assert "No entries match these filters." in html(response)


def test_audit_log_offers_the_types_and_actions_it_holds(logged):
    page = html(logged.get("/admin/audit"))
    types = re.search(r'<select[^>]*id="entity_type"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="([^"]*)"', types) == ["", "enrollment", "plan", "promo", "staff"]


@pytest.mark.parametrize("args, message", [
    ({"entity_type": "spaceship"}, "Choose an entity type from the list"),
    ({"action": "<script>"}, "Choose an action from the list"),
    ({"date_from": "10/03/2026"}, "Enter the date in the from box"),
    ({"date_from": "2026-03-12", "date_to": "2026-03-11"}, "The last day must be the same as or after"),
    ({"entity_id": "x" * 65}, "Enter at most 64 characters"),
    ({"actor": "a" * 255}, "Enter at most 254 characters"),
])
def test_audit_log_bad_filters_are_explained(logged, args, message):
    response = logged.get("/admin/audit", query_string=args)
    assert response.status_code == 422
    assert "There is a problem" in html(response) and message in html(response)


def test_audit_log_pages_by_fifty(app):
    add_entries(app, *({"entity_id": f"P{n:03}", "at": BASE + dt.timedelta(minutes=n)} for n in range(120)))
    admin = signed_in(app, "admin")
    first = html(admin.get("/admin/audit", query_string={"entity_type": "plan"}))
    assert shown(first) == [f"P{n:03}" for n in range(119, 69, -1)]
    assert "120 entries matching the filters, page 1 of 3" in first
    older = re.search(r'href="([^"]+)" rel="next">Older entries', first).group(1).replace("&amp;", "&")
    second = html(admin.get(older))
    assert shown(second)[0] == "P069" and 'rel="prev">Newer entries' in second
    last = html(admin.get("/admin/audit", query_string={"entity_type": "plan", "page": "3"}))
    assert shown(last) == [f"P{n:03}" for n in range(19, -1, -1)] and "Older entries" not in last
    for page in ("4", "0", "x", "-1"):
        assert admin.get("/admin/audit", query_string={"entity_type": "plan", "page": page}).status_code == 404


# --- roles -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role, funnel, audit_log", [
    ("marketing", 200, 403), ("operations", 200, 403), ("admin", 200, 200)])
def test_who_may_see_the_reports(app, role, funnel, audit_log):
    staff = signed_in(app, role)
    assert staff.get("/admin/funnel").status_code == funnel
    assert staff.get("/admin/funnel.csv").status_code == funnel
    assert staff.get("/admin/audit").status_code == audit_log


def test_reports_need_a_sign_in(client):
    for path in ("/admin/funnel", "/admin/funnel.csv", "/admin/audit"):
        assert client.get(path).status_code == 302
