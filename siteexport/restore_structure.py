"""Restoring the site's structure and calendar: directorates, committees, people, reporting periods,
paper settings and bank holiday changes."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from accounts.roles import ROLES
from indicators.models import Committee, Directorate
from reports.models import PaperSettings
from returns.models import BankHolidayChange, ReportingPeriod
from siteexport import schema
from siteexport.restore_lookups import each, save_as_it_was
from spreadsheets.plan import ImportPlan


def restore_directorates(plan: ImportPlan, rows) -> dict[str, Directorate]:
    found = {}
    for row in each(plan, schema.DIRECTORATES, rows):
        directorate = Directorate(name=row.cells["name"], slug=row.cells["slug"])
        if row.checked(directorate):
            directorate.save()
            found[directorate.name.lower()] = directorate
            row.created(directorate.name)
    return found


def restore_committees(plan: ImportPlan, rows, directorates: dict[str, Directorate]) -> dict[str, Committee]:
    found = {}
    for row in each(plan, schema.COMMITTEES, rows):
        committee = Committee(name=row.cells["name"], slug=row.cells["slug"])
        committee.direction_basis = row.cells.get("direction_basis") or committee.direction_basis
        members = row.listed("directorates", directorates, lambda name: f"“{name}” is not on the Directorates sheet.")
        if row.checked(committee) and members is not None:
            committee.save()
            committee.directorates.set(members)
            found[committee.name.lower()] = committee
            row.created(committee.name)
    return found


_PEOPLE_COLUMNS = {"is_active": "active", "is_staff": "staff", "is_superuser": "superuser"}


def restore_people(plan: ImportPlan, rows) -> None:
    groups = schema.role_groups()
    for row in each(plan, schema.PEOPLE, rows):
        cells = row.cells
        user = get_user_model()(
            username=cells["username"], **{f: cells.get(f) or "" for f in ("first_name", "last_name", "email")}
        )
        for field, column in _PEOPLE_COLUMNS.items():
            if cells.get(column) is not None:
                setattr(user, field, cells[column])
        user.set_unusable_password()  # never a password: README "Moving to a new site" says how they sign in
        roles = row.listed("roles", groups, lambda name: f"Unknown role “{name}”: the roles are {', '.join(ROLES)}.")
        if row.checked(user, _PEOPLE_COLUMNS) and roles is not None:
            user.save()
            user.groups.set(roles)
            row.created(user.get_username())


def restore_periods(plan: ImportPlan, rows, users: dict) -> None:
    for row in each(plan, schema.PERIODS, rows):
        period = ReportingPeriod(period=row.cells["period"], deadline=row.cells["deadline"])
        period.status = row.cells.get("status") or period.status
        period.opened_at, period.closed_at = row.cells.get("opened_at"), row.cells.get("closed_at")
        if (named := row.people(users, "opened_by", "closed_by")) is None:
            continue
        period.opened_by, period.closed_by = named["opened_by"], named["closed_by"]
        if row.checked(period):
            save_as_it_was(plan, period)
            row.created(period.slug)


def restore_paper_settings(plan: ImportPlan, rows, committees: dict[str, Committee]) -> None:
    for row in each(plan, schema.PAPER_SETTINGS, rows):
        name = row.cells["committee"]
        committee = row.lookup("committee", committees, name.lower(), f"“{name}” is not a committee.")
        if committee is None:
            continue
        yes_no = schema.PAPER_YES_NO
        values = {f: bool(v) if f in yes_no else v or "" for f, v in row.cells.items() if f in schema.PAPER_FIELDS}
        settings = PaperSettings(committee=committee, **values)
        if row.checked(settings):
            settings.save()
            row.created(committee.name)


def restore_bank_holidays(plan: ImportPlan, rows) -> None:
    for row in each(plan, schema.BANK_HOLIDAYS, rows):
        change = BankHolidayChange(day=row.cells["day"], name=row.cells.get("name") or "")
        change.change = row.cells.get("change") or change.change
        if row.checked(change):
            save_as_it_was(plan, change)
            row.created(change.day.isoformat())
