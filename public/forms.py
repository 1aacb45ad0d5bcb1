from __future__ import annotations

from django import forms

from indicators.models import Indicator
from public.models import Publication


class PublicationForm(forms.Form):
    """Tick the indicators to publish for one financial year; unticked ones are withdrawn."""

    indicators = forms.ModelMultipleChoiceField(
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Indicators to publish",
        error_messages={
            "invalid_choice": "%(value)s is not an indicator that can be published.",
            "invalid_pk_value": "%(pk)s is not an indicator that can be published.",
        },
    )

    def __init__(self, *args, year: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["indicators"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Indicator.objects.active().select_related("directorate").order_by("directorate__name", "code")
        if not self.is_bound:
            self.initial["indicators"] = list(
                Publication.objects.filter(financial_year=year).values_list("indicator_id", flat=True)
            )
