"""Federal business days, rescission and the allowed date windows."""
import datetime as dt

from wizard.core import dates

SUNDAY = dt.date(2026, 11, 22)  # Thanksgiving is Thursday 2026-11-26


def test_business_days_skip_weekends_and_federal_holidays():
    assert dates.add_business_days(SUNDAY, 3) == dt.date(2026, 11, 25)
    assert dates.add_business_days(SUNDAY, 4) == dt.date(2026, 11, 27)  # skips Thanksgiving
    assert not dates.is_business_day(dt.date(2026, 12, 25))


def test_rescission_ends_three_business_days_after_receipt():
    # Thu 26 is Thanksgiving: Fri 27, Mon 30, Tue 1
    assert dates.rescission_ends(dt.date(2026, 11, 25), 3) == dt.date(2026, 12, 1)


def test_first_available_switch_after_rescission_and_processing():
    assert dates.first_available_switch(SUNDAY, 3) == dt.date(2026, 12, 1)


def test_windows():
    assert dates.earliest_requested("move_in", SUNDAY, 3) == SUNDAY
    assert dates.earliest_requested("switch", SUNDAY, 3) == dt.date(2026, 11, 27)
    assert dates.latest_requested(SUNDAY, 90) == dt.date(2027, 2, 20)


def test_market_day_is_central_time():
    # 02:00 UTC on the 23rd is 8 pm on the 22nd in Dallas
    assert dates.market_day(dt.datetime(2026, 11, 23, 2, 0)) == dt.date(2026, 11, 22)
    assert dates.market_day(dt.datetime(2026, 11, 23, 7, 0)) == dt.date(2026, 11, 23)


def test_today_is_the_real_central_day_unless_the_app_pins_it():
    from flask import Flask
    assert dates.today() == dt.datetime.now(dates.MARKET_TZ).date()
    app = Flask(__name__)
    app.config["TODAY"] = SUNDAY
    with app.app_context():
        assert dates.today() == SUNDAY
    app.config["TODAY"] = "2031-01-01"
    with app.app_context():
        assert dates.today() == dt.date(2031, 1, 1)
    app.config["TODAY"] = None  # production: not pinned
    with app.app_context():
        assert dates.today() == dt.datetime.now(dates.MARKET_TZ).date()


def test_market_time_is_central_with_the_zone_named():
    assert dates.market_time(dt.datetime(2026, 11, 23, 2, 5)) == "Nov 22, 2026, 8:05 PM CST"
    assert dates.market_time(dt.datetime(2026, 7, 4, 17, 30)) == "Jul 4, 2026, 12:30 PM CDT"
    assert dates.market_time(dt.datetime(2026, 7, 4, 5, 0)) == "Jul 4, 2026, 12:00 AM CDT"
