"""`{{ user|person_name }}` in every template (a builtin, see settings.TEMPLATES): `indicators.wording.person_name`."""

from django import template

from indicators.wording import person_name

register = template.Library()
register.filter(person_name)
