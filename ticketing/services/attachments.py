"""附件: files kept with a ticket, checked, stored on disk, every upload and removal an event.

A citizen's receipts and ID card, a department's 办理材料, a scanned petition
letter, a call recording. A file is accepted only when its extension is one a
centre works with and its first bytes say it is that kind of file (the
`filetype` package reads the signatures), so a program renamed to .pdf is
refused. Browsers show PDFs and images inline; everything else downloads.

A file marked as holding the caller's identity is shown only to those who may
see the caller (privacy.may_see_caller), and each download of it is logged as a
personal-data view, like the caller panel.

The bytes live under ``folder/YYYY/MM/<random>.<ext>``. Several gunicorn
workers share the folder; several servers need it on shared storage.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shlex
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import filetype
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.extensions import no_transaction_held
from ticketing.models import Role, Ticket, TicketAttachment, User
from ticketing.services import locks, privacy
from ticketing.services.errors import NotAllowed, NotFound, Unavailable, ValidationFailed
from ticketing.services.validation import mask_numbers_in_text
from ticketing.services.workflow import Action, check, transition

log = logging.getLogger("ticketing.attachments")

CHUNK = 1024 * 1024
MAX_NAME_LENGTH = 120
MAX_FILES_PER_TICKET = 30


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    signatures: frozenset[str]  # what filetype may report for it; empty: text, checked by decoding


def _kind(label: str, content_type: str, *signatures: str) -> FileKind:
    return FileKind(label, content_type, frozenset(signatures))


# Office files made by WPS or older tools are sometimes only recognisable as a zip or an OLE container
_OLE = ("doc", "xls", "ppt")
KINDS: dict[str, FileKind] = {
    ".pdf": _kind("PDF", "application/pdf", "pdf"),
    ".ofd": _kind("OFD", "application/ofd", "zip"),
    ".jpg": _kind("图片", "image/jpeg", "jpg"),
    ".jpeg": _kind("图片", "image/jpeg", "jpg"),
    ".png": _kind("图片", "image/png", "png", "apng"),
    ".gif": _kind("图片", "image/gif", "gif"),
    ".bmp": _kind("图片", "image/bmp", "bmp"),
    ".webp": _kind("图片", "image/webp", "webp"),
    ".tif": _kind("图片", "image/tiff", "tif"),
    ".tiff": _kind("图片", "image/tiff", "tif"),
    ".heic": _kind("图片", "image/heic", "heic"),
    ".doc": _kind("Word", "application/msword", *_OLE),
    ".docx": _kind("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "zip"),
    ".xls": _kind("Excel", "application/vnd.ms-excel", *_OLE),
    ".xlsx": _kind("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "zip"),
    ".wps": _kind("WPS", "application/vnd.ms-works", *_OLE),
    ".txt": _kind("文本", "text/plain; charset=utf-8", ),
    ".mp3": _kind("录音", "audio/mpeg", "mp3"),
    ".wav": _kind("录音", "audio/wav", "wav"),
    ".amr": _kind("录音", "audio/amr", "amr"),
    ".m4a": _kind("录音", "audio/mp4", "m4a", "mp4"),
}
# shown in the browser rather than downloaded; served with their own type and nosniff
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"})
ACCEPTED_LIST = "PDF、OFD、图片（JPG、PNG、GIF、BMP、WEBP、TIF、HEIC）、Word、Excel、WPS、TXT、录音（MP3、WAV、AMR、M4A）"
ACCEPT_ATTRIBUTE = ",".join(KINDS)  # for <input type=file accept=…>

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\/:*?\"<>|]")


def clean_name(filename: str | None) -> str:
    """The name as the uploader's computer had it, without folders or characters no file system takes."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME_LENGTH - len(ext)] + ext
    return name


def _is_text(path: Path) -> bool:
    data = path.read_bytes()
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _content_matches(path: Path, kind: FileKind) -> bool:
    if not kind.signatures:
        return _is_text(path)
    guessed = filetype.guess(str(path))
    return guessed is not None and guessed.extension in kind.signatures


# ID-card scans and letters: readable by the app's own user (and its group, for a backup or a scanner
# daemon), not by every account on the server (they were 0644 in 0755 folders)
FILE_MODE, FOLDER_MODE = 0o640, 0o750


def _write_limited(stream: BinaryIO, target: Path, max_bytes: int) -> tuple[int, str]:
    """Copy at most max_bytes + 1 bytes; return the size and SHA-256. The caller checks the size."""
    digest, size = hashlib.sha256(), 0
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "wb") as out:
        while size <= max_bytes:
            chunk = stream.read(min(CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def folder_of(config: Mapping) -> Path:
    """Where the files are kept (ATTACHMENT_DIR), for pages, the API and `flask check-attachments` alike."""
    return Path(config["ATTACHMENT_DIR"])


def upload_settings(config: Mapping) -> dict:
    """`attach`'s storage and checking arguments from the application's configuration (pages and API)."""
    return {
        "folder": folder_of(config),
        "max_bytes": config["ATTACHMENT_MAX_MB"] * 1024 * 1024,
        "scan_command": tuple(shlex.split(config.get("ATTACHMENT_SCAN_COMMAND") or "")),
        "scan_timeout": config.get("ATTACHMENT_SCAN_TIMEOUT", 60),
    }


def scan(path: Path, name: str, command: Sequence[str], *, timeout: float) -> None:
    """Run the centre's virus scanner on one stored upload (ATTACHMENT_SCAN_COMMAND).

    The command follows ClamAV's convention (clamscan, clamdscan): exit 0 clean, 1 infected, anything
    else an error. ``{path}`` in the command stands for the file; without it the path is appended.
    An infected file is refused with the scanner's finding; a scanner that fails, is missing or
    takes longer than ``timeout`` seconds refuses the file too (fail closed), with a message to try again.
    """
    args = [part.replace("{path}", str(path)) for part in command]
    if not any("{path}" in part for part in command):
        args.append(str(path))
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.error("virus scan of %s could not run: %s", path, error)
        raise Unavailable("病毒检查暂不可用，文件未保存",
                          fields={"file": f"“{name}”未能完成病毒检查，未保存；请稍后重试，或联系系统管理员"}) from None
    output = (done.stdout or b"").decode("utf-8", "replace").strip()
    if done.returncode == 1:
        finding = output.splitlines()[-1] if output else "发现病毒"
        finding = finding.replace(str(path), "").lstrip(": ").strip() or "发现病毒"
        log.warning("virus scan refused %r (%s): %s", mask_numbers_in_text(name), path, finding)
        raise ValidationFailed("文件未通过病毒检查",
                               fields={"file": f"“{name}”未通过病毒检查（{finding}），未保存"})
    if done.returncode != 0:
        log.error("virus scan of %s failed with exit %s: %s %s", path, done.returncode, output,
                  (done.stderr or b"").decode("utf-8", "replace").strip())
        raise Unavailable("病毒检查出错，文件未保存",
                          fields={"file": f"“{name}”的病毒检查出错，未保存；请稍后重试，或联系系统管理员"})


def _storage_unavailable(name: str, error: OSError) -> Unavailable:
    """The attachments folder cannot be written (read-only, full, shared storage gone): the file is refused with a
    message, and what was saved before it (a call just registered) stays; it was a 500 after the ticket was saved,
    and agents registered the call again (a README walk-through)."""
    log.error("attachment not stored, the attachments folder cannot be written: %s", error)
    return Unavailable("附件存储暂不可用，文件未保存",
                       fields={"file": f"“{name}”未保存：附件目录暂不可写，请稍后在工单页重新上传，并告知系统管理员"})


def attach(
    session: Session,
    ticket: Ticket,
    *,
    filename: str | None,
    stream: BinaryIO,
    identifies_caller: bool,
    actor: User | None,
    now: datetime,
    folder: Path,
    max_bytes: int,
    scan_command: Sequence[str] = (),
    scan_timeout: float = 60,
    via: str | None = None,
) -> TicketAttachment:
    """Check and store one file with the ticket, and record the upload. The caller commits; with ``scan_command``,
    what the transaction did before is committed first (the scanner runs with no transaction open).

    ``actor`` None: a channel's system sent it with the ticket (an API channel token), which ``via`` names.
    ``scan_command``: the virus scanner every file must pass before it is kept (`scan`); none by default.

    Nothing is left on disk when the file is refused; if the caller's commit fails,
    it calls `discard_file` for the row this returned.
    """
    _may_attach(session, ticket, actor)
    name = clean_name(filename)
    if not name:
        raise ValidationFailed("请选择要上传的文件", fields={"file": "请选择要上传的文件"})
    extension = os.path.splitext(name)[1].lower()
    kind = KINDS.get(extension)
    if kind is None:
        shown = extension or "无扩展名"
        raise ValidationFailed(f"不支持的文件类型（{shown}）",
                               fields={"file": f"不支持“{name}”的文件类型，可上传：{ACCEPTED_LIST}"})
    day_folder = Path(f"{now:%Y}") / f"{now:%m}"
    try:
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        for part in (folder / day_folder.parent, folder / day_folder):
            part.mkdir(mode=FOLDER_MODE, exist_ok=True)
    except OSError as error:
        raise _storage_unavailable(name, error) from error
    stored_name = (day_folder / f"{uuid.uuid4().hex}{extension}").as_posix()
    path = folder / stored_name
    try:
        try:
            size, sha256 = _write_limited(stream, path, max_bytes)
        except OSError as error:
            raise _storage_unavailable(name, error) from error
        if size == 0:
            raise ValidationFailed("文件为空", fields={"file": f"“{name}”是空文件"})
        if size > max_bytes:
            raise ValidationFailed("文件过大", fields={"file": f"“{name}”超过 {max_bytes // (1024 * 1024)} MB 的上限"})
        if not _content_matches(path, kind):
            raise ValidationFailed("文件内容与扩展名不符",
                                   fields={"file": f"“{name}”的内容不是{kind.label}文件（{extension}），请检查后重新上传"})
        _not_there_yet(ticket, name, sha256)
        if scan_command:
            ticket_id = ticket.id
            with no_transaction_held(session):  # a scanner taking a minute held every other user's save meanwhile
                scan(path, name, scan_command, timeout=scan_timeout)
            # checked again with the ticket held once more: the same file sent twice during the scan was stored
            # twice, and a ticket closed meanwhile took it (a diff review)
            ticket = locks.lock_for_change(session, session.get(Ticket, ticket_id))
            _may_attach(session, ticket, actor)
            _not_there_yet(ticket, name, sha256)
    except BaseException:
        # a store gone read-only refuses the clean-up too, which replaced the clear 附件存储暂不可用 with a 500
        # after the call was saved (a resilience review)
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        raise
    attachment = TicketAttachment(
        ticket=ticket, original_name=name, stored_name=stored_name, content_type=kind.content_type,
        size_bytes=size, sha256=sha256, identifies_caller=identifies_caller,
        uploaded_by_id=actor.id if actor is not None else None, created_at=now,
    )
    session.add(attachment)
    session.flush()  # its id, for the event and the caller
    transition(ticket, Action.ATTACH, actor=actor, now=now,
               note=f"{_shown_name(attachment)}（{attachment.size_label}）" + (f"；{via}" if via else ""),
               data={"attachment_id": attachment.id, "size": size, "sha256": sha256, "identifies_caller": identifies_caller,
                     **({"via": via} if via else {})})
    return attachment


def _may_attach(session: Session, ticket: Ticket, actor: User | None) -> None:
    check(actor, ticket, Action.ATTACH)
    if count_for(session, ticket) >= MAX_FILES_PER_TICKET:
        raise ValidationFailed(f"每件工单最多 {MAX_FILES_PER_TICKET} 个附件",
                               fields={"file": f"本工单已有 {MAX_FILES_PER_TICKET} 个附件，请先删除不需要的"})


def _not_there_yet(ticket: Ticket, name: str, sha256: str) -> None:
    same = next((a for a in ticket.attachments if a.sha256 == sha256 and a.removed_at is None), None)
    if same is not None:
        # the other file's name masked (a reporter's number in it), whoever uploads: the message is an answer
        # to one who may not see the caller as often as to one who may
        shown = mask_numbers_in_text(_shown_name(same))
        raise ValidationFailed("文件已上传过", fields={"file": f"“{name}”与已有附件“{shown}”内容相同，未重复上传"})


def _shown_name(attachment: TicketAttachment) -> str:
    """How the history names a file: one that identifies the caller is not named (its name may be theirs)."""
    return "含来电人身份信息的附件" if attachment.identifies_caller else attachment.original_name


def discard_file(folder: Path, attachment: TicketAttachment) -> None:
    """Remove the bytes of an upload whose row was never committed."""
    (folder / attachment.stored_name).unlink(missing_ok=True)


def may_see(session: Session, user: User, ticket: Ticket, attachment: TicketAttachment) -> bool:
    return not attachment.identifies_caller or privacy.may_see_caller(session, user, ticket)


def listed(session: Session, user: User, ticket: Ticket) -> tuple[list[TicketAttachment], int]:
    """The ticket's files this user may open, and how many more it holds that only others may."""
    current = [a for a in ticket.attachments if a.removed_at is None]
    shown = [a for a in current if may_see(session, user, ticket, a)]
    return shown, len(current) - len(shown)


def _find(ticket: Ticket, attachment_id: int) -> TicketAttachment:
    attachment = next((a for a in ticket.attachments if a.id == attachment_id), None)
    if attachment is None or attachment.removed_at is not None:
        raise NotFound("附件不存在或已删除")
    return attachment


def open_for(
    session: Session, user: User, ticket: Ticket, attachment_id: int, *, folder: Path, now: datetime, via: str = "attachment",
) -> tuple[TicketAttachment, Path, str]:
    """The file for someone who may see the ticket, and the name to save it under; a file holding the
    caller's identity is logged. The name is masked like the link to it (a scan named after the
    reporter's phone number) for those who may not see the caller."""
    attachment = _find(ticket, attachment_id)
    if not may_see(session, user, ticket, attachment):
        raise NotAllowed("该附件含来电人身份信息，您无权查看")
    shows_caller = privacy.may_see_caller(session, user, ticket)
    name = attachment.original_name if shows_caller else mask_numbers_in_text(attachment.original_name)
    path = folder / attachment.stored_name
    if not path.is_file():
        raise NotFound(f"附件“{name}”的文件已不在存储目录中，请联系系统管理员")
    if attachment.identifies_caller:
        privacy.log_view(session, user, ticket, now=now, via=via)
    return attachment, path, name


def sent_copy(attachment: TicketAttachment, *, folder: Path) -> tuple[Path, str]:
    """A file sent with a reply, for those outside the centre who receive it (the ticket's channel, the citizen): where
    its bytes are, and the name to save it under, numbers masked as for anyone who may not see the caller."""
    path = folder / attachment.stored_name
    if not path.is_file():
        raise NotFound("附件的文件已不在存储目录中，请联系医保热线中心")
    return path, mask_numbers_in_text(attachment.original_name)


def may_remove(user: User, attachment: TicketAttachment) -> bool:
    """Whose file ``user`` may remove (the ticket page offers 删除 by this too): their own, or any for a supervisor
    or an administrator."""
    return attachment.uploaded_by_id == user.id or user.role_enum in (Role.SUPERVISOR, Role.ADMIN)


def remove(session: Session, ticket: Ticket, attachment_id: int, *, reason: str, actor: User, now: datetime) -> TicketAttachment:
    """Hide a file from the ticket (the uploader, a supervisor or an administrator). The bytes stay."""
    check(actor, ticket, Action.REMOVE_ATTACHMENT)
    attachment = _find(ticket, attachment_id)
    if not may_remove(actor, attachment):
        raise NotAllowed("只有上传人、班长或管理员可以删除附件")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写删除原因", fields={"reason": "请填写删除原因"})
    attachment.removed_at = now
    attachment.removed_by_id = actor.id
    transition(ticket, Action.REMOVE_ATTACHMENT, actor=actor, now=now, note=f"{_shown_name(attachment)}：{reason}",
               data={"attachment_id": attachment.id, "sha256": attachment.sha256,
                     **({"sent_with_reply": attachment.reply_id} if attachment.reply_id is not None else {})})
    if attachment.reply_id is not None:
        # it went with the reply: the channel's view changed (its reply_attachments), and its feed must say so
        ticket.updated_at = now
    return attachment


@dataclass
class StorageCheck:
    checked: int = 0
    missing: list[TicketAttachment] | None = None
    altered: list[TicketAttachment] | None = None

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered


def check_storage(session: Session, folder: Path) -> StorageCheck:
    """Every attachment's file is in ``folder`` with the SHA-256 it had when uploaded (after a restore,
    a move of ATTACHMENT_DIR, or a disk fault). Removed ones count too: their bytes are kept."""
    result = StorageCheck(missing=[], altered=[])
    for attachment in session.scalars(sa.select(TicketAttachment).order_by(TicketAttachment.id)):
        result.checked += 1
        path = folder / attachment.stored_name
        if not path.is_file():
            result.missing.append(attachment)
            continue
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
        if digest.hexdigest() != attachment.sha256:
            result.altered.append(attachment)
    return result


def counts_for(session: Session, tickets: list[Ticket]) -> dict[int, int]:
    """How many files each of a page's tickets has (one query; for the 附 mark in lists)."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    return dict(session.execute(
        sa.select(TicketAttachment.ticket_id, sa.func.count())
        .where(TicketAttachment.ticket_id.in_(ids), TicketAttachment.removed_at.is_(None))
        .group_by(TicketAttachment.ticket_id)
    ).all())


def count_for(session: Session, ticket: Ticket) -> int:
    return counts_for(session, [ticket]).get(ticket.id, 0)
