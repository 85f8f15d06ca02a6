"""The prospect: what a billing system's Create Prospect receives, as plain data."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Optional

from .crypto import FieldCipher
from .models import Enrollment


@dataclasses.dataclass(frozen=True)
class Prospect:
    """One enrollment as the billing system sees it; sensitive fields decrypted only here."""

    enrollment_number: str
    idempotency_key: str
    channel: str
    customer_type: str
    first_name: str
    last_name: str
    email: str
    phone: str
    language: str
    contact_method: str
    business_name: Optional[str]
    tax_id: Optional[str]
    date_of_birth: Optional[str]
    identity_value: Optional[str]
    state: str
    utility_code: str
    esi_id: Optional[str]
    service_address: dict[str, Any]
    billing_address: dict[str, Any]
    plan_code: str
    enrollment_type: str
    start_timing: str
    requested_date: Optional[dt.date]
    promo_code: Optional[str]
    referral_source: Optional[str]
    affiliate_code: Optional[str]
    #: The affiliate's own reference for the sale, from its wizard link.
    sub_id: Optional[str]
    #: Campaign tags from the link, by their names (utm_source, utm_medium, utm_campaign, utm_term,
    #: utm_content), only those present; None when there were none.
    utm: Optional[dict[str, str]]
    consent: dict[str, Any]

    @classmethod
    def from_enrollment(cls, enrollment: Enrollment, cipher: FieldCipher) -> Prospect:
        """Build the prospect of a stored enrollment, decrypting DOB and identity value."""
        c = enrollment.customer
        return cls(
            enrollment_number=enrollment.number,
            idempotency_key=enrollment.idempotency_key,
            channel=enrollment.channel,
            customer_type=c.customer_type,
            first_name=c.first_name,
            last_name=c.last_name,
            email=c.email,
            phone=c.phone,
            language=c.language,
            contact_method=c.contact_method,
            business_name=c.business_name,
            tax_id=c.tax_id,
            date_of_birth=cipher.decrypt(c.date_of_birth_enc) if c.date_of_birth_enc else None,
            identity_value=cipher.decrypt(c.identity_enc) if c.identity_enc else None,
            state=enrollment.state,
            utility_code=enrollment.utility_code,
            esi_id=enrollment.esi_id,
            service_address=enrollment.service_address,
            billing_address=enrollment.billing_address,
            plan_code=enrollment.plan_code,
            enrollment_type=enrollment.enrollment_type,
            start_timing=enrollment.start_timing,
            requested_date=enrollment.requested_date,
            promo_code=enrollment.promo_code,
            referral_source=enrollment.referral_source,
            affiliate_code=enrollment.affiliate_code,
            sub_id=enrollment.sub_id,
            utm=dict(enrollment.utm) if enrollment.utm else None,
            consent=enrollment.consent,
        )
