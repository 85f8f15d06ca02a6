"""Junk in every admin form never causes a server error: crawl the admin as an admin, fill every form with junk.

The crawler follows every link under /admin/ from the overview (so new pages are covered without
listing them here), then submits each form on each page once per junk value, every text field
holding it. Sign-out is not submitted; if a form signs the crawler out, it signs in again.
"""
from __future__ import annotations

import io
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from .admin_helpers import STAFF_PASSWORD, signed_in
from .helpers import Wizard

JUNK = ["\x00nul", "x" * 5000, "<script>alert(1)</script>", "-1", "99999999999999999999999",
        "2026-02-30", "' OR 1=1 --", "١٢٣", "   "]
TEXT_TYPES = {"text", "email", "number", "date", "url", "tel", "search", "password", None}


class Page(HTMLParser):
    """Links and forms (action, method, fields) of one admin page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": []})
        elif tag in ("input", "textarea", "select") and self.forms and a.get("name"):
            self.forms[-1]["fields"].append((tag, a.get("type"), a["name"], a.get("value") or ""))


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def _junk_data(fields: list, junk: str) -> dict:
    data: dict = {}
    for tag, kind, name, value in fields:
        if name == "csrf_token" or kind in ("submit", "hidden"):
            data.setdefault(name, value)
        elif kind == "file":
            data[name] = (io.BytesIO(junk.encode("utf-8", "surrogatepass")), "junk.pdf")
        elif tag in ("textarea", "select") or kind in TEXT_TYPES or kind in ("radio", "checkbox"):
            data[name] = junk
    return data


def test_junk_in_every_admin_form_never_causes_a_server_error(app):
    customer = Wizard(app.test_client())
    customer.walk()
    customer.submit()
    admin = signed_in(app, "admin", "root@example.com")
    seen, queue, failures, forms_tried = set(), ["/admin/"], [], 0
    while queue and len(seen) < 150:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = admin.get(path)
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        page = parse(response.text)
        for href in page.links:
            target = urlsplit(urljoin(path, href))
            if target.path.startswith("/admin") and not target.path.endswith("/logout") and target.path not in seen:
                queue.append(target.path)
        for form in page.forms:
            action = urljoin(path, form["action"]) or path
            if action.endswith("/logout") or action.endswith("/login"):
                continue
            forms_tried += 1
            for junk in JUNK:
                data = _junk_data(form["fields"], junk)
                if form["method"] == "post":
                    result = admin.client.post(action, data=data, content_type="multipart/form-data")
                else:
                    result = admin.client.get(action, query_string={k: v for k, v in data.items()
                                                                   if isinstance(v, str)})
                if result.status_code >= 500:
                    failures.append((action, repr(junk[:20]), result.status_code))
                if result.status_code in (302, 303) and "/admin/login" in (result.location or ""):
                    admin.sign_in("root@example.com", STAFF_PASSWORD)
    assert forms_tried >= 5, f"the crawl found only {forms_tried} forms in {len(seen)} pages"
    assert not failures, failures
