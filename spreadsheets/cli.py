"""What the import commands share (`import_workbook`, and siteexport's `import_site`): the file and
user arguments checked, and every problem in a plan printed one per line, then a non-zero exit."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, OutputWrapper

from spreadsheets.plan import ImportPlan, RowError


def command_file(path: str) -> Path:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{path} does not exist or is not a file.")
    return file


def command_user(username: str | None):
    """The user called `username` (None without one), or a CommandError naming the one missing."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user is called {username!r}.")
    return user


def error_line(error: RowError) -> str:
    """`Results, row 7, value: 'abc' is not a number.`: where (as far as known), then what."""
    where = ", ".join(part for part in (error.sheet, f"row {error.row}" if error.row else "", error.column) if part)
    return f"{where}: {error.message}" if where else error.message


def error_lines(plan: ImportPlan) -> list[str]:
    """Each listed problem, then how many more each sheet and column has that were not listed."""
    lines = [error_line(error) for error in plan.errors]
    for sheet, column, count in plan.unlisted_errors:
        where = ", ".join(part for part in (sheet, column) if part)
        lines.append(f"{where}: {count} more error(s), not listed")
    return lines


def fail_on_errors(stderr: OutputWrapper, plan: ImportPlan) -> None:
    """Print the plan's problems; a CommandError (exit status 1) if it has any."""
    for line in error_lines(plan):
        stderr.write(line)
    if not plan.ok:
        raise CommandError(f"{plan.error_count} error(s): nothing was imported.")
