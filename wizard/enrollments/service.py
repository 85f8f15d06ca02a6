"""One enrollment service for every channel: the same rules, the same records, one transaction.

The web wizard asks one step at a time and calls `store` from its review page. The other
channels send every answer at once, under the wizard's own field names: `check` runs each wizard
step's form on them in the wizard's order (so a rule lives in one place, the step's form) and
`enroll` then stores the customer, the My Account login, the enrollment with its consent
evidence, the billing outbox row and the emails in one transaction.

Idempotent: each channel names its submission (`submission_key`: the wizard's draft id, the
partner's Idempotency-Key, the importer's sale id), and the enrollment's unique key makes a
replay answer the enrollment already made instead of a second one.

Messages a customer may read (the forms', and `check_ready`'s on the wizard's review page) are in
the request's language: English for agents, partners and imports. `Invalid` and `NotReady` hold
them as plain strings, ready for JSON, the session and the database.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from typing import Any, Mapping, Optional, Sequence

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

import billing
from billing.models import Enrollment
from wizard.account.models import Account
from wizard.catalog import document_files
from wizard.catalog.documents import current_version, given_languages, shown_language
from wizard.catalog.models import AGENT, WEB, Promo
from wizard.core import i18n
from wizard.core import validators as rules
from wizard.core.dates import today as market_today
from wizard.core.extensions import db
from wizard.core.models import Customer, utcnow
from wizard.core.passwords import UNSET
from wizard.signup import address_lookup, journey
from wizard.signup import mails as signup_mails
from wizard.signup.context import DraftContext
from wizard.signup.steps import STEPS, reconcile

from . import mails

#: Channels, as `Enrollment.channel` stores them.
API, IMPORT = "api", "import"
CHANNELS = (WEB, AGENT, API, IMPORT)
#: Consent methods: the web's clicks, a recorded phone call (or TPV), a signed contract.
CONSENT_METHODS = ("web", "phone", "signed_contract")
#: Steps the web wizard alone asks: the other channels know who the customer is, and make the login.
WEB_ONLY_STEPS = frozenset({"customer", "sign-in", "credentials", "review"})
#: Without these the later steps cannot be checked (their choices depend on them).
FOUNDATION_STEPS = frozenset({"zip", "customer-type", "utility"})
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclasses.dataclass(frozen=True)
class Source:
    """Where an enrollment comes from, and what that channel may sell."""

    channel: str
    #: The agent's staff email, the partner's code, or the import and its line.
    made_by: Optional[str] = None
    #: The plan sets offered (wizard.catalog.models: WEB, AGENT, affiliate_channel(code)).
    plan_channels: tuple[str, ...] = (WEB,)
    #: The affiliate the sale is attributed to (an API partner is one).
    affiliate: Optional[str] = None
    sub_id: Optional[str] = None
    utm: Optional[dict[str, str]] = None


@dataclasses.dataclass(frozen=True)
class Consent:
    """How the customer agreed: the method and its evidence."""

    method: str
    #: The call's or third-party verification's reference (phone).
    reference: Optional[str] = None
    #: The stored file name of the signed contract (signed_contract).
    document: Optional[str] = None
    ip: Optional[str] = None
    user_agent: str = ""
    made_at: Optional[dt.datetime] = None
    #: The language the statements were shown or read in ("en", "es"); None: the request's
    #: (staff pages and the API speak English).
    language: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Result:
    enrollment: Enrollment
    #: False when the submission key had already made this enrollment (a replay).
    created: bool


class Invalid(Exception):
    """The answers cannot be enrolled: `errors` maps each field ("" for none) to its messages."""

    def __init__(self, errors: Mapping[str, Sequence[str]]):
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}
        super().__init__("; ".join(f"{k or 'enrollment'}: {' '.join(v)}" for k, v in self.errors.items()))


class NotReady(Exception):
    """Stored answers cannot be submitted yet: `step` needs the customer's attention."""

    def __init__(self, step: str, message: str):
        super().__init__(str(message))
        self.step = step
        self.message = str(message)


class UsernameTaken(Exception):
    """Someone took the chosen username between the credentials step and submit."""


# --- checking ----------------------------------------------------------------------------------

def context(answers: Mapping[str, Any], source: Source, today: Optional[dt.date] = None) -> DraftContext:
    """The answers seen through the catalog, with the plan sets `source` may sell."""
    channels = None if source.channel == WEB else source.plan_channels
    return DraftContext(answers, db.session, today or market_today(), plan_channels=channels)


def start_answers(source: Source, customer_id: Optional[int]) -> dict[str, Any]:
    """What the channel knows before any field: its affiliate, and the customer when known."""
    answers: dict[str, Any] = {"affiliate": source.affiliate} if source.affiliate else {}
    if customer_id is None:
        return {**answers, "customer_status": "new"}
    account = db.session.scalar(select(Account).where(Account.customer_id == customer_id).order_by(Account.id))
    if account is None:
        raise Invalid({"customer_id": ["No customer has this id."]})
    return {**answers, "customer_status": "existing", "account_id": account.id, "account_via": source.channel,
            "another_premise": True, "customer_type": account.customer.customer_type}


def check(fields: Mapping[str, Any], source: Source, *, customer_id: Optional[int] = None,
          today: Optional[dt.date] = None) -> dict[str, Any]:
    """The answers `fields` give, checked by each applying wizard step's form; or Invalid with
    every error found. Values are strings as a form posts them (None and missing are empty)."""
    data = MultiDict({k: ("" if v is None else str(v)) for k, v in fields.items()})
    answers = start_answers(source, customer_id)
    errors: dict[str, list[str]] = {}
    for step in STEPS:
        if step.slug in WEB_ONLY_STEPS or not step.applies(answers):
            continue
        if step.slug == "customer-type" and customer_id is not None:
            continue  # the customer's type is the customer record's
        ctx = context(answers, source, today)
        form = step.form(formdata=data, meta={"csrf": False})
        form.prepare(ctx)
        if not form.validate():
            for name, messages in form.errors.items():
                errors.setdefault(name, []).extend(str(m) for m in messages)
            if step.slug in FOUNDATION_STEPS:
                break
            continue
        answers = {**answers, **step.answers_from(form, ctx)}
        if step.slug == "zip" and not answers["utilities"]:
            errors["zip"] = [_("We don't serve ZIP code %(zip)s.", zip=answers["zip"])]
            break
        answers = reconcile(answers, context(answers, source, today))
    if errors:
        raise Invalid(errors)
    try:
        check_ready(context(answers, source, today), skip=WEB_ONLY_STEPS)
    except NotReady as exc:
        raise Invalid({_STEP_FIELD.get(exc.step, ""): [exc.message]}) from None
    return answers


#: The field that carries a step's answer, for errors found after the forms (check_ready).
_STEP_FIELD = {"zip": "zip", "promo": "promo", "utility": "utility", "plans": "plan", "premise": "esi_id",
               "customer-type": "customer_type", "referral": "referral", "about-you": "first_name"}


def check_ready(ctx: DraftContext, skip: frozenset[str] = frozenset({"review"})) -> None:
    """Re-check stored answers against today's catalog and calendar before they are enrolled."""
    missing = next((s for s in journey.visible(STEPS, ctx.answers)
                    if s.slug not in skip and not s.done(ctx.answers)), None)
    if missing is not None:
        raise NotReady(missing.slug, _("Answer this question before you enroll."))
    if ctx.utility is None:
        raise NotReady("utility", _("Choose the utility that serves the address."))
    if a_promo := ctx.answers.get("promo"):
        _promo, error = ctx.check_promo(a_promo)
        if error:
            raise NotReady("promo", error)
    if ctx.plan is None:
        raise NotReady("plans", _("The plan you chose is no longer available. Choose another plan."))
    if ctx.is_texas and (problem := address_lookup.submit_problem(ctx)):
        raise NotReady("premise", problem)
    requested = ctx.answers.get("requested_date")
    if requested:
        kind = "move_in" if ctx.answers.get("enrollment_type") == "move_in" else "switch"
        day = dt.date.fromisoformat(requested)
        if not ctx.earliest_date(kind) <= day <= ctx.latest_date():
            raise NotReady("premise", _("The start date you chose has passed or is out of range. Choose a new date."))


def check_consent(consent: Consent) -> None:
    """The evidence each method needs; Invalid otherwise."""
    if consent.method not in CONSENT_METHODS:
        raise Invalid({"consent_method": ["Choose how the customer agreed: phone or signed contract."]})
    if consent.method == "phone" and not (consent.reference or "").strip():
        raise Invalid({"consent_reference": ["Enter the call's or the verification's reference."]})
    if consent.method == "signed_contract" and not consent.document:
        raise Invalid({"consent_document": ["Attach the signed contract."]})


# --- storing -----------------------------------------------------------------------------------

#: A batch's plan documents, made once per plan, utility, versions and supplier (see `store`).
DocumentMemo = dict[tuple[str, str, tuple[tuple[str, str], ...], str, str], list[document_files.DocumentFile]]


def enroll(fields: Mapping[str, Any], source: Source, consent: Consent, submission_key: str, *,
           customer_id: Optional[int] = None, documents: Optional[DocumentMemo] = None) -> Result:
    """Check `fields` and enroll them once per `submission_key` (a replay answers the same one).
    `documents`: a batch's memo of plan documents (see `store`)."""
    done = _made(submission_key)
    if done is not None:
        return Result(done, created=False)
    check_consent(consent)
    answers = check(fields, source, customer_id=customer_id)
    ctx = context(answers, source)
    try:
        enrollment = store(ctx, source, consent, submission_key, current_app.config["SUPPLIER_NAME"], documents)
        db.session.commit()
    except NotReady as exc:  # the catalog changed since `check` (a promo's last use was taken)
        db.session.rollback()
        raise Invalid({_STEP_FIELD.get(exc.step, ""): [exc.message]}) from None
    except IntegrityError:
        db.session.rollback()
        done = _made(submission_key)
        if done is None:
            raise
        return Result(done, created=False)
    return Result(enrollment, created=True)


def _made(submission_key: str) -> Optional[Enrollment]:
    return db.session.scalar(select(Enrollment).where(Enrollment.submission_key == submission_key))


def store(ctx: DraftContext, source: Source, consent: Consent, submission_key: str, supplier: str,
          documents: Optional[DocumentMemo] = None) -> Enrollment:
    """Check the answers are still ready (NotReady), then add the customer (when new), the My Account login, the enrollment, its billing outbox row and
    the customer's emails to the session and flush them; the caller commits (or rolls back on
    IntegrityError: the submission key or the username was taken meanwhile).

    Answers hold a `password_hash` when the customer chose a password (the web); otherwise the
    login gets a username and a "choose your password" email, so nobody else ever knows it.

    A batch (the Sales Importer) passes `documents`, a dict it keeps for the batch: the plan's
    EFL, TOS and YRAC are then made once per plan, utility and versions instead of once per sale
    (generating the three PDFs is most of an enrollment's cost). A version names its content, so
    a file made for a version is that version's, whenever in the batch it was made.
    """
    a = ctx.answers
    if a.get("promo"):
        # Serialise the last uses of a limited promo code (SQLite already holds its write lock).
        db.session.execute(select(Promo.code).where(Promo.code == a["promo"].upper()).with_for_update())
    check_ready(ctx, skip=frozenset({"review"}) if source.channel == WEB else WEB_ONLY_STEPS)
    # Every query before the new rows are added: a query autoflushes them, and a username taken
    # meanwhile must fail in the caller's flush or commit, where it is recognised.
    number = _new_number()
    snapshot = _plan_snapshot(ctx)
    # The plan's documents as the confirmation email attaches them, at the versions recorded.
    files = [] if ctx.plan.quote_request else _plan_documents(ctx, snapshot["documents"], supplier, documents)
    snapshot["document_files"] = document_files.record(files)
    account: Optional[Account] = None
    if a.get("customer_status") == "existing":
        customer = db.session.get(Account, a["account_id"]).customer
    else:
        customer = _new_customer(a)
        username = a.get("username") or _free_username(a["email"])
        account = Account(username=username, username_key=username.casefold(),
                          password_hash=a.get("password_hash") or UNSET, customer=customer)
        db.session.add(account)
    enrollment = Enrollment(
        number=number, submission_key=submission_key, channel=source.channel, made_by=source.made_by,
        customer=customer, state=ctx.state.code, utility_code=ctx.utility.code, plan_code=ctx.plan.code,
        plan_snapshot=snapshot, esi_id=a.get("esi_id") or None,
        service_address=_service_address(a), billing_address=_billing_address(a),
        enrollment_type=a.get("enrollment_type", "switch"), start_timing=a.get("start_timing", "first_available"),
        requested_date=dt.date.fromisoformat(a["requested_date"]) if a.get("requested_date") else None,
        promo_code=a.get("promo") or None, referral_source=a.get("referral"),
        affiliate_code=ctx.affiliate_code, sub_id=source.sub_id, utm=source.utm,
        consent=_consent(ctx, source, consent, supplier),
    )
    db.session.add(enrollment)
    billing.enqueue(db.session, enrollment)
    db.session.flush()
    signup_mails.queue_confirmation(db.session, enrollment, files)
    if account is not None and account.password_hash == UNSET:
        mails.queue_welcome(db.session, account)
    return enrollment


def _plan_documents(ctx: DraftContext, versions: dict[str, str], supplier: str,
                    memo: Optional[DocumentMemo]) -> list[document_files.DocumentFile]:
    language = ctx.answers.get("language")  # the customer's: the emails carrying them are in it
    if memo is None:
        return document_files.plan_documents(db.session, ctx.plan, ctx.utility.code, versions, supplier, language)
    key = (ctx.plan.code, ctx.utility.code, tuple(sorted((k, str(v)) for k, v in versions.items())), supplier,
           language or "")
    if key not in memo:
        memo[key] = document_files.plan_documents(db.session, ctx.plan, ctx.utility.code, versions, supplier,
                                                  language)
    return memo[key]


def _new_customer(a: Mapping[str, Any]) -> Customer:
    return Customer(
        customer_type=a["customer_type"], first_name=a["first_name"], last_name=a["last_name"],
        email=a["email"], phone=a["phone"], language=a["language"], contact_method=a["contact_method"],
        business_name=a.get("business_name") or None, tax_id=a.get("tax_id") or None,
        date_of_birth_enc=a.get("dob_enc"), identity_enc=a.get("identity_enc"),
        identity_last4=a.get("identity_last4"),
    )


def _free_username(email: str) -> str:
    """A username for a login nobody chose: the email address when free, else it with a number."""
    base = email.strip().lower()[:56]
    candidates = [base] + [f"{base.split('@')[0][:40]}.{secrets.randbelow(900000) + 100000}" for _ in range(5)]
    for candidate in candidates:
        if rules.username_problem(candidate) is None and db.session.scalar(
                select(Account.id).where(Account.username_key == candidate.casefold())) is None:
            return candidate
    return f"customer.{secrets.token_hex(8)}"


def _new_number() -> str:
    while True:
        number = "EN-" + "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))
        if db.session.scalar(select(Enrollment.id).where(Enrollment.number == number)) is None:
            return number


def _service_address(a: Mapping[str, Any]) -> dict[str, Any]:
    return {"line1": a["service_line1"], "line2": a.get("service_line2") or "",
            "city": a["service_city"], "state": a["state"], "zip": a["zip"]}


def _billing_address(a: Mapping[str, Any]) -> dict[str, Any]:
    if a.get("billing_same", "yes") == "yes":
        return _service_address(a)
    return {"line1": a["billing_line1"], "line2": a.get("billing_line2") or "",
            "city": a["billing_city"], "state": a["billing_state"], "zip": a["billing_zip"]}


def _plan_snapshot(ctx: DraftContext) -> dict[str, Any]:
    p = ctx.plan
    return {
        "code": p.code, "name": p.name, "name_es": p.name_es, "rate_type": p.rate_type,
        "energy_cents_per_kwh": str(p.energy_cents_per_kwh), "base_fee": str(p.base_fee),
        "term_months": p.term_months, "early_termination_fee": str(p.early_termination_fee),
        "average_prices": {str(pp.usage_kwh): str(pp.cents_per_kwh) for pp in ctx.prices(p)},
        "documents": {"efl": p.efl_version, "tos": p.tos_version, "yrac": p.yrac_version},
        "quote_request": p.quote_request,
    }


def _consent(ctx: DraftContext, source: Source, consent: Consent, supplier: str) -> dict[str, Any]:
    """The evidence kept: how, when, by whom, and every statement's exact text and version in the
    language it was shown in."""
    p = ctx.plan
    language = consent.language if consent.language in i18n.LANGUAGES else i18n.language()
    given = given_languages(db.session, p.code)
    at = consent.made_at or utcnow()
    if at.tzinfo is not None:  # stored as naive UTC, as every time of the product is
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    record: dict[str, Any] = {
        "method": consent.method, "channel": source.channel, "at": at.isoformat(timespec="seconds") + "Z",
        "ip": consent.ip, "user_agent": consent.user_agent[:400], "language": language,
        "statements": [{"code": ack.code, "version": ack.version,
                        "text": ctx.statement_text(ack, supplier, language)} for ack in ctx.acknowledgements],
        "documents": [{"kind": kind.upper(), "version": current_version(p, kind),
                       "language": shown_language(given, p, kind, language)}
                      for kind in ("efl", "tos", "yrac")],
    }
    if source.made_by:
        record["made_by"] = source.made_by
    if consent.reference:
        record["reference"] = consent.reference.strip()[:100]
    if consent.document:
        record["document"] = consent.document
    return record
