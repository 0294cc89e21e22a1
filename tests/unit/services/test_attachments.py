"""附件: what is accepted, what is refused and leaves nothing behind, who sees and removes what."""
from __future__ import annotations

import hashlib
import sys
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.attachment_files import JPEG, PDF, PNG, PROGRAM, docx, xlsx
from tests.factories import make_ticket
from ticketing.models import PersonalDataView, TicketAttachment, TicketStatus
from ticketing.services import attachments, tickets
from tests.virus_scanner import EICAR
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound, Unavailable, ValidationFailed

S = TicketStatus
MB = 1024 * 1024


def _attach(db, ticket, user, now, folder, name, data, *, identifies_caller=False, max_bytes=MB):
    return attachments.attach(db.session, ticket, filename=name, stream=BytesIO(data), identifies_caller=identifies_caller,
                              actor=user, now=now, folder=folder, max_bytes=max_bytes)


def _files_on_disk(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_file_is_stored_under_a_random_name_with_its_hash_and_the_upload_is_an_event(db, users, now, tmp_path):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    attachment = _attach(db, ticket, users["staff_dybz"], now, tmp_path, "住院发票.pdf", PDF)
    db.session.commit()
    assert attachment.original_name == "住院发票.pdf" and attachment.content_type == "application/pdf"
    assert attachment.size_bytes == len(PDF) and attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    stored = tmp_path / attachment.stored_name
    assert stored.read_bytes() == PDF and stored.parent.parent.name == "2026" and stored.suffix == ".pdf"
    assert "住院发票" not in attachment.stored_name  # the uploader's name never becomes a path
    # an ID-card scan is not for every account on the server (files were 0644 in 0755 folders)
    assert stored.stat().st_mode & 0o777 == 0o640 and stored.parent.stat().st_mode & 0o007 == 0
    event = ticket.events[-1]
    assert event.action == "attach" and event.note.startswith("住院发票.pdf") and event.to_status == S.ACCEPTED.value
    assert event.data["sha256"] == attachment.sha256


@pytest.mark.parametrize("name, data", [
    ("办理情况说明.docx", docx()), ("费用清单.xlsx", xlsx()), ("现场照片.JPG", JPEG), ("截图.png", PNG),
    ("来信.txt", "尊敬的领导：我市异地就医备案难。".encode("gb18030")), ("回复.txt", "已电话联系".encode()),
])
def test_the_kinds_of_file_a_centre_works_with_are_accepted(db, users, now, tmp_path, name, data):
    ticket = make_ticket(db, users, now)
    attachment = _attach(db, ticket, users["agent"], now, tmp_path, name, data)
    assert attachment.size_bytes == len(data)


@pytest.mark.parametrize("name, data, message", [
    ("发票.pdf", PROGRAM, "内容不是PDF文件"),          # a program renamed
    ("照片.jpg", PNG, "内容不是图片文件"),             # right family, wrong format: the type served would lie
    ("说明.docx", PDF, "内容不是Word文件"),
    ("记录.txt", b"\x00\x01\x02binary", "内容不是文本文件"),
    ("工具.exe", PROGRAM, "不支持“工具.exe”的文件类型"),
    ("没有扩展名", PDF, "不支持“没有扩展名”的文件类型"),
    ("空.pdf", b"", "是空文件"),
    ("大.pdf", PDF + b"0" * MB, "超过 1 MB 的上限"),
])
def test_a_refused_file_says_why_in_chinese_and_leaves_nothing_behind(db, users, now, tmp_path, name, data, message):
    ticket = make_ticket(db, users, now)
    events_before = len(ticket.events)
    with pytest.raises(ValidationFailed) as refused:
        _attach(db, ticket, users["agent"], now, tmp_path, name, data)
    assert message in refused.value.fields["file"]
    assert _files_on_disk(tmp_path) == []
    assert len(ticket.events) == events_before and ticket.attachments == []


def test_no_file_chosen_is_refused(db, users, now, tmp_path):
    ticket = make_ticket(db, users, now)
    with pytest.raises(ValidationFailed, match="请选择要上传的文件"):
        _attach(db, ticket, users["agent"], now, tmp_path, "", b"")


def test_a_name_loses_its_folders_and_the_characters_no_file_system_takes():
    assert attachments.clean_name(r"C:\Users\wang\Desktop\发票:1?.pdf") == "发票_1_.pdf"
    assert attachments.clean_name("../../etc/passwd.txt") == "passwd.txt"
    long_name = attachments.clean_name("很" * 300 + ".docx")
    assert len(long_name) == attachments.MAX_NAME_LENGTH and long_name.endswith(".docx")


def test_only_those_who_work_the_ticket_may_attach(db, users, now, tmp_path):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)  # DYBZ's
    with pytest.raises(NotFound):
        _attach(db, ticket, users["staff_cbzj"], now, tmp_path, "a.pdf", PDF)
    earlier = make_ticket(db, users, now)
    later = make_ticket(db, users, now + timedelta(minutes=5))
    tickets.merge(db.session, later, earlier, actor=users["agent"], now=now + timedelta(minutes=6))
    with pytest.raises(InvalidTransition):  # files go to the ticket it was merged into
        _attach(db, later, users["agent"], now, tmp_path, "a.pdf", PDF)
    assert _files_on_disk(tmp_path) == []
    # a closed ticket still takes the paper that arrives after it was closed
    closed = make_ticket(db, users, now, status=S.CLOSED)
    assert _attach(db, closed, users["agent"], now, tmp_path, "回访录音补充.pdf", PDF).id


def test_a_ticket_takes_a_bounded_number_of_files(db, users, now, tmp_path, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_FILES_PER_TICKET", 2)
    ticket = make_ticket(db, users, now)
    for i in range(2):
        _attach(db, ticket, users["agent"], now, tmp_path, f"{i}.pdf", PDF + str(i).encode())
    db.session.flush()
    with pytest.raises(ValidationFailed, match="最多 2 个附件"):
        _attach(db, ticket, users["agent"], now, tmp_path, "3.pdf", PDF)


def test_a_file_with_the_callers_identity_is_shown_only_to_those_who_may_see_the_caller(db, users, now, tmp_path):
    # a fraud report handled by DYBZ: the department works it without knowing who reported (§35)
    report = make_ticket(db, users, now, status=S.ACCEPTED, category="JJ", type="report")
    identity = _attach(db, report, users["agent"], now, tmp_path, "举报人身份证.jpg", JPEG, identifies_caller=True)
    evidence = _attach(db, report, users["agent"], now, tmp_path, "药店票据_举报人13912345678.pdf", PDF)
    db.session.commit()
    staff = users["staff_dybz"]
    shown, hidden = attachments.listed(db.session, staff, report)
    assert shown == [evidence] and hidden == 1
    with pytest.raises(NotAllowed, match="含来电人身份信息"):
        attachments.open_for(db.session, staff, report, identity.id, folder=tmp_path, now=now)
    found, path, name = attachments.open_for(db.session, staff, report, evidence.id, folder=tmp_path, now=now)
    assert path.read_bytes() == PDF and name == "药店票据_举报人139****5678.pdf"  # saved under a masked name
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalDataView)) == 0  # evidence is not personal

    # the history does not name it either: a file's name is often the caller's (张三身份证.jpg)
    notes = [e.note for e in report.events if e.action == "attach"]
    assert notes == ["含来电人身份信息的附件（22 B）", f"药店票据_举报人13912345678.pdf（{len(PDF)} B）"]
    found, path, name = attachments.open_for(db.session, users["agent"], report, identity.id, folder=tmp_path, now=now)
    assert name == "举报人身份证.jpg"
    db.session.commit()
    view = db.session.scalars(sa.select(PersonalDataView)).one()
    assert (view.user_id, view.via, view.ticket_id) == (users["agent"].id, "attachment", report.id)
    assert attachments.listed(db.session, users["agent"], report) == ([identity, evidence], 0)


def test_a_missing_file_on_disk_is_a_clear_not_found(db, users, now, tmp_path):
    ticket = make_ticket(db, users, now)
    attachment = _attach(db, ticket, users["agent"], now, tmp_path, "说明.pdf", PDF)
    (tmp_path / attachment.stored_name).unlink()
    with pytest.raises(NotFound, match="说明.pdf"):
        attachments.open_for(db.session, users["agent"], ticket, attachment.id, folder=tmp_path, now=now)


def test_removal_by_the_uploader_or_a_supervisor_hides_the_file_keeps_its_bytes_and_is_an_event(db, users, now, tmp_path):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    staff_file = _attach(db, ticket, users["staff_dybz"], now, tmp_path, "错传的文件.pdf", PDF)
    agent_file = _attach(db, ticket, users["agent"], now, tmp_path, "来信扫描.pdf", PDF + b"% page 2\n")
    db.session.commit()
    with pytest.raises(NotAllowed, match="只有上传人"):
        attachments.remove(db.session, ticket, agent_file.id, reason="不需要", actor=users["staff_dybz"], now=now)
    with pytest.raises(ValidationFailed, match="请填写删除原因"):
        attachments.remove(db.session, ticket, staff_file.id, reason=" ", actor=users["staff_dybz"], now=now)
    attachments.remove(db.session, ticket, staff_file.id, reason="传错了工单", actor=users["staff_dybz"], now=now)
    attachments.remove(db.session, ticket, agent_file.id, reason="重复", actor=users["supervisor"], now=now)
    db.session.commit()
    assert attachments.listed(db.session, users["agent"], ticket) == ([], 0)
    assert all((tmp_path / a.stored_name).exists() for a in (staff_file, agent_file))
    assert staff_file.removed_by_id == users["staff_dybz"].id and staff_file.removed_at is not None
    removals = [e for e in ticket.events if e.action == "remove_attachment"]
    assert [e.note for e in removals] == ["错传的文件.pdf：传错了工单", "来信扫描.pdf：重复"]
    with pytest.raises(NotFound, match="已删除"):
        attachments.open_for(db.session, users["agent"], ticket, staff_file.id, folder=tmp_path, now=now)
    assert db.session.get(TicketAttachment, staff_file.id) is not None


def test_the_same_file_twice_on_one_ticket_is_refused_but_may_go_on_another(db, users, now, tmp_path):
    ticket, other = make_ticket(db, users, now), make_ticket(db, users, now)
    _attach(db, ticket, users["agent"], now, tmp_path, "发票.pdf", PDF)
    with pytest.raises(ValidationFailed) as refused:
        _attach(db, ticket, users["agent"], now, tmp_path, "发票(1).pdf", PDF)
    assert refused.value.fields["file"] == "“发票(1).pdf”与已有附件“发票.pdf”内容相同，未重复上传"
    assert len(_files_on_disk(tmp_path)) == 1
    assert _attach(db, other, users["agent"], now, tmp_path, "发票.pdf", PDF).sha256 == hashlib.sha256(PDF).hexdigest()


# ---- the centre's virus scanner (ATTACHMENT_SCAN_COMMAND), here tests/virus_scanner.py with ClamAV's contract ----

SCANNER = (sys.executable, str(Path(__file__).resolve().parents[2] / "virus_scanner.py"))


def _scanned(db, ticket, user, now, folder, name, data, command=SCANNER, timeout=20):
    return attachments.attach(db.session, ticket, filename=name, stream=BytesIO(data), identifies_caller=False,
                              actor=user, now=now, folder=folder, max_bytes=MB, scan_command=command,
                              scan_timeout=timeout)


def test_a_clean_file_passes_the_scan_and_an_infected_one_is_refused_and_not_kept(db, users, now, tmp_path):
    ticket = make_ticket(db, users, now)
    kept = _scanned(db, ticket, users["agent"], now, tmp_path, "来信.txt", "尊敬的领导：".encode())
    assert _files_on_disk(tmp_path) == [tmp_path / kept.stored_name]
    with pytest.raises(ValidationFailed) as refused:
        _scanned(db, ticket, users["agent"], now, tmp_path, "发票.txt", b"receipt " + EICAR)
    assert refused.value.fields["file"] == "“发票.txt”未通过病毒检查（Win.Test.EICAR_HDB-1 FOUND），未保存"
    assert _files_on_disk(tmp_path) == [tmp_path / kept.stored_name]  # nothing of the infected file is left
    assert [a.original_name for a in ticket.attachments] == ["来信.txt"]


@pytest.mark.parametrize("data, command, timeout", [
    (b"SCANNER-FAULT", SCANNER, 20),                      # the scanner's database is broken: exit 2
    (b"SCANNER-HANGS", SCANNER, 1),                       # it does not answer in time
    (b"plain text", ("/nonexistent/clamdscan",), 20),      # it is not installed where configured
])
def test_a_scanner_that_fails_refuses_the_file_with_a_message_to_try_again(db, users, now, tmp_path, data, command, timeout):
    ticket = make_ticket(db, users, now)
    with pytest.raises(Unavailable) as refused:
        _scanned(db, ticket, users["agent"], now, tmp_path, "说明.txt", data, command=command, timeout=timeout)
    assert refused.value.http_status == 503 and "请稍后重试" in refused.value.fields["file"]
    assert _files_on_disk(tmp_path) == [] and ticket.attachments == []


def test_the_path_goes_where_the_command_says(db, users, now, tmp_path):
    ticket = make_ticket(db, users, now)
    command = ("sh", "-c", 'grep -q EICAR "$1" && echo "$1: FOUND" && exit 1; exit 0', "scan", "{path}")
    _scanned(db, ticket, users["agent"], now, tmp_path, "a.txt", b"fine")
    with pytest.raises(ValidationFailed, match="未通过病毒检查"):
        _scanned(db, ticket, users["agent"], now, tmp_path, "b.txt", EICAR, command=command)


def test_the_scan_settings_come_from_the_configuration(tmp_path):
    settings = attachments.upload_settings({"ATTACHMENT_DIR": str(tmp_path), "ATTACHMENT_MAX_MB": 2,
                                            "ATTACHMENT_SCAN_COMMAND": "clamdscan --no-summary --fdpass '{path}'",
                                            "ATTACHMENT_SCAN_TIMEOUT": 30})
    assert settings == {"folder": tmp_path, "max_bytes": 2 * MB, "scan_timeout": 30,
                        "scan_command": ("clamdscan", "--no-summary", "--fdpass", "{path}")}
    assert attachments.upload_settings({"ATTACHMENT_DIR": "x", "ATTACHMENT_MAX_MB": 1})["scan_command"] == ()


def test_a_folder_that_cannot_be_written_refuses_the_file_as_unavailable(db, users, now, tmp_path, monkeypatch):
    """Read-only, full or gone: a 503 with a message (it was an OSError, a 500), and nothing half-written is kept."""
    ticket = make_ticket(db, users, now)
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"x")
    with pytest.raises(Unavailable) as refused:
        _attach(db, ticket, users["agent"], now, blocked, "说明.pdf", PDF)
    assert refused.value.http_status == 503 and "附件目录暂不可写" in refused.value.fields["file"]

    def full(stream, path, max_bytes):
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(attachments, "_write_limited", full)
    with pytest.raises(Unavailable):
        _attach(db, ticket, users["agent"], now, tmp_path / "files", "说明.pdf", PDF)
    assert _files_on_disk(tmp_path / "files") == [] and ticket.attachments == []
