"""The wait list: when a ZIP becomes served (ZIP map import, command line or admin upload), whoever
asked is emailed exactly once, with a link to sign up and one to leave the list (a POST)."""
from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

from sqlalchemy import func, select

from wizard.mail.models import MailMessage
from wizard.signup.models import AreaWaitlist

from .admin_helpers import signed_in
from .helpers import Wizard, csrf_token
from .mail_helpers import deliver_mail, html_of, text_of

SERVES_10001 = "zip,utility\n10001,oncor\n"
PUBLIC = "https://signup.example.com"


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def join(app, email: str, zip_code: str = "10001") -> None:
    """A visitor types a ZIP we do not serve and leaves an address."""
    wizard = Wizard(app.test_client())
    assert wizard.post("/signup/zip", {"zip": zip_code}).location.endswith("/signup/not-served")
    thanks = wizard.post("/signup/not-served", {"email": email})
    assert f"we'll send one email to {email}" in page(thanks)


def import_zips(app, tmp_path: Path, text: str = SERVES_10001):
    path = tmp_path / "zips.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["catalog", "import-zips", str(path)])


def waiting(session) -> list[tuple[str, str, bool]]:
    session.expire_all()
    return [(r.zip, r.email, r.notified_at is not None)
            for r in session.scalars(select(AreaWaitlist).order_by(AreaWaitlist.id))]


def test_an_import_that_serves_the_zip_emails_whoever_waits_once(make_app, session, tmp_path):
    app = make_app(SITE_URL=PUBLIC)
    join(app, "pat@example.com")
    join(app, "lee@example.com", zip_code="10002")  # still not served: not emailed
    result = import_zips(app, tmp_path)
    assert result.exit_code == 0, result.output
    assert "Emailing 1 person(s) on the wait list: we serve their ZIP code now." in result.output
    assert waiting(session) == [("10001", "pat@example.com", True), ("10002", "lee@example.com", False)]

    (message,) = deliver_mail(app)
    assert message["To"] == "pat@example.com"
    assert message["Subject"] == "Lone Star Power now serves ZIP code 10001"
    body = text_of(message)
    assert "You asked us to tell you when Lone Star Power starts serving ZIP code 10001. We do now." in body
    assert f"{PUBLIC}/signup/\n" in body
    assert "This is the only email we send about ZIP code 10001." in body
    assert re.search(rf"{PUBLIC}/signup/waitlist/leave/\S+", body)
    assert "pat@example.com" not in re.search(r"/waitlist/leave/(\S+)", body).group(1)
    assert f'href="{PUBLIC}/signup/"' in html_of(message)

    again = import_zips(app, tmp_path)  # the same file: nobody is emailed twice
    assert again.exit_code == 0 and "Emailing" not in again.output
    assert deliver_mail(app) == []
    assert session.scalar(select(func.count()).select_from(MailMessage)) == 1


def test_without_site_url_the_command_line_uses_the_dev_server_or_says_why_not(app, session, tmp_path):
    join(app, "pat@example.com")
    result = import_zips(app, tmp_path)
    assert result.exit_code == 0, result.output
    if app.config["DATABASE_URL"].startswith("sqlite"):  # the embedded default: links name `flask run`
        assert "http://127.0.0.1:5000/signup/\n" in text_of(deliver_mail(app)[0])
        assert waiting(session) == [("10001", "pat@example.com", True)]
    else:  # production: no link to a wrong host; they stay waiting for the next import
        assert "The wait list was not emailed: Set SITE_URL" in result.output
        assert "Imported 1 ZIP code(s)" in result.output  # the map itself is imported
        assert waiting(session) == [("10001", "pat@example.com", False)]
        assert deliver_mail(app) == []


def test_an_admin_upload_that_serves_the_zip_emails_whoever_waits(app, session):
    join(app, "pat@example.com")
    admin = signed_in(app, "marketing")
    response = admin.post("/admin/catalog/zip-map", {"file": (io.BytesIO(SERVES_10001.encode()), "zips.csv")},
                          content_type="multipart/form-data")
    assert response.status_code == 303
    assert ("Imported 1 ZIP code(s): 1 pair(s) added, 0 removed, 0 unchanged. Emailing 1 person(s) on the "
            "wait list: we serve their ZIP code now." in admin.get("/admin/catalog/zip-map").text)
    (message,) = deliver_mail(app)
    assert message["To"] == "pat@example.com" and "http://localhost/signup/" in text_of(message)
    assert waiting(session) == [("10001", "pat@example.com", True)]


def test_a_failed_import_emails_nobody(app, session, tmp_path):
    join(app, "pat@example.com")
    result = import_zips(app, tmp_path, "zip,utility\n10001,oncor\n10001,nosuch\n")
    assert result.exit_code != 0
    assert waiting(session) == [("10001", "pat@example.com", False)]
    assert deliver_mail(app) == []


def leave_link(app, tmp_path: Path, to: str = "pat@example.com") -> str:
    """Serve 10001 and answer the path of the leave link emailed to `to`."""
    import_zips(app, tmp_path)
    (message,) = [m for m in deliver_mail(app) if m["To"] == to]
    return re.search(r"https://signup\.example\.com(/signup/waitlist/leave/\S+)", text_of(message)).group(1)


def test_leaving_the_list_needs_the_button_and_removes_the_address(make_app, session, tmp_path):
    app = make_app(SITE_URL=PUBLIC)
    join(app, "pat@example.com")
    join(app, "pat@example.com", zip_code="10002")
    join(app, "kim@example.com")
    pat_link = leave_link(app, tmp_path)
    client = app.test_client()
    shown = client.get(pat_link)  # opening the link (or a mail scanner fetching it) changes nothing
    assert shown.status_code == 200 and "Take your email address off our wait list?" in page(shown)
    assert "pat@example.com" not in page(shown)
    assert len(waiting(session)) == 3

    forged = app.test_client().post(pat_link)  # no CSRF token: another site's form
    assert forged.status_code == 400 and len(waiting(session)) == 3

    left = client.post(pat_link, data={"csrf_token": csrf_token(page(shown))})
    assert left.status_code == 303
    done = page(client.get(left.location))
    assert "We deleted your email address from our wait list." in done
    assert [(z, e) for z, e, _ in waiting(session)] == [("10001", "kim@example.com")]  # both of Pat's ZIPs

    gone = client.get(pat_link)
    assert gone.status_code == 200 and "This address is not on our wait list any more" in page(gone)


def test_a_tampered_leave_link_removes_nobody(make_app, session, tmp_path):
    app = make_app(SITE_URL=PUBLIC)
    join(app, "pat@example.com")
    path = leave_link(app, tmp_path)
    client = app.test_client()
    tampered = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert "This address is not on our wait list any more" in page(client.get(tampered))
    token = csrf_token(page(client.get("/signup/zip")))
    client.post(tampered, data={"csrf_token": token})
    assert len(waiting(session)) == 1
    assert app.test_client().get("/embed/ACME/signup/waitlist/leave/" + path.rsplit("/", 1)[1]).status_code == 404
