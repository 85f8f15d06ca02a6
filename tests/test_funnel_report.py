"""The funnel report's arithmetic: rows in wizard order, percentages, drop-off, CSV safety."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from wizard.admin import funnel_report as fr
from wizard.signup.steps import STEPS, always

STAGES = [fr.Stage("started", "Started"), fr.Stage("plans", "Plans"), fr.Stage("sign-in", "Sign in", True),
          fr.Stage("premise", "Address"), fr.Stage("completed", "Completed")]


def test_stages_follow_the_wizard_between_started_and_completed():
    stages = fr.stages(STEPS, always)
    assert [s.slug for s in stages] == ["started", "promo", "customer-type", "utility", "referral", "plans",
                                        "customer", "sign-in", "about-you", "premise", "credentials", "review",
                                        "completed"]
    assert {s.slug for s in stages if s.conditional} == {"utility", "customer", "sign-in", "about-you",
                                                          "credentials"}


def test_the_zip_page_has_no_row_of_its_own():
    steps = [SimpleNamespace(slug="zip", title="ZIP", applies=always),
             SimpleNamespace(slug="plans", title="Plans", applies=always)]
    assert [s.label for s in fr.stages(steps, always)] == ["Started", "Plans", "Completed"]


def test_percent_rounds_half_up_and_has_none_for_nothing_started():
    assert fr.percent(1, 3) == Decimal("33.3")
    assert fr.percent(2, 3) == Decimal("66.7")
    assert fr.percent(1, 8) == Decimal("12.5")
    assert fr.percent(0, 0) is None


def test_rows_count_share_of_started_and_drop_off_from_previous_row():
    rows = fr.rows(STAGES, {"started": 10, "plans": 8, "sign-in": 2, "premise": 6, "completed": 3})
    assert [(r.stage.slug, r.reached, r.percent_of_started) for r in rows] == [
        ("started", 10, Decimal("100.0")), ("plans", 8, Decimal("80.0")), ("sign-in", 2, Decimal("20.0")),
        ("premise", 6, Decimal("60.0")), ("completed", 3, Decimal("30.0"))]
    assert (rows[0].drop_off, rows[0].drop_off_percent) == (None, None)
    assert (rows[1].drop_off, rows[1].drop_off_percent, rows[1].compared_with) == (2, Decimal("20.0"), "Started")
    assert (rows[4].drop_off, rows[4].drop_off_percent, rows[4].compared_with) == (3, Decimal("50.0"), "Address")


def test_conditional_rows_have_no_drop_off_and_are_skipped_as_a_base():
    rows = fr.rows(STAGES, {"started": 10, "plans": 8, "sign-in": 2, "premise": 6})
    assert (rows[2].drop_off, rows[2].drop_off_percent, rows[2].compared_with) == (None, None, None)
    assert (rows[3].drop_off, rows[3].compared_with) == (2, "Plans")


def test_missing_steps_count_zero_and_nothing_started_has_no_percentages():
    rows = fr.rows(STAGES, {"completed": 2})
    assert [r.reached for r in rows] == [0, 0, 0, 0, 2]
    assert all(r.percent_of_started is None for r in rows)
    assert rows[-1].drop_off == -2 and rows[-1].drop_off_percent is None


def test_market_days_in_utc_bounds_follow_central_time_and_daylight_saving():
    assert fr.day_range_utc(dt.date(2026, 7, 1), dt.date(2026, 7, 1)) == (
        dt.datetime(2026, 7, 1, 5), dt.datetime(2026, 7, 2, 5))
    assert fr.day_range_utc(dt.date(2026, 1, 1), dt.date(2026, 1, 31)) == (
        dt.datetime(2026, 1, 1, 6), dt.datetime(2026, 2, 1, 6))


def test_cells_that_start_like_a_formula_get_a_leading_quote():
    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert fr.safe_cell(text) == "'" + text
    assert fr.safe_cell("Acme = deals") == "Acme = deals"
    assert fr.safe_cell(-3) == -3 and fr.safe_cell(Decimal("-1.5")) == Decimal("-1.5")


def test_csv_rows_have_a_header_and_safe_text():
    rows = fr.rows(STAGES, {"started": 4, "plans": 2})
    lines = fr.csv_rows(rows, "=HYPERLINK(\"http://x\")", dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert lines[0] == list(fr.CSV_HEADER)
    assert lines[1] == ["Started", "no", 4, Decimal("100.0"), "", "", "", "'=HYPERLINK(\"http://x\")",
                        "2026-11-01", "2026-11-30"]
    assert lines[3][:7] == ["Sign in", "yes", 0, Decimal("0.0"), "", "", ""]
    assert len(lines) == len(STAGES) + 1


def test_sub_id_rows_keep_their_order_with_the_share_completed():
    rows = fr.sub_id_rows([("abc-123", 4, 1), (None, 3, 0), ("late", 0, 2)])
    assert [(r.sub_id, r.started, r.completed, r.percent_completed) for r in rows] == [
        ("abc-123", 4, 1, Decimal("25.0")), (None, 3, 0, Decimal("0.0")), ("late", 0, 2, None)]
