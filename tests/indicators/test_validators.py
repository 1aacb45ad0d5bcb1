"""The one set of input rules every path calls: codes, numbers, figures and text (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.urls import NoReverseMatch, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st

from indicators.validators import (
    NumberError,
    code_error,
    commentary_error,
    control_character_error,
    figure_errors,
    parse_number,
)


def indicator(**overrides):
    fields = {
        "code": "ICT02",
        "unit": "percentage",
        "decimals": 1,
        "allow_out_of_range": False,
        "numerator_le_denominator": True,
    }
    return SimpleNamespace(**(fields | overrides))


# --- codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ICT01", "FN-02", "ASC_3.1", "a", "9", "Q1.2-b_c"])
def test_letters_digits_and_the_documented_separators_make_a_code(code):
    assert code_error(code) is None


@pytest.mark.parametrize("code", ["ZZ/01", "ZZ 01", "ZZ%01", "..", ".", "-ICT", "ICT.", "ICT?x", "ICT#1", "É01", ""])
def test_a_code_with_any_other_character_or_a_separator_at_an_end_is_refused_saying_what_is_allowed(code):
    message = code_error(code)
    assert message and "use letters and digits, optionally separated by “-”, “_” or “.”" in message


@given(st.text(alphabet="AZaz09-_./ %?#é", min_size=1, max_size=12))
def test_the_url_converter_accepts_exactly_the_codes_the_validator_accepts(code):
    try:
        url = reverse("indicator_detail", args=[code])
    except NoReverseMatch:
        assert code_error(code) is not None
        return
    assert code_error(code) is None
    assert resolve(url).kwargs["code"] == code
    assert resolve(reverse("return_edit", args=[date(2019, 12, 1), code])).kwargs["code"] == code


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("1,234", D("1234")),
        ("1,234,567.5", D("1234567.5")),
        ("-12,345", D("-12345")),
        (" 85.5 ", D("85.5")),
        ("123", D("123")),
        ("1e3", D("1E+3")),
        ("0.30000000000000004", D("0.300000")),
        (D("7"), D("7")),
        ("", None),
        (None, None),
    ],
)
def test_numbers_with_valid_thousands_commas_or_none_are_read(raw, number):
    assert parse_number(raw) == number


@pytest.mark.parametrize("raw", ["1,2,3", "12,5", "1,23", "1234,567", ",123", "1,234,", "1,,234", "1,234.5,6"])
def test_a_comma_anywhere_but_between_thousands_is_refused_not_dropped(raw):
    with pytest.raises(NumberError) as caught:
        parse_number(raw)
    assert caught.value.code == "grouping"
    assert str(caught.value) == (
        f"'{raw}' is not a number: a comma may only separate thousands, as in 1,234 or 1,234,567.5 "
        "(write a decimal point as a full stop: 12.5)."
    )


@pytest.mark.parametrize(("raw", "code"), [("lots", "invalid"), ("NaN", "invalid"), ("1" * 15, "too_large")])
def test_text_infinity_and_numbers_too_large_to_store_are_refused(raw, code):
    with pytest.raises(NumberError) as caught:
        parse_number(raw)
    assert caught.value.code == code


# --- figures -------------------------------------------------------------------------------


@pytest.mark.parametrize("denominator", [D("-2"), D("-0.5")])
def test_a_negative_denominator_is_refused_even_when_the_fraction_would_be_positive(denominator):
    value, errors = figure_errors(indicator(unit="number"), None, D("-900"), denominator)
    assert value is None
    assert errors["denominator"].startswith("The denominator must be more than zero;")


def test_a_negative_numerator_over_a_positive_denominator_is_a_negative_value():
    value, errors = figure_errors(indicator(unit="number"), None, D("-900"), D("2"))
    assert (value, errors) == (D("-450"), {})


def test_a_value_and_a_fraction_that_agree_to_the_indicators_places_store_the_fractions_value():
    assert figure_errors(indicator(), D("33.3"), D("1"), D("3")) == (D("33.333333"), {})


def test_a_value_and_a_fraction_that_disagree_are_refused_naming_both():
    value, errors = figure_errors(indicator(), D("34"), D("1"), D("3"))
    assert value is None
    assert errors == {
        "value": "The value (34) does not match the numerator and denominator (1 / 3 gives 33.3): "
        "give the value or the fraction, or make them agree."
    }


def test_a_fraction_whose_value_cannot_be_stored_is_refused():
    _, errors = figure_errors(indicator(unit="number", numerator_le_denominator=False), None, D("1E13"), D("1E-6"))
    assert "too large a value to store" in errors["numerator"]


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code_point"),
    [("a\x0bb", "U+000B"), ("a\x1bb", "U+001B"), ("\x00", "U+0000"), ("a\x7f", "U+007F"), ("a\x85", "U+0085")],
)
def test_control_characters_other_than_tab_and_newlines_are_refused_with_where_they_are(text, code_point):
    message = control_character_error(text)
    assert message and code_point in message and "at character" in message


def test_tabs_newlines_and_carriage_returns_are_ordinary_text():
    assert control_character_error("one\ttwo\nthree\r\nfour – ŵ 🎉") is None


def test_commentary_is_limited_to_5000_characters():
    assert commentary_error("x" * 5000) is None
    assert commentary_error("x" * 5001) == "Keep the commentary to 5,000 characters or fewer; it has 5,001."
