"""Forms parse what people type; the rules are checked once, in `services`."""

from __future__ import annotations

from datetime import date

from django import forms

from indicators.periods import parse_period
from returns.services import NON_FIELD, ReturnError

_DECIMAL = {"max_digits": 20, "decimal_places": 6, "required": False}


def _decimal_input() -> forms.TextInput:
    # GOV.UK asks for text inputs with inputmode rather than type=number.
    return forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-10"})


class ErrorsFromServiceMixin:
    def add_service_errors(self, error: ReturnError) -> None:
        for name, messages in error.errors.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target if name != NON_FIELD else None, message)


class ReturnForm(ErrorsFromServiceMixin, forms.Form):
    value = forms.DecimalField(label="Value", **_DECIMAL, widget=_decimal_input())
    numerator = forms.DecimalField(label="Numerator", **_DECIMAL, widget=_decimal_input())
    denominator = forms.DecimalField(label="Denominator", **_DECIMAL, widget=_decimal_input())
    commentary = forms.CharField(
        label="Commentary",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Required when the figure is rated Amber or Red: explain it and what is being done.",
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=500,
        help_text="Recorded in the history. Required when the period is closed.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, show_reason: bool = False, commentary_help: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not show_reason:
            del self.fields["reason"]
        if commentary_help:
            self.fields["commentary"].help_text = commentary_help


class SendBackForm(ErrorsFromServiceMixin, forms.Form):
    prefix = "back"  # shares a page with ReturnForm, which has its own reason and version

    reason = forms.CharField(
        label="Why are you returning it?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The owner sees this with the return.",
        error_messages={"required": "Say why the return is being sent back, so its owner can put it right."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PeriodField(forms.CharField):
    def to_python(self, value) -> date | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_period(text.strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class PeriodOpenForm(ErrorsFromServiceMixin, forms.Form):
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
