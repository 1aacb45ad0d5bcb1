"""Forms parse what people type; the rules are checked once, in `services`."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from indicators.forms import NumberField, PeriodField, ServiceErrorsForm, TextField
from indicators.units import Unit
from indicators.validators import (
    COMMENTARY_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SEND_BACK_REASON_MAX_LENGTH,
    tidy_text,
    validate_commentary,
)
from returns.services import ReturnError

_DECIMAL = {"required": False}


def _decimal_input() -> forms.TextInput:
    # GOV.UK asks for text inputs with inputmode rather than type=number.
    return forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"})


class ReturnForm(ServiceErrorsForm):
    value = NumberField(label="Value", **_DECIMAL, widget=_decimal_input())
    numerator = NumberField(label="Numerator", **_DECIMAL, widget=_decimal_input())
    denominator = NumberField(label="Denominator", **_DECIMAL, widget=_decimal_input())
    commentary = TextField(
        label="Commentary",
        required=False,
        # The service's own limit and message (as the grid's, the uploads' and the import's); the browser stops at it.
        validators=[validate_commentary],
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": COMMENTARY_MAX_LENGTH}),
        help_text="Required when the figure is rated Amber or Red: explain it and what is being done.",
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text="Recorded in the history. Required when the period is closed.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, show_reason: bool = False, commentary_help: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not show_reason:
            del self.fields["reason"]
        if commentary_help:
            self.fields["commentary"].help_text = commentary_help


def _canonical(number: Decimal | None) -> str:
    return "" if number is None else format(number.normalize(), "f")


def return_fingerprint(
    value: Decimal | None, numerator: Decimal | None, denominator: Decimal | None, commentary: str
) -> str:
    """A short digest of a return's figure and commentary, equal for equal inputs however typed
    ("92" and "92.000000"; CRLF or LF, and surrounding spaces, as `return_save` strips them)."""
    text = tidy_text(commentary)
    parts = (_canonical(value), _canonical(numerator), _canonical(denominator), text)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


_ENTERED = ("value", "numerator", "denominator", "commentary")


class GridRowForm(ReturnForm):
    """One row of grid entry: the single return's form, for one indicator among many.

    Its fields are prefixed with the indicator's code, so a page holds one per
    return, and its labels and errors name the indicator, since "Enter a number"
    alone does not say which row (or, in the error summary, which return) it is
    about. Errors that belong to no one input (a conflict, a lock, a bad hidden
    version) are shown at the row's value, where the summary links.

    `shown` is the fingerprint of what the page showed: a row whose input still
    matches it was not touched, even if someone else has saved the return since,
    so it is left alone rather than saved back or reported as a conflict.
    """

    shown = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, indicator, **kwargs) -> None:
        self.code = indicator.code
        super().__init__(*args, prefix=indicator.code, **kwargs)
        if self.initial:
            self.initial = {**self.initial, "shown": _shown(self.initial)}
        named = f"{indicator.code} {indicator.name}"
        for name in _ENTERED:
            self.fields[name].label = f"{self.fields[name].label} for {named}"
            self.fields[name].help_text = ""
        self.fields["value"].help_text = _unit_hint(indicator)
        self.fields["commentary"].widget.attrs["rows"] = 3

    def add_error(self, field: str | None, error) -> None:
        messages = ValidationError(error).messages
        target = field if field in self.fields and not self.fields[field].widget.is_hidden else "value"
        super().add_error(target, [self._named(message) for message in messages])

    def _named(self, message: str) -> str:
        return message if re.search(rf"\b{re.escape(self.code)}\b", message) else f"{self.code}: {message}"

    def figures(self) -> dict:
        """The cleaned figure and commentary, as `return_save` takes them."""
        return {name: self.cleaned_data[name] for name in _ENTERED}

    def changed_since_shown(self) -> bool:
        """Whether the user changed this row (input that does not even parse counts as a change)."""
        if not self.is_valid():
            return True
        return return_fingerprint(*self.figures().values()) != self.cleaned_data["shown"]

    def rebase(self, data, initial: dict, *, keep_input: bool) -> None:
        """Point the form at the return as now stored, after a failed save.

        Sets the version and fingerprint to the stored ones in `data` (shared by
        every row of the page, copied from the POST), so that saving again
        knowingly replaces a change made meanwhile, as the single form does; the
        user's input is kept where they changed the row, and otherwise replaced by
        what is stored now.
        """
        names = ["version", "shown"] + ([] if keep_input else list(_ENTERED))
        initial = {**initial, "shown": _shown(initial)}
        for name in names:
            stored = initial[name]
            data[self.add_prefix(name)] = "" if stored is None else str(stored)
        self.data = data


def _shown(initial: dict) -> str:
    return return_fingerprint(*(initial[name] for name in _ENTERED))


def _unit_hint(indicator) -> str:
    places = indicator.decimals
    return f"{Unit(indicator.unit).label}, {places} decimal place{'s' if places != 1 else ''}"


class SendBackForm(ServiceErrorsForm):
    prefix = "back"  # shares a page with ReturnForm, which has its own reason and version

    reason = TextField(
        label="Why are you returning it?",
        max_length=SEND_BACK_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The owner sees this with the return.",
        error_messages={"required": "Say why the return is being sent back, so its owner can put it right."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class WithdrawForm(ServiceErrorsForm):
    prefix = "withdraw"  # shares a page with ReturnForm and SendBackForm

    reason = TextField(
        label="Why are you withdrawing the figure?",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example, “entered against the wrong month”. Recorded in the history.",
        error_messages={"required": "Say why the figure is being withdrawn: the history keeps it."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PeriodOpenForm(ServiceErrorsForm):
    period = PeriodField(
        label="Month",
        help_text="As year and month, for example 2019-12.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
        error_messages={"required": "Enter the month to open, for example 2019-12."},
    )
    deadline = forms.DateField(
        label="Deadline for returns",
        help_text="For example 2020-01-10.",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the deadline for returns.",
            "invalid": "Enter the deadline as a date, for example 2020-01-10.",
        },
    )


def parse_bulk_choices(values: list[str]) -> dict[int, int]:
    """ "<commentary id>:<version>" pairs from the review queue's checkboxes."""
    chosen: dict[int, int] = {}
    for value in values:
        pk, _, version = value.partition(":")
        if not (pk.isdigit() and version.isdigit()):
            raise ReturnError("The returns chosen could not be read; reload the review queue and try again.")
        chosen[int(pk)] = int(version)
    return chosen
