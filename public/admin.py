"""Publications in the admin: read only, with their history. The publication page changes them."""

from django.contrib import admin

from indicators.admin import ReadOnlyHistoryAdmin
from public.models import Publication


@admin.register(Publication)
class PublicationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["indicator", "year_label", "published_by", "published_at"]
    list_filter = ["financial_year"]
    search_fields = ["indicator__code", "indicator__name"]
    readonly_fields = ["indicator", "financial_year", "published_by", "published_at"]
