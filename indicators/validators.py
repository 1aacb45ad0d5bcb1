"""What kpidash accepts as an indicator code, a number, a figure and a piece of text.

One function each, called on every path a figure or text comes in by: the return form and
the grid (through `returns.services.return_save`), the owner upload (the same service), the
performance team's import (`spreadsheets.plan`), the site restore, and the models'
validators and `Result.clean()` (the admin shows figures read only). Plain Python, no ORM:
the indicator is read only for its unit, decimal places, code and the two flags that relax
the rules.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from indicators.rules import round_for_display, value_from_fraction
from indicators.units import Unit

# --- indicator codes ---------------------------------------------------------------

# Letters and digits, with these separators between them: the code is a path segment in
# every indicator's and return's address, so the URL converter (`indicators.converters`)
# matches exactly this, and a code the model accepts can always be linked to.
CODE_SEPARATORS = "-_."
CODE_REGEX = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
CODE_MAX_LENGTH = 20
_CODE = re.compile(CODE_REGEX)


def code_error(code: str) -> str | None:
    """Why `code` cannot be an indicator's code, or None."""
    if _CODE.fullmatch(code):
        return None
    return (
        f"“{code}” cannot be a code: use letters and digits, optionally separated by "
        f"“-”, “_” or “.” (for example ICT01, FN-02 or ASC_3.1), with no spaces or other characters."
    )


def validate_code(code: str) -> None:
    message = code_error(code)
    if message:
        raise ValidationError(message, code="invalid_code")


# --- text ----------------------------------------------------------------------------


def tidy_text(value: str | None) -> str:
    """Text as it is kept: Windows line ends made plain, no space around it. Every path a text comes
    by (the forms and their services, the Spreadsheets import's commentary) keeps it so, so the same
    words typed or imported compare equal and a save of them unchanged changes nothing."""
    return (value or "").replace("\r\n", "\n").strip()


COMMENTARY_MAX_LENGTH = 5000
# Control characters other than tab, newline and carriage return (what Word's line break
# \x0b or a terminal's escape \x1b paste in): no spreadsheet cell or XML document may hold
# most of them, and none is meant to be seen.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_CONTROL_NAMES = {
    "\x00": "null",
    "\x0b": "vertical tab, Word's line break",
    "\x0c": "form feed, Word's page break",
    "\x1b": "escape",
    "\x7f": "delete",
}


def control_character_error(text: str) -> str | None:
    """Why `text` cannot be stored (it holds a control character), or None."""
    found = _CONTROL.search(text or "")
    if found is None:
        return None
    character = found.group()
    name = _CONTROL_NAMES.get(character, "control character")
    return (
        f"The text holds an invisible control character (U+{ord(character):04X}, {name}) at "
        f"character {found.start() + 1}, often pasted from another program: delete it (retype the text "
        "around it) and try again."
    )


def validate_no_control_characters(text: str) -> None:
    message = control_character_error(text)
    if message:
        raise ValidationError(message, code="control_character")


def commentary_error(text: str) -> str | None:
    """Why `text` cannot be a return's commentary, or None."""
    if len(text or "") > COMMENTARY_MAX_LENGTH:
        return f"Keep the commentary to {COMMENTARY_MAX_LENGTH:,} characters or fewer; it has {len(text):,}."
    return control_character_error(text)


def validate_commentary(text: str) -> None:
    message = commentary_error(text)
    if message:
        raise ValidationError(message, code="commentary")


# Why a return was changed after its month closed, or an import of closed months (the
# history keeps its first 100 characters); why the performance team sent a return back.
REASON_MAX_LENGTH = 500
SEND_BACK_REASON_MAX_LENGTH = 2000


def reason_error(reason: str, limit: int = REASON_MAX_LENGTH) -> str | None:
    """Why `reason` is too long to record, or None: the same limit on the form, the service and the command."""
    if len(reason or "") > limit:
        return f"Keep the reason to {limit:,} characters or fewer; it has {len(reason):,}."
    return None


# --- numbers ---------------------------------------------------------------------------

MAX_VALUE = Decimal(10) ** 14  # DecimalField(max_digits=20, decimal_places=6)
SIX_PLACES = Decimal("0.000001")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


class NumberError(ValueError):
    """A cell or input that is not a number kpidash can store; `code` is "invalid" when it is no number at all."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def parse_number(raw) -> Decimal | None:
    """A figure as typed or read from a cell: a finite number that fits the database, or None if blank.

    Commas are accepted only as thousands separators (1,234 and 1,234,567.5), never dropped
    from anywhere else: "12,5" may mean 12.5 and "1,2,3" means nothing. More than six decimal
    places are rounded to six (a spreadsheet's 0.30000000000000004).
    """
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise NumberError(f"{raw!r} is not a number.", "invalid")
    text = raw if isinstance(raw, Decimal) else str(raw)
    if isinstance(text, str) and "," in text:
        if not _GROUPED.fullmatch(text):
            raise NumberError(
                f"{raw!r} is not a number: a comma may only separate thousands, as in 1,234 or 1,234,567.5 "
                "(write a decimal point as a full stop: 12.5).",
                "grouping",
            )
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise NumberError(f"{raw!r} is not a number.", "invalid") from None
    if not number.is_finite():
        raise NumberError(f"{raw!r} is not a number.", "invalid")
    if abs(number) >= MAX_VALUE:
        raise NumberError(f"{raw} is too large (at most 14 digits before the decimal point).", "too_large")
    exponent = number.as_tuple().exponent  # an int for a finite number
    return number.quantize(SIX_PLACES) if isinstance(exponent, int) and exponent < -6 else number


# --- figures -----------------------------------------------------------------------------


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


def figure_errors(
    indicator, value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None
) -> tuple[Decimal | None, dict[str, str]]:
    """The value to store and what is wrong with a figure (field name → message; empty when valid).

    A figure is a value, or a numerator and a positive denominator (the value follows from
    them, × 100 for a percentage). Given both, the fraction decides: the value must agree with
    it to the indicator's decimal places (an export, which holds both, imports unchanged), and
    the fraction's value is stored. A percentage stays within 0–100 and the numerator within the
    denominator unless the indicator allows otherwise. `indicator` may be None (no rules of its own).
    """
    if numerator is None and denominator is None:
        if value is None:
            return None, {"value": "Enter a value, or a numerator and a denominator."}
        return value, _range_errors(indicator, value, "value")
    if numerator is None or denominator is None:
        missing = "denominator" if denominator is None else "numerator"
        return None, {missing: f"Enter the {missing} too, or neither."}
    if denominator == 0:
        return None, {"denominator": "The denominator cannot be zero."}
    if denominator < 0:
        return None, {
            "denominator": (
                f"The denominator must be more than zero; {_plain(denominator)} is not "
                "(a negative figure's minus sign goes on the numerator)."
            )
        }
    code = getattr(indicator, "code", "")
    if indicator is not None and indicator.numerator_le_denominator and numerator > denominator:
        return None, {
            "numerator": (
                f"The numerator ({_plain(numerator)}) must not be more than the denominator "
                f"({_plain(denominator)}) for {code}."
            )
        }
    scale = Unit(indicator.unit).scale if indicator is not None else Decimal(1)
    computed = value_from_fraction(numerator, denominator, scale)
    if computed is None:  # a zero denominator, refused above
        return None, {"denominator": "The denominator cannot be zero."}
    if abs(computed) >= MAX_VALUE:
        return None, {"numerator": f"{_plain(numerator)} / {_plain(denominator)} is too large a value to store."}
    computed = computed.quantize(SIX_PLACES)
    if value is not None:
        places = indicator.decimals if indicator is not None else 6
        shown = round_for_display(computed, places)
        if round_for_display(value, places) != shown:
            return None, {
                "value": (
                    f"The value ({_plain(value)}) does not match the numerator and denominator "
                    f"({_plain(numerator)} / {_plain(denominator)} gives {_plain(shown)}): "
                    "give the value or the fraction, or make them agree."
                )
            }
    return computed, _range_errors(indicator, computed, "numerator")


def _range_errors(indicator, value: Decimal, field: str) -> dict[str, str]:
    if indicator is None or indicator.unit != Unit.PERCENTAGE or indicator.allow_out_of_range:
        return {}
    if 0 <= value <= 100:
        return {}
    return {field: f"A percentage must be between 0 and 100; {_plain(value)} is not."}
