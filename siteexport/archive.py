"""Opening a site export safely: the zip's members checked before anything is decompressed.

The two workbooks inside are then read by the Spreadsheets import's own safe
reader (`spreadsheets.workbook.open_workbook`: size, zip-bomb and formula
checks, the row limit), so the site export adds only the outer zip's checks:
exactly the three members, each no bigger than an upload may be
(`KPIDASH_IMPORT_MAX_BYTES`) and not compressed suspiciously well, and a
manifest that names this format and a version this kpidash reads.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from siteexport import schema
from spreadsheets.workbook import WorkbookError

_MAX_RATIO = 200  # uncompressed / compressed, per member (as the workbook reader allows)
_MAX_MANIFEST = 64 * 1024


@dataclass(frozen=True)
class Members:
    workbook: Path
    site: Path
    manifest: dict


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def open_site_export(path: Path, file_name: str, folder: Path) -> Members:
    """Check the zip at `path` and extract its members into `folder`; WorkbookError says what is wrong."""
    limit = settings.KPIDASH_IMPORT_MAX_BYTES
    size = path.stat().st_size
    if size > 3 * limit:
        raise WorkbookError(
            f"{file_name} is {_megabytes(size)}; a site export may be at most {_megabytes(3 * limit)} "
            "(KPIDASH_IMPORT_MAX_BYTES for each of its two workbooks)."
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise WorkbookError(
            f"{file_name} is not a kpidash site export: it is not a zip file (make one with export_site)."
        ) from None
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        if "xl/workbook.xml" in infos:
            raise WorkbookError(
                f"{file_name} is a spreadsheet workbook, not a site export: import it on the Spreadsheets page "
                "or with import_workbook, or make a site export with export_site."
            )
        missing = [name for name in schema.MEMBERS if name not in infos]
        extra = sorted(set(infos) - set(schema.MEMBERS))
        if missing or extra:
            said = []
            if missing:
                said.append(f"it lacks {', '.join(missing)}")
            if extra:
                said.append(f"it also holds {', '.join(extra[:5])}")
            raise WorkbookError(
                f"{file_name} is not a kpidash site export: {' and '.join(said)} "
                f"(a site export holds exactly {', '.join(schema.MEMBERS)})."
            )
        for info in infos.values():
            _check_member(file_name, info, limit)
        manifest = _manifest(file_name, archive.read(schema.MANIFEST))
        members = {}
        for name in (schema.WORKBOOK, schema.SITE):
            target = folder / name
            _extract(archive, infos[name], target, file_name, limit)
            members[name] = target
    return Members(members[schema.WORKBOOK], members[schema.SITE], manifest)


def _check_member(file_name: str, info: zipfile.ZipInfo, limit: int) -> None:
    ratio = info.file_size / max(info.compress_size, 1)
    bound = _MAX_MANIFEST if info.filename == schema.MANIFEST else limit
    if info.file_size > bound:
        raise WorkbookError(
            f"{info.filename} in {file_name} is {_megabytes(info.file_size)}; the largest accepted is "
            f"{_megabytes(bound)}."
        )
    if info.file_size > 1_000_000 and ratio > _MAX_RATIO:
        raise WorkbookError(
            f"{info.filename} in {file_name} expands to far more data than its size should "
            "(a “zip bomb”), so it was not opened."
        )


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, file_name: str, limit: int) -> None:
    """Copy a member out, stopping at the limit whatever its header claims."""
    written = 0
    try:
        with archive.open(info) as source, target.open("wb") as out:
            while chunk := source.read(1 << 16):
                written += len(chunk)
                if written > limit:
                    raise WorkbookError(f"{info.filename} in {file_name} is larger than {_megabytes(limit)}.")
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise WorkbookError(f"{info.filename} in {file_name} is damaged ({exc}).") from None


def _manifest(file_name: str, raw: bytes) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise WorkbookError(f"{schema.MANIFEST} in {file_name} is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != schema.FORMAT:
        raise WorkbookError(f"{schema.MANIFEST} in {file_name} does not say it is a {schema.FORMAT} export.")
    version = manifest.get("version")
    if version != schema.VERSION:
        raise WorkbookError(
            f"{file_name} is a version {version!r} site export; this kpidash reads version {schema.VERSION}."
        )
    return manifest
