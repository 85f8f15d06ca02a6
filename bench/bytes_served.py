"""Benchmark 3: the bytes of the first page with its assets and of every htmx step swap, gzip as served."""
from __future__ import annotations

import re
from typing import Any

from bench.common import KB, TARGETS, BenchError, log, verdict
from bench.http_client import Client, Resp, expect
from bench.servers import Server
from bench.wizard_walk import answers_for, submit, walk
from tests.helpers import DALLAS_SWITCH


def bench_bytes(wizard: Server, run_id: str) -> dict[str, Any]:
    """First page with its assets, and every step's htmx partial, as served (gzip)."""
    first: dict[str, tuple[int, int, str]] = {}
    client = Client(wizard.port)
    page = expect(client.get("/signup/zip"), 200, "first page")
    first["/signup/zip (HTML)"] = (len(page.raw), len(page.body), page.headers.get("Content-Encoding") or "none")
    refs = re.findall(r'<(?:link|script)\b[^>]*?(?:href|src)="(/static/[^"]+)"', page.text)
    if not refs:
        raise BenchError("the first page references no static files")
    for ref in refs:
        asset = expect(client.get(ref), 200, f"asset {ref}")
        first[ref] = (len(asset.raw), len(asset.body), asset.headers.get("Content-Encoding") or "none")

    hx = {"HX-Request": "true", "HX-Current-URL": f"http://127.0.0.1:{wizard.port}/signup/zip"}
    swaps: dict[str, tuple[int, int, str]] = {}

    def on_page(slug: str, resp: Resp) -> None:
        if "<html" in resp.text[:200].lower():
            raise BenchError(f"htmx GET of {slug} answered a whole page, not the panel")
        swaps.setdefault(slug, (len(resp.raw), len(resp.body), resp.headers.get("Content-Encoding") or "none"))

    client = Client(wizard.port)
    review = walk(client, answers_for(f"bench.{run_id}.bytes"), headers=hx, on_page=on_page)
    _, confirmation = submit(client, review, headers=hx)
    on_page("confirmation", confirmation)
    # The two steps a Dallas switch by a new customer skips: utility (split ZIP), sign-in (existing).
    galveston = {**DALLAS_SWITCH, "zip": {"zip": "77550"}}
    walk(Client(wizard.port), dict(list(galveston.items())[:3]) | {"utility": {}}, until="utility",
         headers=hx, on_page=on_page)
    existing = {slug: DALLAS_SWITCH[slug] for slug in ("zip", "promo", "customer-type", "referral", "plans")}
    existing |= {"customer": {"customer_status": "existing"}, "sign-in": {}}
    walk(Client(wizard.port), existing, until="sign-in", headers=hx, on_page=on_page)
    order = ["zip", "promo", "customer-type", "utility", "referral", "plans", "customer", "sign-in",
             "about-you", "premise", "credentials", "review", "confirmation"]
    swaps = {slug: swaps[slug] for slug in order if slug in swaps}
    return {"first": first, "first_total": sum(v[0] for v in first.values()),
            "first_total_uncompressed": sum(v[1] for v in first.values()),
            "swaps": swaps, "swap_max": max(v[0] for v in swaps.values()),
            "swap_max_step": max(swaps, key=lambda s: swaps[s][0])}


def show(by: dict[str, Any]) -> None:
    for name, (wire, plain, enc) in by["first"].items():
        log(f"  {name:42}{wire:8,} B  ({plain:,} B uncompressed, {enc})")
    log(f"  {'first page total':42}{by['first_total']:8,} B = {by['first_total'] / KB:.1f} KB (target <= 50 KB)")
    log("  htmx step swaps (GET with HX-Request: true):")
    for slug, (wire, plain, enc) in by["swaps"].items():
        log(f"    {slug:40}{wire:8,} B  ({plain:,} B uncompressed, {enc})")
    log(f"  largest swap {by['swap_max'] / KB:.1f} KB ({by['swap_max_step']}) (target <= 6 KB)")


def summary_rows(by: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    rows.append(("First page, gzip (HTML + CSS + JS + icon)", f"{by['first_total'] / KB:.1f} KB",
                 "<= 50 KB", verdict(by["first_total"] <= TARGETS["first_page_kb"] * KB)))
    rows.append(("Largest htmx step swap, gzip", f"{by['swap_max'] / KB:.1f} KB ({by['swap_max_step']})",
                 "<= 6 KB", verdict(by["swap_max"] <= TARGETS["swap_kb"] * KB)))
    return rows
