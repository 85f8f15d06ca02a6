"""A member of staff using the admin area in their own browser, as the admin e2e tests share it."""
from __future__ import annotations

from typing import Any, Callable

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.admin_helpers import STAFF_PASSWORD, make_staff

from .browser import Camera
from .server import LiveServer


class StaffMember:
    """Drives one page by labels, roles and buttons; every page shot is photographed and checked by axe."""

    def __init__(self, page: Page, server: LiveServer, camera: Camera):
        self.page, self.server, self.camera = page, server, camera

    @classmethod
    def signed_in(cls, server: LiveServer, new_context: Callable[..., BrowserContext], camera: Camera, email: str,
                  role: str, **context_options: Any) -> Any:
        """A new member of staff with `role`, in a browser of their own, signed in to the admin area."""
        make_staff(server.app, email, role)
        context = new_context(base_url=server.base_url, **context_options)
        context.set_default_timeout(10_000)
        member = cls(context.new_page(), server, camera)
        member.when_i_sign_in(email)
        return member

    def shot(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        self.camera.take(self.page, label, js=True)

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def field(self, label: str) -> Locator:
        return self.page.get_by_label(label, exact=True)

    def flash(self) -> Locator:
        return self.page.locator(".notice-success")

    def when_i_go_to(self, menu_item: str, heading: str) -> None:
        """Follow the admin menu to a section and land on its page."""
        self.page.get_by_role("navigation", name="Admin").get_by_role("link", name=menu_item).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)

    def when_i_sign_in(self, email: str, password: str = STAFF_PASSWORD) -> None:
        self.page.goto(self.server.url("/admin/login"))
        self.shot("admin-sign-in")
        self.field("Email address").fill(email)
        self.field("Password").fill(password)
        self.press("Sign in")
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Overview")
        self.shot("admin-overview")
