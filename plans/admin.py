"""The performance team maintains the council plan here; actions can be corrected here too,
with the same checks as the action pages (`plans.services.action_errors`)."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicators.admin import NoRevertMixin
from plans.models import Action, ActionNote, Objective, Plan, Priority
from plans.services import action_errors, resolution_source


class PriorityInline(admin.TabularInline):
    model = Priority
    extra = 0


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PriorityInline]


class ObjectiveInline(admin.StackedInline):
    model = Objective
    extra = 0
    filter_horizontal = ["indicators"]


@admin.register(Priority)
class PriorityAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "plan"]
    list_filter = ["plan"]
    inlines = [ObjectiveInline]


@admin.register(Objective)
class ObjectiveAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "priority"]
    list_filter = ["priority__plan"]
    filter_horizontal = ["indicators"]


class ActionAdminForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["title", "description", "owner", "due", "status", "indicators", "objectives"]

    def clean(self):
        data = super().clean()
        errors = action_errors(
            user=self.request_user,
            title=data.get("title") or "",
            owner=data.get("owner"),
            due=data.get("due"),
            status=data.get("status") or "",
            indicators=list(data.get("indicators") or []),
            **resolution_source(self.instance),
        )
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        return data


class ActionNoteInline(admin.TabularInline):
    model = ActionNote
    extra = 0
    fields = ["text", "author", "created_at"]
    readonly_fields = ["text", "author", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # notes are added on the action's page, by who wrote them


@admin.register(Action)
class ActionAdmin(NoRevertMixin, SimpleHistoryAdmin):  # a revert would put back its read-only source
    form = ActionAdminForm
    list_display = ["title", "owner", "due", "status"]
    list_filter = ["status"]
    filter_horizontal = ["indicators", "objectives"]
    inlines = [ActionNoteInline]
    # A resolution's source is recorded once, from the committee's meeting page (plans.services.action_from_resolution).
    readonly_fields = ["source_committee", "source_meeting", "resolution"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
