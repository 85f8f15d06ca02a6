"""Average price at the EFL usage levels, checked against hand-computed figures."""
from decimal import Decimal as D

import pytest

from wizard.catalog.pricing import PricePoint, average_price, price_table


def test_oncor_saver_at_1000_kwh_hand_computed():
    # (11.9 x 1000 + 995 base + 5.5833 x 1000 + 423 delivery) / 1000 = 18.9013 -> 18.9
    assert average_price(D("11.9"), D("9.95"), D("5.5833"), D("4.23"), 1000) == D("18.9")


def test_fixed_fees_weigh_more_at_low_usage():
    # 500 kWh: (5950 + 995 + 2791.65 + 423) / 500 = 20.3193 -> 20.3
    # 2000 kWh: (23800 + 995 + 11166.6 + 423) / 2000 = 18.19 -> 18.2
    assert average_price(D("11.9"), D("9.95"), D("5.5833"), D("4.23"), 500) == D("20.3")
    assert average_price(D("11.9"), D("9.95"), D("5.5833"), D("4.23"), 2000) == D("18.2")


def test_no_base_fee_centerpoint_half_up_rounding():
    # (12.9 + 5.4776) x 1000 + 439 = 18816.6 -> 18.8166 -> 18.8
    assert average_price(D("12.9"), D("0"), D("5.4776"), D("4.39"), 1000) == D("18.8")
    # 0.05 rounds up: (10 + 0) x 1000 + 45 = 10045 / 1000 = 10.045 -> 10.0 ; 1045/100 -> 10.45 -> 10.5
    assert average_price(D("10"), D("0.45"), D("0"), D("0"), 100) == D("10.5")


def test_price_table_uses_state_levels():
    class Plan:
        energy_cents_per_kwh = D("10")
        base_fee = D("5")
        bill_credit = None
        bill_credit_min_kwh = None

    class Utility:
        delivery_cents_per_kwh = D("5")
        delivery_monthly = D("5")

    assert price_table(Plan, Utility, [500, 1000, 1500]) == [
        PricePoint(500, D("17.0")), PricePoint(1000, D("16.0")), PricePoint(1500, D("15.7"))]


def test_usage_must_be_positive():
    with pytest.raises(ValueError):
        average_price(D("10"), D("0"), D("0"), D("0"), 0)


def test_usage_bill_credit_applies_from_its_minimum_usage():
    # Credit Saver 12 on Oncor: 9.5 c/kWh, no base fee, $100 off a month of 1,000 kWh or more.
    # 500 kWh:  (4750 + 2791.65 + 423) / 500 = 15.929 -> 15.9 (no credit)
    # 1000 kWh: (9500 + 5583.3 + 423 - 10000) / 1000 = 5.5063 -> 5.5
    # 2000 kWh: (19000 + 11166.6 + 423 - 10000) / 2000 = 10.2948 -> 10.3
    args = (D("9.5"), D("0"), D("5.5833"), D("4.23"))
    assert average_price(*args, 500, D("100"), 1000) == D("15.9")
    assert average_price(*args, 1000, D("100"), 1000) == D("5.5")
    assert average_price(*args, 2000, D("100"), 1000) == D("10.3")
    assert average_price(*args, 999, D("100"), 1000) > average_price(*args, 1000, D("100"), 1000)
