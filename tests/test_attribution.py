"""Attribution from an affiliate's link, on its own: what is kept of `sub_id` and `utm_*`, and the
billing documents that carry it (no app, no database)."""
from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

import pytest
from werkzeug.datastructures import MultiDict

from billing.filedrop import prospect_xml
from billing.prospect import Prospect
from billing.webservice import prospect_json
from wizard.signup.attribution import ATTRIBUTION_KEYS, campaign_rows, from_query, of_answers, sub_id, utm


def test_keeps_only_the_attribution_keys_stripped():
    args = {"sub_id": " abc-123 ", "utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "Spring sale",
            "utm_term": "cheap power", "utm_content": "banner_2", "utm_id": "7", "gclid": "x", "zip": "75201"}
    assert from_query(args) == {"sub_id": "abc-123", "utm_source": "newsletter", "utm_medium": "email",
                                "utm_campaign": "Spring sale", "utm_term": "cheap power", "utm_content": "banner_2"}
    assert ATTRIBUTION_KEYS == ("sub_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def test_nothing_given_is_nothing_kept():
    assert from_query({}) == {}
    assert from_query({"sub_id": "", "utm_source": "   "}) == {}


@pytest.mark.parametrize("key, value", [
    ("sub_id", "a" * 101), ("utm_campaign", "c" * 101),  # longer than the column
    ("utm_source", "news\nletter"), ("utm_source", "tab\there"), ("utm_term", "bell\x07"), ("utm_term", "del\x7f"),
    ("utm_source", "café"), ("utm_content", "emoji \U0001F600"),  # outside printable ASCII
    ("sub_id", "abc 123"), ("sub_id", "abc/123"), ("sub_id", "<script>"), ("sub_id", "a&b=c"), ("sub_id", "=1+1"),
])
def test_a_value_that_breaks_the_rules_is_dropped_whole(key, value):
    assert from_query({key: value, "utm_medium": "email"}) == {"utm_medium": "email"}


def test_longest_values_and_every_sub_id_character_are_kept():
    sub = "AZaz09._~:-" + "x" * 89
    assert len(sub) == 100
    assert from_query({"sub_id": sub, "utm_campaign": "y" * 100}) == {"sub_id": sub, "utm_campaign": "y" * 100}
    assert from_query({"utm_term": "50% off! (today) #1 & more"}) == {"utm_term": "50% off! (today) #1 & more"}


def test_first_of_repeated_arguments_counts_and_non_text_is_dropped():
    assert from_query(MultiDict([("sub_id", "first"), ("sub_id", "second")])) == {"sub_id": "first"}
    assert from_query({"sub_id": 123, "utm_source": ["a"], "utm_medium": None}) == {}


def test_a_drafts_attribution_is_checked_again_when_read():
    answers = {"affiliate": "ACME", "attribution": {"sub_id": "abc-123", "utm_source": "newsletter",
                                                    "utm_medium": "bad\x00", "other": "x"}}
    assert of_answers(answers) == {"sub_id": "abc-123", "utm_source": "newsletter"}
    assert sub_id(answers) == "abc-123"
    assert utm(answers) == {"utm_source": "newsletter"}
    assert utm({"attribution": {"sub_id": "abc"}}) is None
    for broken in ({}, {"attribution": None}, {"attribution": "sub_id=abc"}, {"attribution": ["abc"]}):
        assert (of_answers(broken), sub_id(broken), utm(broken)) == ({}, None, None)


def test_campaign_rows_read_as_people_name_them_in_the_usual_order():
    tags = {"utm_content": "banner", "utm_source": "newsletter", "utm_campaign": "spring", "utm_id": "7"}
    assert campaign_rows(tags) == [("Campaign source", "newsletter"), ("Campaign name", "spring"),
                                   ("Campaign content", "banner")]
    assert campaign_rows(None) == campaign_rows({}) == []


# --- the prospect the billing system receives ------------------------------------------------------

def prospect(**changes) -> Prospect:
    address = {"line1": "1200 Main St", "line2": "", "city": "Dallas", "state": "TX", "zip": "75201"}
    base = Prospect(enrollment_number="EN-TEST0001", idempotency_key="k", channel="web", customer_type="residential",
                    first_name="Ana", last_name="Garza", email="ana@example.com", phone="+12145550100",
                    language="en", contact_method="email", business_name=None, tax_id=None, date_of_birth=None,
                    identity_value=None, state="TX", utility_code="oncor", esi_id="10443720001234567",
                    service_address=address, billing_address=address, plan_code="PARTNER12", enrollment_type="switch",
                    start_timing="first_available", requested_date=None, promo_code=None, referral_source="friend",
                    affiliate_code="ACME", sub_id=None, utm=None, consent={"method": "web"})
    return dataclasses.replace(base, **changes)


def test_xml_carries_sub_id_and_only_the_campaign_tags_present():
    doc = ET.fromstring(prospect_xml(prospect(sub_id="abc-123", utm={
        "utm_source": "newsletter", "utm_campaign": "Spring & <Summer>", "utm_content": "banner"})))
    enrollment = doc.find("Enrollment")
    assert enrollment.findtext("Affiliate") == "ACME"
    assert enrollment.findtext("SubId") == "abc-123"
    campaign = enrollment.find("Campaign")
    assert [(child.tag, child.text) for child in campaign] == [
        ("Source", "newsletter"), ("Name", "Spring & <Summer>"), ("Content", "banner")]


def test_xml_without_attribution_has_no_empty_elements():
    enrollment = ET.fromstring(prospect_xml(prospect())).find("Enrollment")
    assert enrollment.find("SubId") is None and enrollment.find("Campaign") is None
    only_unknown = ET.fromstring(prospect_xml(prospect(utm={"utm_id": "7"}))).find("Enrollment")
    assert only_unknown.find("Campaign") is None


def test_json_carries_sub_id_and_utm():
    body = json.loads(json.dumps(prospect_json(prospect(sub_id="abc-123", utm={"utm_source": "newsletter"}))))
    assert (body["affiliate_code"], body["sub_id"], body["utm"]) == ("ACME", "abc-123", {"utm_source": "newsletter"})
    plain = prospect_json(prospect())
    assert (plain["sub_id"], plain["utm"]) == (None, None)
