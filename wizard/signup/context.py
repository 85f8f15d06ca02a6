"""A draft's answers joined with the catalog: what the steps, forms and templates ask about."""
from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any, Mapping, Optional, Sequence

from sqlalchemy.orm import Session

from wizard.catalog import offers as catalog
from wizard.catalog.models import Acknowledgement, Affiliate, Plan, Promo, ReferralSource, State, Utility
from wizard.catalog.pricing import PricePoint, price_table
from wizard.core import dates, i18n


class DraftContext:
    """Read-only view of one draft for one request; catalog lookups are made once."""

    def __init__(self, answers: Mapping[str, Any], session: Session, today: dt.date,
                 plan_channels: Optional[Sequence[str]] = None):
        """Wrap `answers` (stored draft answers) and the database session. `plan_channels`: the
        plan sets offered (default: the web's, or the draft's affiliate's)."""
        self.answers = answers
        self.session = session
        self.today = today
        self.plan_channels = plan_channels

    @cached_property
    def state(self) -> Optional[State]:
        code = self.answers.get("state")
        return self.session.get(State, code) if code else None

    @property
    def is_texas(self) -> bool:
        return self.state is not None and self.state.is_texas

    @property
    def affiliate_code(self) -> Optional[str]:
        """The affiliate whose wizard this draft began on, if any."""
        return self.answers.get("affiliate")

    @cached_property
    def default_promo(self) -> Optional[str]:
        """The promo code the draft's affiliate fills in for its customers, if any."""
        code = self.affiliate_code
        affiliate = self.session.get(Affiliate, code) if code else None
        return affiliate.default_promo if affiliate is not None else None

    @property
    def is_business(self) -> bool:
        return self.answers.get("customer_type") == "commercial"

    @cached_property
    def utilities(self) -> list[Utility]:
        zip_code = self.answers.get("zip")
        return catalog.utilities_for_zip(self.session, zip_code) if zip_code else []

    @cached_property
    def utility(self) -> Optional[Utility]:
        code = self.answers.get("utility")
        return next((u for u in self.utilities if u.code == code), None)

    @cached_property
    def plans(self) -> list[Plan]:
        if self.state is None or "customer_type" not in self.answers:
            return []
        return catalog.offered_plans(self.session, state=self.state.code,
                                     customer_type=self.answers["customer_type"],
                                     promo_code=self.answers.get("promo") or None, today=self.today,
                                     channel=self.plan_channels or catalog.channel_for(self.affiliate_code),
                                     utility_code=self.answers.get("utility"),
                                     affiliate_code=self.affiliate_code)

    @cached_property
    def plan(self) -> Optional[Plan]:
        code = self.answers.get("plan")
        return next((p for p in self.plans if p.code == code), None)

    @cached_property
    def referral_sources(self) -> list[ReferralSource]:
        return catalog.referral_sources(self.session)

    def referral_choices(self) -> list[tuple[str, str]]:
        """(code, label) of each offered referral source, labelled in the page's language."""
        return [(r.code, i18n.local(r, "label")) for r in self.referral_sources]

    def referral_label(self, code: Optional[str]) -> str:
        """The label of the referral source `code` in the page's language ("" for none)."""
        return next((label for c, label in self.referral_choices() if c == code), "")

    @cached_property
    def acknowledgements(self) -> list[Acknowledgement]:
        return catalog.acknowledgements(self.session)

    def check_promo(self, code: str) -> tuple[Optional[Promo], Optional[str]]:
        return catalog.check_promo(self.session, code, self.today, self.affiliate_code)

    @cached_property
    def promo(self) -> Optional[Promo]:
        """The draft's promo code, when it is valid today."""
        code = self.answers.get("promo")
        return self.check_promo(code)[0] if code else None

    def unlocked_by_promo(self, plan: Plan) -> bool:
        """True for a plan offered only because of the draft's promo code."""
        return plan.promo_only and self.promo is not None and plan.code in self.promo.unlocks

    def prices(self, plan: Plan) -> list[PricePoint]:
        """Average price of `plan` at the state's usage levels, with this draft's utility."""
        if self.utility is None or self.state is None:
            return []
        return price_table(plan, self.utility, self.state.usage_levels)

    def earliest_date(self, kind: str) -> dt.date:
        return dates.earliest_requested(kind, self.today, self.rescission_days)

    def latest_date(self) -> dt.date:
        return dates.latest_requested(self.today, self.state.max_days_ahead if self.state else 90)

    @property
    def rescission_days(self) -> int:
        return self.state.rescission_business_days if self.state else 3

    def first_available_switch(self) -> dt.date:
        return dates.first_available_switch(self.today, self.rescission_days)

    def statement_text(self, ack: Acknowledgement, supplier: str, language: Optional[str] = None) -> str:
        """The statement as shown and recorded, placeholders filled in, in `language` (default: the
        page's): its Spanish text when marketing wrote one, else the English."""
        language = language or i18n.language()
        text = (getattr(ack, f"text_{language}", None) if language != i18n.DEFAULT else None) or ack.text
        return text.format(supplier=supplier, rescission_days=self.rescission_days)
