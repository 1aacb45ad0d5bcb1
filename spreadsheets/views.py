"""Spreadsheets: export everything, import a workbook (preview, then confirm), owner templates.

The performance team (and superusers) import and export everything; a service
owner downloads a template of their own indicators for the open periods and
uploads it back, under the same rules as the return form. Everyone else: 403.
"""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import PERFORMANCE_TEAM, SERVICE_OWNER, user_roles
from indicators.validators import REASON_MAX_LENGTH
from returns.models import ReportingPeriod
from spreadsheets.models import ImportRecord
from spreadsheets.plan import ImportPlan, reason_missing_message
from spreadsheets.services import workbook_check, workbook_import
from spreadsheets.uploads import upload_claim, upload_discard, upload_load, upload_release, upload_store
from spreadsheets.workbook import (
    SHEETS,
    export_sheets,
    owner_template_sheets,
    sheet_name,
    utf8_bom,
    write_csv,
    write_xlsx,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Workbook or CSV file",
        help_text="An Excel workbook (.xlsx) in the kpidash format, or one sheet saved as CSV.",
        error_messages={"required": "Choose a file to upload.", "empty": "The file is empty."},
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        limit = settings.KPIDASH_IMPORT_MAX_BYTES
        if file.size > limit:
            raise forms.ValidationError(
                f"The file is {file.size / 1_000_000:.1f} MB; the largest file accepted is {limit / 1_000_000:.1f} MB."
            )
        return file


class ConfirmForm(forms.Form):
    """The confirm button's form: a reason, which a file correcting closed months needs (as the return form)."""

    reason = forms.CharField(
        label="Reason for changing closed months",
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Keep the reason to %(limit_value)d characters or fewer."},
    )

    def describe(self, plan: ImportPlan) -> ConfirmForm:
        if plan.closed_periods:
            self.fields["reason"].help_text = (
                f"The file changes returns for {plan.closed_labels}, after the month closed. Say why: "
                "the reason is recorded in the history of each change."
            )
        return self


def _require_performance_team(request) -> None:
    if PERFORMANCE_TEAM not in user_roles(request.user):
        raise PermissionDenied("Only the performance team can import and export the whole workbook.")


def _require_owner(request) -> None:
    if SERVICE_OWNER not in user_roles(request.user):
        raise PermissionDenied("Owner templates are for service owners.")


def _download(content: bytes, file_name: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _xlsx(sheets: dict) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, sheets)
    return out.getvalue()


def _today() -> str:
    return timezone.localdate().isoformat()


@require_GET
def spreadsheets_home(request):
    roles = user_roles(request.user)
    if not roles & {PERFORMANCE_TEAM, SERVICE_OWNER}:
        raise PermissionDenied("Spreadsheets are for the performance team and service owners.")
    context = {
        "performance": PERFORMANCE_TEAM in roles,
        "owner": SERVICE_OWNER in roles,
        "form": UploadForm(),
        "sheets": SHEETS,
        "imports": ImportRecord.objects.select_related("user")[:10] if PERFORMANCE_TEAM in roles else [],
        "open_periods": _open_periods(),
    }
    return render(request, "spreadsheets/home.html", context)


@require_GET
def export_xlsx(request):
    _require_performance_team(request)
    return _download(_xlsx(export_sheets()), f"kpidash-{_today()}.xlsx")


@require_GET
def export_csv(request, sheet: str):
    _require_performance_team(request)
    name = sheet_name(sheet)
    if name not in SHEETS:
        raise Http404(f"There is no {sheet} sheet: choose one of {', '.join(SHEETS)}.")
    out = io.StringIO()
    out.write(utf8_bom())
    write_csv(out, export_sheets()[name])
    return _download(out.getvalue().encode("utf-8"), f"kpidash-{name.lower()}-{_today()}.csv", "text/csv")


@require_GET
def blank_template(request):
    _require_performance_team(request)
    return _download(_xlsx({name: iter([columns]) for name, columns in SHEETS.items()}), "kpidash-template.xlsx")


@require_http_methods(["POST"])
def import_upload(request):
    _require_performance_team(request)
    return _upload(request, owner=False)


@require_POST
def import_confirm(request, token: str):
    _require_performance_team(request)
    return _confirm(request, token, owner=False)


@require_GET
def owner_template(request):
    _require_owner(request)
    periods = _open_periods()
    if not periods:
        messages.error(request, "No period is open for returns, so there is no template to fill in.")
        return redirect("spreadsheets")
    sheets = owner_template_sheets(request.user, periods)
    return _download(_xlsx(sheets), f"kpidash-my-returns-{periods[0]:%Y-%m}.xlsx")


@require_POST
def owner_upload(request):
    _require_owner(request)
    return _upload(request, owner=True)


@require_POST
def owner_confirm(request, token: str):
    _require_owner(request)
    return _confirm(request, token, owner=True)


def _open_periods() -> list:
    return sorted(ReportingPeriod.objects.open().values_list("period", flat=True))


def _upload(request, *, owner: bool):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "spreadsheets/preview.html", {"form": form, "owner": owner}, status=400)
    upload = upload_store(uploaded_file=form.cleaned_data["file"], user=request.user, owner=owner)
    plan = None
    try:
        plan = workbook_check(path=upload.path, file_name=upload.file_name, user=request.user, owner=owner)
    finally:
        if plan is None or not plan.ok:
            upload_discard(upload)  # kept only for a confirm: never after a refusal or a crash
    return _preview(request, plan, upload.token if plan.ok else None, owner)


def _confirm(request, token: str, *, owner: bool):
    upload = upload_load(token=token, user=request.user, owner=owner)
    if upload is None:
        messages.error(request, "That upload has expired or was already imported: upload the file again.")
        return redirect("spreadsheets")
    confirm_form = ConfirmForm(request.POST)
    if not confirm_form.is_valid():
        return _preview_again(request, upload, owner, confirm_form)
    if not upload_claim(upload):
        # Another click (or tab) confirmed it a moment ago: that one imports it, once.
        messages.error(
            request, f"{upload.file_name} was already imported (or is being imported now): nothing more to do."
        )
        return redirect("spreadsheets")
    try:
        plan = workbook_import(
            path=upload.path,
            file_name=upload.file_name,
            user=request.user,
            owner=owner,
            reason=confirm_form.cleaned_data["reason"],
        )
    except BaseException:
        upload_discard(upload)
        raise
    if plan.reason_missing:
        upload_release(upload)  # the same upload, confirmed again with a reason
        confirm_form.add_error("reason", reason_missing_message(plan))
        return _preview_again(request, upload, owner, confirm_form)
    upload_discard(upload)
    if not plan.applied:
        # The data changed since the preview and the file is no longer valid.
        return _preview(request, plan, None, owner)
    messages.success(request, f"Imported {upload.file_name}: {plan.total_changed} row(s) created or updated.")
    return redirect(reverse("my_returns") if owner else reverse("spreadsheets"))


def _preview_again(request, upload, owner: bool, confirm_form: ConfirmForm):
    """The preview with the confirm form's errors (the file checked again: the data may have moved on)."""
    plan = None
    try:
        plan = workbook_check(path=upload.path, file_name=upload.file_name, user=request.user, owner=owner)
    finally:
        if plan is None or not plan.ok:
            upload_discard(upload)
    return _preview(request, plan, upload.token if plan.ok else None, owner, confirm_form, status=400)


def _preview(request, plan: ImportPlan, token: str | None, owner: bool, confirm_form=None, status=None):
    confirm_url = None
    if token:
        confirm_url = reverse("spreadsheet_owner_confirm" if owner else "spreadsheet_import_confirm", args=[token])
    confirm_form = (confirm_form or ConfirmForm()).describe(plan)
    context = {
        "plan": plan,
        "confirm_url": confirm_url,
        "owner": owner,
        "form": UploadForm(),
        "confirm_form": confirm_form,
    }
    return render(request, "spreadsheets/preview.html", context, status=status or (200 if plan.ok else 400))
