"""Field rules: ZIP, phone, ESI ID, SSN, EIN, date of birth, username and password."""
import datetime as dt

import pytest

from wizard.core import validators as v

ONCOR = (["1044372", "1017699"], 17, "Oncor Electric Delivery")
CENTERPOINT = (["1008901"], 22, "CenterPoint Energy Houston Electric")


@pytest.mark.parametrize("raw,clean", [("75201", "75201"), (" 77002 ", "77002")])
def test_zip_accepts_five_ascii_digits(raw, clean):
    assert v.clean_zip(raw) == clean


@pytest.mark.parametrize("raw", ["", "7520", "752011", "75201-1234", "7520a", "٧٥٢٠١", "７５２０１"])
def test_zip_refuses_anything_else(raw):
    assert v.clean_zip(raw) is None


@pytest.mark.parametrize("raw", ["(214) 555-0100", "214-555-0100", "2145550100", "+1 214 555 0100", "1.214.555.0100"])
def test_phone_normalised_to_e164(raw):
    assert v.clean_phone(raw) == "+12145550100"


@pytest.mark.parametrize("raw", ["555-0100", "(014) 555-0100", "(214) 155-0100", "+44 20 7946 0000", "phone", "２１４５５５０１００"])
def test_phone_refuses_non_us_numbers(raw):
    assert v.clean_phone(raw) is None


def test_format_phone():
    assert v.format_phone("+12145550100") == "(214) 555-0100"


@pytest.mark.parametrize("esi,utility", [("10443720001234567", ONCOR), ("10176990001234567", ONCOR),
                                         ("1008901000123456789012", CENTERPOINT)])
def test_esi_id_of_the_utility_accepted(esi, utility):
    assert v.esi_id_problem(esi, *utility) is None


def test_esi_id_of_another_utility_refused_with_its_prefixes():
    message = v.esi_id_problem("10089010001234567", *ONCOR)
    assert "does not belong to Oncor" in message and "1044372" in message


@pytest.mark.parametrize("esi", ["1044372000123456", "104437200012345678", "1044372abc1234567", ""])
def test_esi_id_must_be_17_or_22_digits(esi):
    assert "17 or 22 digits" in v.esi_id_problem(esi, *ONCOR)


def test_esi_id_length_must_match_the_utility():
    assert "22 digits" in v.esi_id_problem("10089010001234567", *CENTERPOINT)


@pytest.mark.parametrize("raw", ["123-45-6789", "123456789", "123 45 6789"])
def test_ssn_accepted(raw):
    assert v.clean_ssn(raw) == "123456789"


@pytest.mark.parametrize("raw", ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "12345678"])
def test_impossible_ssn_refused(raw):
    assert v.clean_ssn(raw) is None


def test_ein_formatted():
    assert v.clean_ein("123456789") == "12-3456789"
    assert v.clean_ein("12-345678") is None


def test_date_of_birth_must_be_adult():
    today = dt.date(2026, 11, 22)
    assert v.date_of_birth_problem(dt.date(2008, 11, 22), today) is None  # 18 today
    assert "18 or older" in v.date_of_birth_problem(dt.date(2008, 11, 23), today)
    assert "past" in v.date_of_birth_problem(dt.date(2027, 1, 1), today)
    assert v.date_of_birth_problem(dt.date(1900, 1, 1), today) is not None


@pytest.mark.parametrize("name", ["ana", "ana.garza", "ana_g-1@example.com"])
def test_username_rules_accept(name):
    assert v.username_problem(name) is None


@pytest.mark.parametrize("name", ["an", "ana garza", "a" * 65, "ana<script>"])
def test_username_rules_refuse(name):
    assert v.username_problem(name) is not None


def test_password_length_limits():
    assert "at least 12" in v.password_problem("short pass", "ana")
    long_ok = "correct horse battery staple " * 4 + "zebra"  # 121 characters
    assert v.password_problem(long_ok[:128], "ana") is None
    assert "256 characters or fewer" in v.password_problem("a1b2c3d4e5" * 26, "ana")


def test_password_no_composition_rules():
    assert v.password_problem("correct horse battery staple", "ana") is None  # all lower case, no digits


def test_password_not_the_username():
    assert "not be your username" in v.password_problem("Ana.Garza.1980", "ana.garza.1980")


@pytest.mark.parametrize("common", ["password1234", "123456789012", "qwertyuiopasdf", "iloveyou1234", "passwordpassword"])
def test_common_passwords_refused(common):
    assert "less common password" in v.password_problem(common, "ana")


def test_control_characters_are_dropped_by_one_filter_however_many_forms_were_built(app):
    """Every form cleans text of control characters with one filter per field: building the form
    again (each request does) must not add another, or each request costs more than the last."""
    from wizard.signup.forms import PremiseForm

    with app.test_request_context(method="POST", data={"service_line1": "1500\x00 Main\x07 St"}):
        counts = [len(PremiseForm(meta={"csrf": False}).service_line1.filters) for _ in range(5)]
        form = PremiseForm(meta={"csrf": False})
    assert counts == [counts[0]] * 5
    assert form.service_line1.data == "1500 Main St"
