"""Files attached to orders (tender documents), listings (product sheets) and contracts (contract files).

Uploads are held to a size limit (ATTACHMENT_MAX_BYTES) and a list of types: the name's extension must
be one of ALLOWED and the first bytes must be what that type starts with, so a renamed program is
refused. The bytes are stored under the attachment folder (ATTACHMENT_DIR, by default `attachments/` in
the instance folder) under a random name; the name as uploaded is kept only in the database.

Who may upload: the firm that owns the order or listing, either side of a contract. Who may download:
whoever may read the order or listing (qianfan.market.pages), either side of a contract, staff.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Contract, Listing, Order, User
from models.errors import Forbidden, NotFound, ValidationError
from models.market import ATTACHMENT_TARGETS, Attachment
from qianfan.market.pages import may_read_listing, may_read_order

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PER_TARGET = 20
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc / .xls (Office 97-2003)
_ZIP = (b"PK\x03\x04",)
# extension -> (content type served, accepted first bytes; None: plain text, checked as UTF-8/GB18030)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "doc": ("application/msword", (_OLE,)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xls": ("application/vnd.ms-excel", (_OLE,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "zip": ("application/zip", _ZIP),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "txt": ("text/plain; charset=utf-8", None),
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def attachment_root(settings: Mapping) -> Path:
    """The folder attachments are stored in: ATTACHMENT_DIR, or `attachments/` of the instance folder."""
    configured = settings.get("ATTACHMENT_DIR")
    if configured:
        return Path(configured)
    from qianfan.config import instance_dir

    return instance_dir() / "attachments"


def max_bytes(settings: Mapping) -> int:
    return int(settings.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def clean_filename(name: str) -> str:
    """The uploaded name without folders or characters a file system or a header would trip on."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else name[:150]
    return name


def _target(session: Session, kind: str, target_id: int):
    model = {"order": Order, "listing": Listing, "contract": Contract}.get(kind)
    target = session.get(model, target_id) if model else None
    if target is None:
        raise NotFound("No %(kind)s %(id)s is open to you.", kind=kind, id=target_id)
    return target


def may_read(session: Session, user: User, kind: str, target) -> bool:
    if kind == "order":
        return may_read_order(session, user, target)
    if kind == "listing":
        return may_read_listing(session, user, target)
    return user.is_staff or user.company_id in (target.buyer_id, target.supplier_id)


def _owner_ids(kind: str, target) -> tuple[int | None, ...]:
    if kind == "order":
        return (target.buyer_id,)
    if kind == "listing":
        return (target.supplier_id,)
    return (target.buyer_id, target.supplier_id)


def may_upload(user: User, kind: str, target) -> bool:
    return not user.is_staff and user.company_id is not None and user.company_id in _owner_ids(kind, target)


def readable_target(session: Session, user: User, kind: str, target_id: int):
    """The order, listing or contract if `user` may read it; otherwise NotFound."""
    if kind not in ATTACHMENT_TARGETS:
        raise NotFound("No %(kind)s %(id)s is open to you.", kind=kind, id=target_id)
    target = _target(session, kind, target_id)
    if not may_read(session, user, kind, target):
        raise NotFound("No %(kind)s %(id)s is open to you.", kind=kind, id=target_id)
    return target


def list_attachments(session: Session, kind: str, target_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.target_kind == kind, Attachment.target_id == target_id)
            .order_by(Attachment.id)
        )
    )


def _check_content(ext: str, head: bytes) -> None:
    content_type, starts = ALLOWED[ext]
    if starts is None:
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
            except UnicodeDecodeError as err:
                if err.start >= len(head) - 4:  # a character cut at the end of what was read
                    return
                continue
            if b"\x00" not in head:
                return
        raise ValidationError("The file is not plain text.", field="file")
    if not head.startswith(starts):
        raise ValidationError(
            "The file's content is not a .%(ext)s file: check that it is the right file.",
            field="file", ext=ext,
        )  # fmt: skip


def save_attachment(
    session: Session,
    user: User,
    kind: str,
    target_id: int,
    filename: str,
    stream: BinaryIO | None,
    *,
    root: Path,
    limit: int = DEFAULT_MAX_BYTES,
) -> Attachment:
    """Check and store one uploaded file for the order, listing or contract; the caller commits."""
    target = readable_target(session, user, kind, target_id)
    if not may_upload(user, kind, target):
        raise Forbidden("Only the firm that posted it, or a side of the contract, can attach files.")
    name = clean_filename(filename)
    if stream is None or not name:
        raise ValidationError("Choose a file to upload.", field="file")
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError(
            "Files of this type cannot be attached; allowed: %(types)s.",
            field="file", types="、".join(sorted(ALLOWED)),
        )  # fmt: skip
    if len(list_attachments(session, kind, target_id)) >= MAX_PER_TARGET:
        raise ValidationError("At most %(limit)s files can be attached here.", field="file", limit=MAX_PER_TARGET)
    data = stream.read(limit + 1)
    if not data:
        raise ValidationError("The file is empty.", field="file")
    if len(data) > limit:
        megabytes = "%g" % (limit / 1024 / 1024)
        raise ValidationError("The file is larger than %(limit)s MB.", field="file", limit=megabytes)
    _check_content(ext, data[:4096])
    root.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.{ext}"
    path = root / stored_name
    with open(path, "xb") as handle:
        handle.write(data)
    attachment = Attachment(
        target_kind=kind, target_id=target_id, filename=name, stored_name=stored_name,
        content_type=ALLOWED[ext][0], size_bytes=len(data), uploaded_by_id=user.id,
    )  # fmt: skip
    session.add(attachment)
    try:
        session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return attachment


def attachment_for_reader(session: Session, user: User, attachment_id: int, *, root: Path):
    """(attachment, its file's path) if `user` may read what it is attached to; otherwise NotFound."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("No file %(id)s is open to you.", id=attachment_id)
    try:
        readable_target(session, user, attachment.target_kind, attachment.target_id)
    except NotFound:
        raise NotFound("No file %(id)s is open to you.", id=attachment_id) from None
    path = root / attachment.stored_name
    if not path.is_file():
        raise NotFound("The file %(name)s is missing from the server; ask staff.", name=attachment.filename)
    return attachment, path


def delete_attachment(session: Session, user: User, attachment_id: int, *, root: Path) -> Attachment:
    """Remove a file: only the firm that may upload to its order, listing or contract."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("No file %(id)s is open to you.", id=attachment_id)
    target = readable_target(session, user, attachment.target_kind, attachment.target_id)
    if not may_upload(user, attachment.target_kind, target):
        raise Forbidden("Only the firm that posted it, or a side of the contract, can remove files.")
    session.delete(attachment)
    session.flush()
    (root / attachment.stored_name).unlink(missing_ok=True)
    return attachment
