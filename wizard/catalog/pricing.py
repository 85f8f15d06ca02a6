"""Average price per kWh at the state's disclosure usage levels (the EFL's price table). Pure."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, NamedTuple, Optional, Protocol


class Priced(Protocol):
    """What pricing needs of a plan."""

    energy_cents_per_kwh: Decimal
    base_fee: Decimal
    bill_credit: Optional[Decimal]
    bill_credit_min_kwh: Optional[int]


class Delivering(Protocol):
    """What pricing needs of a utility."""

    delivery_cents_per_kwh: Decimal
    delivery_monthly: Decimal


class PricePoint(NamedTuple):
    """Average price (cents/kWh, one decimal as the EFL shows it) at a usage level."""

    usage_kwh: int
    cents_per_kwh: Decimal


def average_price(energy_cents_per_kwh: Decimal, base_fee: Decimal,
                  delivery_cents_per_kwh: Decimal, delivery_monthly: Decimal,
                  usage_kwh: int, bill_credit: Optional[Decimal] = None,
                  bill_credit_min_kwh: Optional[int] = None) -> Decimal:
    """(energy x U + base fee + delivery at U - bill credit if U qualifies) / U, in cents per kWh
    rounded to 0.1.

    Fees and credits are in dollars a month, charges in cents a kWh. A usage bill credit applies
    when the month's usage is at least `bill_credit_min_kwh`.
    """
    if usage_kwh <= 0:
        raise ValueError("usage must be positive")
    usage = Decimal(usage_kwh)
    total_cents = ((energy_cents_per_kwh + delivery_cents_per_kwh) * usage
                   + (base_fee + delivery_monthly) * 100)
    if bill_credit and usage_kwh >= (bill_credit_min_kwh or 0):
        total_cents -= bill_credit * 100
    return (total_cents / usage).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def price_table(plan: Priced, utility: Delivering, usage_levels: Iterable[int]) -> list[PricePoint]:
    """The plan's average price at each usage level, delivered by `utility`."""
    return [
        PricePoint(level, average_price(plan.energy_cents_per_kwh, plan.base_fee,
                                        utility.delivery_cents_per_kwh,
                                        utility.delivery_monthly, level,
                                        plan.bill_credit, plan.bill_credit_min_kwh))
        for level in usage_levels
    ]
