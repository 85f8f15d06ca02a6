"""An admin gives a partner its API key in Chromium: the key is shown once, works for the partner's
script over HTTP, and stops working when revoked (axe checks every page)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Callable

import pytest
from playwright.sync_api import BrowserContext, expect


from .browser import Camera
from .server import LiveServer
from .staff import StaffMember

pytestmark = pytest.mark.e2e


def partner_asks_for_plans(server: LiveServer, key: str) -> tuple[int, dict]:
    """The partner's script: GET /api/v1/plans with its key."""
    request = urllib.request.Request(server.url("/api/v1/plans?zip=75201&customer_type=residential"),
                                     headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310  our own test server
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def test_an_admin_gives_acme_a_key_then_revokes_it(live_server: LiveServer, new_context: Callable[..., BrowserContext],
                                                   camera: Camera) -> None:
    ada = StaffMember.signed_in(live_server, new_context, camera, "ada@example.com", "admin")

    ada.when_i_go_to("API keys", "Partner API keys")
    expect(ada.page.get_by_text("No API keys yet.")).to_be_visible()
    ada.shot("api-keys-empty")
    ada.press("Create key")  # nothing chosen: both fields say what to do
    expect(ada.page.get_by_role("alert")).to_contain_text("Choose the partner the key is for.")
    ada.shot("api-keys-refused")
    ada.field("Partner").select_option("ACME")
    ada.field("What the key is for").fill("production server")
    ada.press("Create key")
    key_field = ada.page.get_by_label("API key for Acme Energy Deals (ACME): production server")
    expect(key_field).to_be_visible()
    key = key_field.input_value()
    assert len(key) == 43
    ada.shot("api-key-created")

    status, plans = partner_asks_for_plans(live_server, key)
    assert status == 200 and [p["code"] for p in plans["plans"]] == ["PARTNER12"]

    ada.page.goto(live_server.url("/admin/api-keys"))  # the key is never shown again
    expect(ada.page.get_by_role("cell", name=f"{key[:8]}…")).to_be_visible()
    assert key not in ada.page.content()
    ada.press(f"Revoke key {key[:8]} of ACME")
    expect(ada.flash()).to_contain_text("revoked: requests with it now get 401")
    ada.shot("api-key-revoked")
    status, problem = partner_asks_for_plans(live_server, key)
    assert status == 401 and problem["title"] == "Unauthorized"
