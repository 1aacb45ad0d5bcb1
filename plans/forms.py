"""Forms parse what people type; the rules are checked once, in `services`."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from accounts.roles import PERFORMANCE_TEAM, SERVICE_OWNER
from indicators.forms import PersonChoice, ServiceErrorsForm, TextField
from plans.models import STATUS_CHOICES, Objective
from plans.services import NOTE_MAX_LENGTH


def action_owners():
    """The people who can own an action: service owners and the performance team."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[SERVICE_OWNER, PERFORMANCE_TEAM])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ActionForm(ServiceErrorsForm):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title: say what will be done."}
    )
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    owner = PersonChoice(label="Owner", queryset=None, error_messages={"required": "Choose who owns the action."})
    due = forms.DateField(
        label="Due date",
        help_text="For example 2020-01-31.",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the due date.",
            "invalid": "Enter the due date as a date, for example 2020-01-31.",
        },
    )
    status = forms.ChoiceField(
        label="Status",
        choices=STATUS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a status for the action."},
    )
    indicators = forms.ModelMultipleChoiceField(
        label="Indicators",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="The indicators this action is about.",
        error_messages={"required": "Choose at least one indicator the action is about."},
    )
    objectives = forms.ModelMultipleChoiceField(
        label="Council plan objectives",
        queryset=Objective.objects.select_related("priority__plan"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, indicators, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = action_owners()
        self.fields["indicators"].queryset = indicators.order_by("code")


class NoteForm(ServiceErrorsForm):
    text = TextField(
        label="Add a progress note",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the progress note."},
    )
