"""Forms parse what people type; the rules are checked once, in `services` (and plans.services for resolutions)."""

from __future__ import annotations

from django import forms

from indicators.forms import PersonChoice, ServiceErrorsForm, TextField
from indicators.models import Committee, Indicator
from plans.forms import action_owners
from questions.services import TEXT_MAX_LENGTH

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "govuk-input--width-10"}, format="%Y-%m-%d")


class MeetingForm(ServiceErrorsForm):
    committee = forms.ModelChoiceField(
        label="Committee", queryset=Committee.objects.all(), error_messages={"required": "Choose the committee."}
    )
    meeting_date = forms.DateField(
        label="Meeting date",
        help_text="For example 2020-01-21.",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Enter the meeting date, for example 2020-01-21.",
            "invalid": "Enter the meeting date as a date, for example 2020-01-21.",
        },
    )
    period = forms.DateField(
        label="The paper's month (results up to the end of)",
        help_text="For example 2019-11.",
        input_formats=["%Y-%m"],
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the month the paper reports up to, for example 2019-11.",
            "invalid": "Enter the paper's month as YYYY-MM, for example 2019-11.",
        },
    )


class QuestionForm(ServiceErrorsForm):
    indicator = forms.ModelChoiceField(
        label="Indicator",
        queryset=Indicator.objects.none(),
        error_messages={"required": "Choose the indicator the question is about."},
    )
    member_name = forms.CharField(
        label="Member who asked", max_length=200, required=False, help_text="For example Cllr Jane Smith."
    )
    text = TextField(
        label="Question",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the question."},
    )

    def __init__(self, *args, indicators, own: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators.order_by("code")  # type: ignore[attr-defined]
        if own:  # a councillor asks as themselves
            del self.fields["member_name"]


class AnswerForm(ServiceErrorsForm):
    text = TextField(
        label="Answer",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the answer."},
    )


class ReturnForm(ServiceErrorsForm):
    reason = TextField(
        label="Why is it being returned?",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the answer is being returned, so it can be put right."},
    )


class ResolutionForm(ServiceErrorsForm):
    resolution = TextField(
        label="The resolution",
        help_text="As the committee made it, for example: officers to report back on the help desk by March 2020.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the resolution as the committee made it."},
    )
    title = forms.CharField(
        label="Action title", max_length=200, error_messages={"required": "Enter a title: say what will be done."}
    )
    owner = PersonChoice(label="Owner", queryset=None, error_messages={"required": "Choose who owns the action."})
    due = forms.DateField(
        label="Due date",
        help_text="For example 2020-03-31.",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Enter the due date.",
            "invalid": "Enter the due date as a date, for example 2020-03-31.",
        },
    )
    indicators = forms.ModelMultipleChoiceField(
        label="Indicators",
        queryset=Indicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one indicator the action is about."},
    )

    def __init__(self, *args, indicators, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = action_owners()  # type: ignore[attr-defined]
        self.fields["indicators"].queryset = indicators.order_by("code")  # type: ignore[attr-defined]
