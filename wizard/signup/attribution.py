"""TEMP stub until helper merges."""
from typing import Mapping
ATTRIBUTION_KEYS = ("sub_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
def from_query(args: Mapping[str, str]) -> dict[str, str]:
    return {k: args[k].strip() for k in ATTRIBUTION_KEYS if args.get(k, "").strip()}
