from django import forms

from api.tokens import NAME_MAX_LENGTH, clean_token_name


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example, Power BI performance report. You will see this name in the list of your tokens.",
        max_length=NAME_MAX_LENGTH,
        required=False,  # clean_name says what is wrong, in the same words as the command
    )

    def clean_name(self) -> str:
        return clean_token_name(self.cleaned_data.get("name", ""))
