"""The wizard's address lookup: a customer finds the premise by its street address instead of
typing an ESI ID, at the utility step (a ZIP split between utilities) and at the premise step.

Everything the browser sends is checked again here: a chosen ESI ID must be in the premise table,
in the draft's ZIP, with a utility the catalog offers there, and pass the extract's rules
(`wizard.premises.rules`), whether it was chosen from the list or typed by hand. This module words
those rules for customers and keeps the lookup's page state in the draft's unsaved input of the
step (`_unsaved[slug]`): the same place the Back button keeps what was typed, so a search without
JavaScript is a plain post/redirect/get and nothing typed is lost. Its messages are made in the
request's language (a customer's, or English on the agents' screen), never stored: a problem is kept
as its `kind` and worded again when the page is shown.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from limits import parse_many

from wizard.catalog.models import Utility
from wizard.core.extensions import limiter
from wizard.premises import lookup
from wizard.premises.models import Premise
from wizard.premises.rules import Findings, findings

from .context import DraftContext
from .drafts import keep_unsaved

#: The steps with an address search, and the field whose text is searched on each.
QUERY_FIELD = {"utility": "address", "premise": "service_line1"}
#: Keys of the lookup's state in `_unsaved[slug]`, beside the page's typed values.
FIND = "_find"  # "1": show the results of the typed address ("Find my address" without JavaScript)
PROBLEM = "_problem"  # why the address chosen was not used (a kind of `Problem`)
PROBLEM_ESI = "_problem_esi"  # the ESI ID it was about
STATE_KEYS = (FIND, PROBLEM, PROBLEM_ESI)
#: The draft's answer naming the premise found: {"esi_id", "line1", "line2", "city", "zip", "utility"}.
FOUND = "premise_found"
#: The premise step's fields a chosen premise fills in.
ADDRESS_FIELDS = ("service_line1", "service_line2", "service_city", "esi_id")


def phone() -> str:
    return current_app.config["CUSTOMER_SERVICE_PHONE"]


# --- searching -----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Option:
    """One premise offered: its address, its utility's name and what the extract says of it."""

    esi_id: str
    address: str
    utility: str
    note: str


@dataclasses.dataclass(frozen=True)
class Results:
    """What a search shows: the options, and a line to say how many (read out by screen readers)."""

    query: str
    options: list[Option]
    status: str
    more: bool = False


def _note(premise: Premise, utility_name: Optional[str], residential: bool) -> str:
    found = findings(premise)
    if utility_name is None:
        return _("Not a utility we serve here")
    if found.refusal == "unmetered":
        return _("No meter: can't be signed up")
    if found.refusal == "inactive":
        return _("Inactive: can't be signed up")
    notes = []
    if found.business and residential:
        notes.append(_("Business premise"))
    if found.move_in_only == "de_energized":
        notes.append(_("No power connected now: move-in only"))
    elif found.move_in_only == "switch_hold":
        notes.append(_("Switch hold: move-in only"))
    return "; ".join(notes)


def search(ctx: DraftContext, typed: str) -> Results:
    """The premises of the draft's ZIP whose address begins with what was typed."""
    typed = " ".join((typed or "").split())[:120]
    zip_code = ctx.answers.get("zip", "")
    if len(lookup.typed_keys(typed)[0]) < lookup.MIN_QUERY:
        return Results(typed, [], _("Type at least the house number and the start of the street name, like 1500 Main."))
    found = lookup.search(ctx.session, zip_code, typed, limit=lookup.LIMIT + 1)
    more = len(found) > lookup.LIMIT
    names = {u.code: u.name for u in ctx.utilities}
    options = [Option(f.premise.esi_id, f.label, names.get(f.utility_code or "") or _("Another utility"),
                      _note(f.premise, names.get(f.utility_code or ""), not ctx.is_business))
               for f in found[:lookup.LIMIT]]
    if not options:
        status = _("No address in ZIP code %(zip)s begins with “%(typed)s”. Check the house number and "
                   "street, or enter the address yourself.", zip=zip_code, typed=typed)
    elif more:
        status = _("More than %(limit)s addresses begin with “%(typed)s”: the first %(limit)s are "
                   "shown. Type more of the address to find yours.", limit=lookup.LIMIT, typed=typed)
    else:
        status = ngettext("%(num)s address found.", "%(num)s addresses found.", len(options))
    return Results(typed, options, status, more)


def within_rate_limit() -> bool:
    """Count one address search (or choice) for this client; False when over PREMISE_SEARCH_RATE_LIMIT.

    Counted here rather than by a decorator so that the customer gets a message on the page
    (the search area says to wait) instead of an error page.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    key = get_remote_address() or "unknown"
    hits = [limiter.limiter.hit(item, "premise-search", key)
            for item in parse_many(current_app.config["PREMISE_SEARCH_RATE_LIMIT"])]
    return all(hits)


RATE_LIMITED = _l("You have searched for addresses many times in a short while. Wait a minute, then try "
                  "again. Your answers so far are saved.")


# --- checking a premise ----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Problem:
    """Why a premise chosen or typed cannot be used as it is; `kind` decides what is offered."""

    kind: str  # none_chosen, unknown, not_in_zip, not_offered, unmetered, inactive, business, other_utility
    message: str
    premise: Optional[Premise] = None
    #: For other_utility: the utility the premise has, which the customer may change to.
    utility: Optional[Utility] = None


@dataclasses.dataclass(frozen=True)
class Pick:
    """A premise that may be used for this draft, its utility and the extract's findings."""

    premise: Premise
    utility: Utility
    findings: Findings

    @property
    def label(self) -> str:
        return label(self.premise)


class Refused(Exception):
    """The premise cannot be used; `problem` says why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def label(premise: Premise) -> str:
    unit = f" {premise.address_overflow}" if premise.address_overflow else ""
    return f"{premise.address}{unit}, {premise.city}"


def check(ctx: DraftContext, premise: Premise, *, utility_change: bool, typed: bool = False) -> Pick:
    """`premise` for this draft, or Refused. `utility_change`: its utility may differ from the
    draft's (the customer chose to change it, or the utility is being chosen by the address)."""
    zip_code = ctx.answers.get("zip", "")
    what = _("ESI ID %(esi_id)s", esi_id=premise.esi_id) if typed else label(premise)
    if premise.zip != zip_code:
        raise Refused(Problem("not_in_zip", _("%(what)s is for an address in ZIP code %(zip)s, not %(chosen)s. "
                                              "Check it, or change the ZIP code.",
                                              what=what, zip=premise.zip, chosen=zip_code), premise))
    code = lookup.utility_for(ctx.session, premise)
    utility = next((u for u in ctx.utilities if u.code == code), None)
    if utility is None:
        raise Refused(Problem("not_offered", _("%(what)s is served by a utility we don't serve in ZIP code %(zip)s. "
                                               "Check the address, or call us at %(phone)s.",
                                               what=what, zip=zip_code, phone=phone()), premise))
    found = findings(premise)
    if found.refusal == "unmetered":
        raise Refused(Problem("unmetered", _("%(address)s (ESI ID %(esi_id)s) has no meter: it is unmetered service, "
                                             "like a street light, so it can't be signed up for a plan. Check the "
                                             "address, or call us at %(phone)s.",
                                             address=label(premise), esi_id=premise.esi_id, phone=phone()), premise))
    if found.refusal == "inactive":
        raise Refused(Problem("inactive", _("The utility lists %(address)s (ESI ID %(esi_id)s) as inactive, so it "
                                            "can't be signed up. Check the address, or call us at %(phone)s.",
                                            address=label(premise), esi_id=premise.esi_id, phone=phone()), premise))
    if found.business and not ctx.is_business:
        raise Refused(Problem("business", _("%(address)s is a business address: the utility lists it as "
                                            "“%(premise_type)s”. You told us the electricity is for a home. "
                                            "To sign this address up, change to a business signup.",
                                            address=label(premise), premise_type=premise.premise_type), premise))
    if not utility_change and ctx.utility is not None and utility.code != ctx.utility.code:
        raise Refused(Problem("other_utility", _("%(address)s is served by %(utility)s, not by %(chosen)s, the "
                                                 "utility you chose. The plan prices you saw were for %(chosen)s.",
                                                 address=label(premise), utility=utility.name,
                                                 chosen=ctx.utility.name), premise, utility))
    return Pick(premise, utility, found)


def check_choice(ctx: DraftContext, esi_id: str, *, utility_change: bool) -> Pick:
    """The premise a customer chose from the list (an ESI ID from the browser, so trusted for nothing)."""
    if not esi_id:
        raise Refused(Problem("none_chosen", _("Choose your address from the list.")))
    premise = lookup.by_esi_id(ctx.session, esi_id[:22]) if esi_id.isdigit() else None
    if premise is None:
        raise Refused(Problem("unknown", _("That address is not in our list. Search for it again.")))
    return check(ctx, premise, utility_change=utility_change)


def typed_premise(ctx: DraftContext, esi_id: Optional[str]) -> Optional[Premise]:
    """The premise of an ESI ID typed (or filled in), when the premise table has it."""
    if not esi_id or not esi_id.isdigit() or len(esi_id) not in (17, 22):
        return None
    return lookup.by_esi_id(ctx.session, esi_id)


def move_in_notice(pick: Pick) -> Optional[str]:
    """What the customer must know when only a move-in can be made at the premise."""
    if pick.findings.move_in_only == "de_energized":
        return _("No electricity is connected at %(address)s now, so your signup is a move-in: the utility "
                 "connects the power on the move-in date you choose.", address=pick.label)
    if pick.findings.move_in_only == "switch_hold":
        return _("The utility has put a switch hold on %(address)s, so its electricity provider can't be "
                 "switched now. If you are moving in, sign up as a move-in. If you live there now, call us at "
                 "%(phone)s and we will help.", address=pick.label, phone=phone())
    return None


def submit_problem(ctx: DraftContext) -> Optional[str]:
    """Re-check the draft's ESI ID against today's premise table before enrolling (a daily extract
    may have put a switch hold on it since): the message, or None when it may go."""
    premise = typed_premise(ctx, ctx.answers.get("esi_id"))
    if premise is None:
        return None
    try:
        pick = check(ctx, premise, utility_change=False, typed=True)
    except Refused as refused:
        return refused.problem.message
    if pick.findings.move_in_only and ctx.answers.get("enrollment_type") != "move_in":
        return move_in_notice(pick)
    return None


# --- the draft's answers ---------------------------------------------------------------------

def found_answer(pick: Pick, zip_code: str) -> dict[str, str]:
    p = pick.premise
    return {"esi_id": p.esi_id, "line1": p.address, "line2": p.address_overflow, "city": p.city,
            "zip": zip_code, "utility": pick.utility.code}


def address_values(found: Mapping[str, str]) -> dict[str, str]:
    """The premise step's fields as a found premise fills them."""
    return {"service_line1": found["line1"], "service_line2": found["line2"], "service_city": found["city"],
            "esi_id": found["esi_id"]}


def settled_by_address(answers: Mapping[str, Any]) -> bool:
    """The draft's utility is the one of the premise the customer found."""
    found = answers.get(FOUND)
    return bool(found) and found.get("utility") == answers.get("utility")


def unsaved_of(answers: Mapping[str, Any], slug: str) -> dict[str, str]:
    return dict(answers.get("_unsaved", {}).get(slug, {}))


def with_unsaved(answers: Mapping[str, Any], slug: str, values: dict[str, str]) -> dict[str, Any]:
    """`answers` with `values` as the page's unsaved input (within the drafts' caps)."""
    return {**answers, "_unsaved": keep_unsaved(answers.get("_unsaved", {}), slug, values)}


def apply_pick(answers: Mapping[str, Any], pick: Pick, slug: str, typed: dict[str, str]) -> dict[str, Any]:
    """The answers once the customer has chosen `pick` on step `slug` (what was typed on the page kept).

    At the utility step the address answers the utility question; a premise step already answered
    for another address is opened again (its ESI ID dropped), so the customer sees the new address
    there before going on. At the premise step the address fills the page's fields, which the
    customer then sends with the rest of the page (and the utility changes only if asked to).
    """
    found = found_answer(pick, answers.get("zip", ""))
    out: dict[str, Any] = {**answers, FOUND: found, "utility": pick.utility.code}
    premise_typed = {k: v for k, v in unsaved_of(answers, "premise").items() if k not in STATE_KEYS}
    if slug == "utility":
        out["_unsaved"] = {k: v for k, v in out.get("_unsaved", {}).items() if k != "utility"}
        if out.get("esi_id") and out["esi_id"] != pick.premise.esi_id:
            out.pop("esi_id")
        if premise_typed:
            out = with_unsaved(out, "premise", {**premise_typed, **address_values(found)})
        return out
    values = {k: v for k, v in typed.items() if k not in STATE_KEYS}
    return with_unsaved(out, "premise", {**values, **address_values(found)})


def keep_state(answers: Mapping[str, Any], slug: str, typed: dict[str, str], state: dict[str, str]) -> dict[str, Any]:
    """`answers` keeping what was typed on the page and the lookup's state (`FIND`, `PROBLEM`...)."""
    values = {k: v for k, v in typed.items() if k not in STATE_KEYS}
    return with_unsaved(answers, slug, {**values, **{k: v for k, v in state.items() if v}})


@dataclasses.dataclass(frozen=True)
class PageState:
    """What the search area of a step shows: results of the last search and the last problem."""

    results: Optional[Results] = None
    problem: Optional[Problem] = None
    checked: str = ""


def page_state(ctx: DraftContext, slug: str) -> PageState:
    """The search area as the draft's unsaved input of `slug` leaves it (shown on a GET)."""
    unsaved = unsaved_of(ctx.answers, slug)
    results = search(ctx, unsaved.get(QUERY_FIELD[slug], "")) if unsaved.get(FIND) else None
    kind, esi = unsaved.get(PROBLEM), unsaved.get(PROBLEM_ESI, "")
    problem: Optional[Problem] = None
    if kind == "rate_limited":
        problem = Problem(kind, str(RATE_LIMITED))
    elif kind:
        try:
            check_choice(ctx, esi, utility_change=(slug == "utility"))
        except Refused as refused:
            problem = refused.problem
    return PageState(results, problem, esi)
