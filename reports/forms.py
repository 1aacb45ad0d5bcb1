from __future__ import annotations

from django import forms
from django.utils import timezone

from indicators.models import Committee, Indicator, Result
from indicators.periods import add_months, parse_period, period_label


class PaperRequestForm(forms.Form):
    committee = forms.ModelChoiceField(
        queryset=Committee.objects.all(),
        empty_label=None,
        to_field_name="slug",
        error_messages={
            "required": "Choose the committee the paper is for.",
            "invalid_choice": "Choose a committee from the list.",
        },
    )
    period = forms.CharField(
        label="Results up to the end of",
        help_text="The month, as YYYY-MM, for example 2019-11.",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the month the paper reports up to, for example 2019-11."},
    )
    meeting_date = forms.DateField(
        label="Meeting date",
        help_text="The date of the committee meeting the paper goes to.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the meeting date, for example 2020-01-21.",
            "invalid": "Enter the meeting date as a real date, for example 2020-01-21.",
        },
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_period(self):
        try:
            period = parse_period(self.cleaned_data["period"].strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if period > timezone.localdate().replace(day=1):
            raise forms.ValidationError(f"{period_label(period)} is in the future.")
        return period

    def clean(self):
        data = super().clean()
        committee, period, meeting = data.get("committee"), data.get("period"), data.get("meeting_date")
        if committee and period:
            results = Result.objects.filter(
                indicator__in=Indicator.objects.active().for_committee(committee),
                period__gt=add_months(period, -12),
                period__lte=period,
                value__isnull=False,
            )
            if not results.exists():
                self.add_error("period", f"{committee} has no results in the year up to {period_label(period)}.")
        if period and meeting and meeting < add_months(period, 1):
            self.add_error(
                "meeting_date",
                f"The meeting date must be after the end of {period_label(period)}, the month the paper reports.",
            )
        return data
