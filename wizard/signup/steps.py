"""The wizard's steps, declared as data: slug, title, form, when it applies, when it is done.

`load` turns stored answers into form data, `save` turns a valid form into answers. Answers
hold no clear password and no clear identity value: those are hashed or encrypted in `save`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable, Mapping

from flask import current_app, flash
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from wizard.account.logins import sign_in
from wizard.catalog import offers as catalog
from wizard.core.passwords import hash_password
from wizard.core.validators import format_phone

from . import address_lookup, forms
from .context import DraftContext
from .journey import Answers


def always(_: Answers) -> bool:
    return True


def _new_customer(a: Answers) -> bool:
    return a.get("customer_status") == "new"


def _existing_customer_to_sign_in(a: Answers) -> bool:
    """Existing customers sign in, unless they came already signed in to My Account."""
    return a.get("customer_status") == "existing" and a.get("account_via") != "session"


def _not_another_premise(a: Answers) -> bool:
    """A draft begun from My Account ("enroll another address") knows who the customer is."""
    return not a.get("another_premise")


def _several_utilities_or_zip_unknown(a: Answers) -> bool:
    return not a.get("utilities") or len(a["utilities"]) > 1


def _new_customer_or_not_said(a: Answers) -> bool:
    """New customers take the longer path (their details, a login) than existing ones (sign-in)."""
    return a.get("customer_status") in (None, "new")


def _save_customer_status(form: forms.StepForm, ctx: DraftContext) -> dict[str, Any]:
    out: dict[str, Any] = {"customer_status": form.customer_status.data}
    if out["customer_status"] == "existing" and current_user.is_authenticated:
        out.update(account_id=current_user.id, account_via="session")  # no second sign-in
    else:
        out.update(account_id=None, account_via=None)
    return out


def _default_load(form_cls: type[forms.StepForm]) -> Callable[[DraftContext], dict[str, Any]]:
    def load(ctx: DraftContext) -> dict[str, Any]:
        names = [n for n, f in form_cls.__dict__.items() if hasattr(f, "field_class")]
        return {n: ctx.answers[n] for n in names if n in ctx.answers}
    return load


@dataclasses.dataclass(frozen=True)
class Step:
    """One page of the wizard."""

    slug: str
    #: Lazy (`_l`): shown in the language of the page that shows it.
    title: str
    form: type[forms.StepForm]
    done: Callable[[Answers], bool]
    applies: Callable[[Answers], bool] = always
    #: For the step counter: applies, or may still apply when the answers it depends on are not
    #: given yet (None: same as `applies`). Counting the longest path keeps the total from growing.
    may_apply: Callable[[Answers], bool] | None = None
    load: Callable[[DraftContext], dict[str, Any]] | None = None
    save: Callable[[forms.StepForm, DraftContext], dict[str, Any]] | None = None

    @property
    def template(self) -> str:
        return f"signup/{self.slug}.html"

    def form_for(self, ctx: DraftContext) -> forms.StepForm:
        """The step's form filled from stored answers, and from what was typed before going Back."""
        unsaved = ctx.answers.get("_unsaved", {}).get(self.slug)
        form = self.form(formdata=MultiDict(unsaved) if unsaved else None,
                         data=(self.load or _default_load(self.form))(ctx))
        form.prepare(ctx)
        return form

    def answers_from(self, form: forms.StepForm, ctx: DraftContext) -> dict[str, Any]:
        """The answers a valid form stores."""
        return self.save(form, ctx) if self.save else form.answers()


# --- per-step load/save where answers and form data differ --------------------------------

def _save_zip(form: forms.StepForm, ctx: DraftContext) -> dict[str, Any]:
    zip_code = form.zip.data
    utilities = catalog.utilities_for_zip(ctx.session, zip_code)
    out: dict[str, Any] = {"zip": zip_code, "utilities": [u.code for u in utilities],
                           "state": utilities[0].state_code if utilities else None}
    if len(utilities) == 1:
        out["utility"] = utilities[0].code
    return out


def _load_promo(ctx: DraftContext) -> dict[str, Any]:
    """The code given so far; before any, the affiliate's default code (the customer may clear it)."""
    return {"promo": ctx.answers["promo"] if "promo" in ctx.answers else (ctx.default_promo or "")}


def _save_promo(form: forms.StepForm, ctx: DraftContext) -> dict[str, Any]:
    typed = (form.promo.data or "").strip()
    if typed and form.without_code():
        flash(_("You are continuing without the promo code %(code)s.", code=typed.upper()), "info")
    return form.answers()


def _save_sign_in(form: forms.StepForm, ctx: DraftContext) -> dict[str, Any]:
    account = form.account  # set by SignInForm validation (which also upgraded an outdated hash)
    sign_in(account)
    return {"account_id": account.id, "account_via": "sign-in"}


def _load_about_you(ctx: DraftContext) -> dict[str, Any]:
    data = _default_load(forms.AboutYouForm)(ctx)
    if ctx.answers.get("dob_enc"):
        data["date_of_birth"] = dt.date.fromisoformat(current_app.extensions["cipher"].decrypt(ctx.answers["dob_enc"]))
    data.pop("identity_value", None)
    if data.get("phone", "").startswith("+1"):
        data["phone"] = format_phone(data["phone"])  # as the customer typed it, not E.164
    return data


def _save_about_you(form: forms.StepForm, ctx: DraftContext) -> dict[str, Any]:
    cipher = current_app.extensions["cipher"]
    out = form.answers()
    dob = out.pop("date_of_birth", None)
    identity = out.pop("identity_value", None)
    if dob:
        out["dob_enc"] = cipher.encrypt(dob.isoformat())
    if identity:
        ssn = forms.rules.clean_ssn(identity)
        out["identity_enc"] = cipher.encrypt(ssn)
        out["identity_last4"] = ssn[-4:]
    return out


def _load_premise(ctx: DraftContext) -> dict[str, Any]:
    data = _default_load(forms.PremiseForm)(ctx)
    found = ctx.answers.get(address_lookup.FOUND)
    if found and found.get("esi_id") != data.get("esi_id"):  # found since the page was last sent
        data.update(address_lookup.address_values(found))
    if ctx.answers.get("requested_date"):
        field = "move_in_date" if ctx.answers.get("enrollment_type") == "move_in" else "switch_date"
        data[field] = dt.date.fromisoformat(ctx.answers["requested_date"])
    return data


def _save_premise(form: forms.StepForm, ctx: DraftContext) -> dict[str, Any]:
    out = form.answers()
    for field in ("move_in_date", "switch_date"):  # stored once, as requested_date
        out.pop(field, None)
    requested = form.requested_date()
    out["requested_date"] = requested.isoformat() if requested else None
    if out.get("billing_same") == "yes":
        for key in ("billing_line1", "billing_line2", "billing_city", "billing_state", "billing_zip"):
            out[key] = ""
    if not ctx.is_texas:
        out.update(enrollment_type="switch", start_timing="self_selected")
    if out.get("enrollment_type") == "move_in":
        out["start_timing"] = "move_in"
    found = ctx.answers.get(address_lookup.FOUND)
    if found and found.get("esi_id") != out.get("esi_id"):
        out[address_lookup.FOUND] = None  # the customer gave another ESI ID by hand
    return out


def _load_credentials(ctx: DraftContext) -> dict[str, Any]:
    return {"username": ctx.answers.get("username", "")}


def _save_credentials(form: forms.StepForm, ctx: DraftContext) -> dict[str, Any]:
    if not form.password.data:  # kept the password chosen before
        return {"username": form.username.data}
    return {"username": form.username.data, "password_hash": hash_password(form.password.data)}


STEPS: tuple[Step, ...] = (
    Step("zip", _l("Your ZIP code"), forms.ZipForm, done=lambda a: bool(a.get("utilities")),
         save=_save_zip),
    Step("promo", _l("Promo code"), forms.PromoForm, done=lambda a: "promo" in a, load=_load_promo, save=_save_promo),
    Step("customer-type", _l("Home or business"), forms.CustomerTypeForm,
         done=lambda a: "customer_type" in a),
    Step("utility", _l("Your utility"), forms.UtilityForm, done=lambda a: "utility" in a,
         applies=lambda a: len(a.get("utilities") or []) > 1, may_apply=_several_utilities_or_zip_unknown),
    Step("referral", _l("How you heard about us"), forms.ReferralForm, done=lambda a: "referral" in a),
    Step("plans", _l("Choose a plan"), forms.PlanForm, done=lambda a: "plan" in a),
    Step("customer", _l("New or existing customer"), forms.CustomerStatusForm,
         done=lambda a: "customer_status" in a, applies=_not_another_premise, save=_save_customer_status),
    Step("sign-in", _l("Sign in to My Account"), forms.SignInForm, done=lambda a: bool(a.get("account_id")),
         applies=_existing_customer_to_sign_in, load=lambda ctx: {}, save=_save_sign_in),
    Step("about-you", _l("About you"), forms.AboutYouForm,
         done=lambda a: "first_name" in a and (a.get("state") != "TX" or "identity_enc" in a)
         and (a.get("customer_type") != "commercial" or bool(a.get("business_name"))),
         applies=_new_customer, may_apply=_new_customer_or_not_said, load=_load_about_you, save=_save_about_you),
    Step("premise", _l("Service address"), forms.PremiseForm,
         done=lambda a: "service_line1" in a and (a.get("state") != "TX" or bool(a.get("esi_id"))),
         load=_load_premise, save=_save_premise),
    Step("credentials", _l("Create your My Account login"), forms.CredentialsForm,
         done=lambda a: "password_hash" in a, applies=_new_customer, may_apply=_new_customer_or_not_said,
         load=_load_credentials, save=_save_credentials),
    Step("review", _l("Check your answers"), forms.ReviewForm, done=lambda a: False),
)

BY_SLUG: Mapping[str, Step] = {s.slug: s for s in STEPS}


def reconcile(answers: dict[str, Any], ctx: DraftContext) -> dict[str, Any]:
    """Drop answers an earlier change made invalid (utility of another ZIP, plan no longer offered)."""
    codes = [u.code for u in ctx.utilities]
    if answers.get("utility") not in codes:
        answers.pop("utility", None)
    if len(codes) == 1:
        answers["utility"] = codes[0]
    found = answers.get(address_lookup.FOUND)
    if found and (found.get("zip") != answers.get("zip") or found.get("utility") != answers.get("utility")):
        answers.pop(address_lookup.FOUND)  # another ZIP or utility was chosen since the address was found
    if answers.get("plan") and answers["plan"] not in {p.code for p in ctx.plans}:
        answers.pop("plan")
    utility = ctx.utility
    esi = answers.get("esi_id")
    if esi and (utility is None or not any(esi.startswith(p) for p in utility.esi_prefixes)):
        answers.pop("esi_id")
    if answers.get("customer_type") != "commercial":
        answers.pop("business_name", None)
        answers.pop("tax_id", None)
    return answers
