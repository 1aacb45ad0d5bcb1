"""The store of uploads awaiting confirmation: files under KPIDASH_IMPORT_DIR (var/imports), each
with a random token, its owner and a claim that lets exactly one confirm import it."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path
    file_name: str
    user_id: int
    owner: bool


def upload_store(*, uploaded_file, user, owner: bool) -> Upload:
    """Keep an upload under KPIDASH_IMPORT_DIR with a random token until it is confirmed or expires."""
    uploads_expire()
    folder = Path(settings.KPIDASH_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.upload"
    name = Path(uploaded_file.name or "upload").name[:200]
    upload = Upload(token, path, name, user.pk, owner)
    try:
        with path.open("wb") as out:
            for chunk in uploaded_file.chunks():
                out.write(chunk)
        meta = {"file_name": name, "user_id": user.pk, "owner": owner}
        (folder / f"{token}.json").write_text(json.dumps(meta))
    except BaseException:
        upload_discard(upload)  # a disk full or a dropped connection leaves no half-written upload
        raise
    return upload


def upload_load(*, token: str, user, owner: bool) -> Upload | None:
    """The user's own pending upload with this token, or None (unknown, expired, someone else's)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        return None
    folder = Path(settings.KPIDASH_IMPORT_DIR)
    meta = None
    for suffix in (".json", ".importing"):  # .importing: claimed by a confirm (`upload_claim`) under way
        try:
            meta = json.loads((folder / f"{token}{suffix}").read_text())
            break
        except (OSError, ValueError):
            continue
    if not isinstance(meta, dict):
        return None
    path = folder / f"{token}.upload"
    if meta.get("user_id") != user.pk or bool(meta.get("owner")) != owner or not path.exists():
        return None
    return Upload(token, path, meta["file_name"], user.pk, owner)


def upload_claim(upload: Upload) -> bool:
    """Take a pending upload to import it: True for exactly one of any number of simultaneous confirms.

    The claim renames the upload's .json file, which is atomic (the
    filesystem's conditional update): only one rename of a file succeeds, and
    every other confirm then finds it gone, as it would once the import is done.
    """
    meta = upload.path.with_suffix(".json")
    try:
        meta.rename(upload.path.with_suffix(".importing"))
    except FileNotFoundError:
        return False
    return True


def upload_release(upload: Upload) -> None:
    """Give a claimed upload back (it was refused only for want of a reason), so it can be confirmed again."""
    upload.path.with_suffix(".importing").rename(upload.path.with_suffix(".json"))


def upload_discard(upload: Upload) -> None:
    for suffix in (".upload", ".json", ".importing"):
        upload.path.with_suffix(suffix).unlink(missing_ok=True)


def uploads_expire() -> int:
    """Delete uploads older than KPIDASH_IMPORT_MAX_AGE seconds; returns how many files went."""
    folder = Path(settings.KPIDASH_IMPORT_DIR)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - settings.KPIDASH_IMPORT_MAX_AGE
    removed = 0
    for path in folder.iterdir():
        if path.suffix not in (".upload", ".json", ".importing"):
            continue
        try:
            expired = path.stat().st_mtime < cutoff
        except FileNotFoundError:  # discarded by another request meanwhile
            continue
        if expired:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
