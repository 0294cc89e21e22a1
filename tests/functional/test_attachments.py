"""附件 on the ticket page: upload several at once, open, remove, and the Chinese messages when refused."""
from __future__ import annotations

import hashlib
import sys
from io import BytesIO
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.attachment_files import JPEG, PDF, PROGRAM, docx
from tests.factories import make_ticket
from tests.virus_scanner import EICAR
from tests.virus_scanner import __file__ as SCANNER_SCRIPT
from ticketing.models import TicketAttachment, TicketStatus

S = TicketStatus


@pytest.fixture(autouse=True)
def attachment_dir(app, tmp_path):
    before = dict(app.config)
    app.config.update(ATTACHMENT_DIR=str(tmp_path), ATTACHMENT_MAX_MB=1)
    yield tmp_path
    app.config.update({k: before[k] for k in ("ATTACHMENT_DIR", "ATTACHMENT_MAX_MB")})


def _upload(client, ticket, *files, identifies_caller=False):
    data = {"file": [(BytesIO(content), name) for name, content in files]}
    if identifies_caller:
        data["identifies_caller"] = "1"
    return client.post(f"/tickets/{ticket.number}/attachments", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def _stored(db):
    return db.session.scalars(sa.select(TicketAttachment).order_by(TicketAttachment.id)).all()


def test_staff_upload_several_files_and_one_refused_file_does_not_lose_the_others(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    html = _upload(client, ticket, ("办理情况说明.docx", docx()), ("病毒.pdf", PROGRAM), ("现场照片.jpg", JPEG)
                   ).get_data(as_text=True)
    assert "已上传附件：办理情况说明.docx、现场照片.jpg" in html
    assert "“病毒.pdf”的内容不是PDF文件（.pdf），请检查后重新上传" in html
    assert [a.original_name for a in _stored(db)] == ["办理情况说明.docx", "现场照片.jpg"]
    assert "附件（2）" in html and "上传附件" in html
    assert html.count("上传附件") >= 3  # the form and two 上传附件 rows in 办理记录


def test_a_pdf_opens_in_the_browser_and_a_word_file_downloads_under_its_own_name(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("agent")
    _upload(client, ticket, ("住院发票.pdf", PDF), ("说明.docx", docx()))
    pdf, word = _stored(db)
    with client.get(f"/tickets/{ticket.number}/attachments/{pdf.id}") as response:  # closes the served file
        assert response.status_code == 200 and response.data == PDF and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("inline")
        assert quote("住院发票.pdf") in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
    with client.get(f"/tickets/{ticket.number}/attachments/{word.id}") as response:
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert hashlib.sha256(response.data).hexdigest() == word.sha256 and len(response.data) == word.size_bytes


def test_another_department_cannot_see_or_open_the_files(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)  # DYBZ's
    db.session.commit()
    auth.login("agent")
    _upload(client, ticket, ("发票.pdf", PDF))
    auth.logout()
    auth.login("staff_cbzj")
    (attachment,) = _stored(db)
    assert client.get(f"/tickets/{ticket.number}/attachments/{attachment.id}").status_code == 404
    assert client.post(f"/tickets/{ticket.number}/attachments", data={"file": (BytesIO(PDF), "x.pdf")},
                       content_type="multipart/form-data").status_code == 404
    assert len(_stored(db)) == 1


def test_a_file_with_the_reporters_identity_is_hidden_from_the_department_that_handles_the_report(db, client, users, auth, now):
    report = make_ticket(db, users, now, status=S.ACCEPTED, category="JJ", type="report")
    db.session.commit()
    auth.login("agent")
    _upload(client, report, ("举报人身份证.jpg", JPEG), identifies_caller=True)
    _upload(client, report, ("票据.pdf", PDF))
    identity, evidence = _stored(db)
    assert identity.identifies_caller and not evidence.identifies_caller
    auth.logout()
    auth.login("staff_dybz")
    html = client.get(f"/tickets/{report.number}").get_data(as_text=True)
    assert "票据.pdf" in html and "举报人身份证.jpg" not in html
    assert "另有 1 个含来电人身份信息的附件" in html
    response = client.get(f"/tickets/{report.number}/attachments/{identity.id}")
    assert response.status_code == 403 and "该附件含来电人身份信息，您无权查看" in response.get_data(as_text=True)


def test_removing_needs_a_reason_and_the_removed_file_is_gone_from_the_page(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    _upload(client, ticket, ("传错的.pdf", PDF))
    (attachment,) = _stored(db)
    url = f"/tickets/{ticket.number}/attachments/{attachment.id}"
    html = client.post(f"{url}/remove", data={"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "请填写删除原因" in html and "传错的.pdf</a>" in html
    html = client.post(f"{url}/remove", data={"reason": "传错了工单"}, follow_redirects=True).get_data(as_text=True)
    assert "已删除附件：传错的.pdf" in html and "传错的.pdf：传错了工单" in html and "无附件。" in html
    response = client.get(url)
    assert response.status_code == 404 and "附件不存在或已删除" in response.get_data(as_text=True)


def test_refusals_come_back_as_chinese_messages_on_the_page(db, client, users, auth, now):
    ticket = make_ticket(db, users, now)
    db.session.commit()
    auth.login("agent")
    html = client.post(f"/tickets/{ticket.number}/attachments", data={}, content_type="multipart/form-data",
                       follow_redirects=True).get_data(as_text=True)
    assert "请选择要上传的文件" in html
    html = _upload(client, ticket, ("大文件.pdf", PDF + b"0" * (1024 * 1024))).get_data(as_text=True)
    assert "“大文件.pdf”超过 1 MB 的上限" in html
    html = _upload(client, ticket, ("setup.exe", PROGRAM)).get_data(as_text=True)
    assert "不支持“setup.exe”的文件类型，可上传：PDF" in html
    assert _stored(db) == []


def test_files_chosen_on_the_call_form_are_kept_with_the_new_ticket_and_a_refused_one_loses_nothing(db, client, users, auth):
    auth.login("agent")
    data = {"caller_phone": "13912345678", "channel": "letter", "type": "complaint", "urgency": "normal",
            "content": "来信反映：县医院住院费用报销比例低于政策规定，附来信扫描件和发票", "submit": "save",
            "file": [(BytesIO(PDF), "来信扫描.pdf"), (BytesIO(PROGRAM), "发票.jpg")], "identifies_caller": "1"}
    html = client.post("/agent/calls/new", data=data, content_type="multipart/form-data",
                       follow_redirects=True).get_data(as_text=True)
    (attachment,) = _stored(db)
    ticket = attachment.ticket
    assert f"已登记 {ticket.number}" in html and "已上传附件：来信扫描.pdf" in html
    assert "“发票.jpg”的内容不是图片文件" in html  # said at once; the ticket and the good file are saved
    assert attachment.identifies_caller and ticket.content.startswith("来信反映")
    assert 'enctype="multipart/form-data"' in client.get("/agent/calls/new").get_data(as_text=True)


def test_check_attachments_finds_missing_and_altered_files(app, db, users, now, attachment_dir):
    from ticketing.services import attachments as service

    ticket = make_ticket(db, users, now)
    kept, lost, changed = (service.attach(db.session, ticket, filename=name, stream=BytesIO(PDF + name.encode()),
                                          identifies_caller=False, actor=users["agent"], now=now, folder=attachment_dir,
                                          max_bytes=1024 * 1024) for name in ("a.pdf", "b.pdf", "c.pdf"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["check-attachments"])
    assert result.exit_code == 0 and "已检查 3 个附件：缺失 0，内容已变 0" in result.output
    (attachment_dir / lost.stored_name).unlink()
    (attachment_dir / changed.stored_name).write_bytes(b"%PDF-1.4 overwritten")
    result = runner.invoke(args=["check-attachments"])
    assert result.exit_code == 1
    assert f"缺失：工单 {ticket.number} 附件 #{lost.id}「b.pdf」" in result.output
    assert f"内容已变（SHA-256 不符）：工单 {ticket.number} 附件 #{changed.id}「c.pdf」" in result.output
    assert f"附件 #{kept.id}「" not in result.output  # the intact one is not listed


def test_a_request_over_the_overall_limit_is_refused_with_a_message_and_back_to_the_form(app, db, client, users, auth, now):
    ticket = make_ticket(db, users, now)
    db.session.commit()
    auth.login("agent")
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        page = f"http://localhost/tickets/{ticket.number}"
        response = client.post(f"/tickets/{ticket.number}/attachments", headers={"Referer": page},
                               data={"file": (BytesIO(PDF + b"0" * 4096), "大.pdf")}, content_type="multipart/form-data")
        assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{ticket.number}"
        html = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "上传的内容过大：一次最多 200 MB，单个附件不超过 1 MB。请分几次上传。" in html
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert _stored(db) == []
    assert app.config["MAX_CONTENT_LENGTH"] == 200 * 1024 * 1024  # REQUEST_MAX_MB


def test_lists_mark_the_tickets_that_have_files(db, client, users, auth, now):
    with_files = make_ticket(db, users, now, status=S.ACCEPTED)
    make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    _upload(client, with_files, ("发票.pdf", PDF), ("照片.jpg", JPEG))
    for page in ("/inbox/", "/tickets/"):
        html = client.get(page).get_data(as_text=True)
        assert html.count('title="2 个附件"><span aria-hidden="true">附2</span>') == 1, page


def test_the_agents_queues_mark_files_too(db, client, users, auth, now):
    replied = make_ticket(db, users, now, status=S.REPLIED)
    replied.needs_callback = True
    db.session.commit()
    auth.login("agent")
    _upload(client, replied, ("回访录音.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64))
    assert 'title="1 个附件"><span aria-hidden="true">附1</span>' in client.get("/agent/callbacks").get_data(as_text=True)


def test_with_a_virus_scanner_configured_an_infected_file_is_refused_and_the_clean_ones_kept(app, db, client, users,
                                                                                            auth, now, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_SCAN_COMMAND", f"{sys.executable} {SCANNER_SCRIPT} {{path}}")
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    html = _upload(client, ticket, ("办理说明.pdf", PDF), ("发票.pdf", PDF + EICAR)).get_data(as_text=True)
    assert "“发票.pdf”未通过病毒检查（Win.Test.EICAR_HDB-1 FOUND），未保存" in html
    assert "已上传附件：办理说明.pdf" in html
    assert [a.original_name for a in _stored(db)] == ["办理说明.pdf"]


def test_the_virus_scanner_runs_with_no_transaction_open(app, db, client, users, auth, now, monkeypatch):
    """A resilience review: on SQLite a scanner taking 25 s held the request's write lock, and every other page
    failed after 15 s meanwhile."""
    from ticketing.services import attachments

    monkeypatch.setitem(app.config, "ATTACHMENT_SCAN_COMMAND", "scanner {path}")
    scanned_in_a_transaction = []
    monkeypatch.setattr(attachments, "scan", lambda *args, **kwargs: scanned_in_a_transaction.append(
        db.session().in_transaction()))
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    assert "已上传附件：办理说明.pdf" in _upload(client, ticket, ("办理说明.pdf", PDF)).get_data(as_text=True)
    assert scanned_in_a_transaction == [False] and [a.original_name for a in _stored(db)] == ["办理说明.pdf"]

    # checked again after the scan: the same file stored by another upload while this one was scanned is refused
    # (a diff review: two uploads of one file during a slow scan stored it twice)
    from sqlalchemy.orm import Session

    first_id = _stored(db)[0].id
    db.session.commit()

    def meanwhile_the_same_file_is_stored(path, *args, **kwargs):
        with Session(db.engine) as other:
            first = other.get(TicketAttachment, first_id)
            other.add(TicketAttachment(ticket_id=first.ticket_id, original_name="同一文件.pdf", stored_name="x.pdf",
                                  content_type=first.content_type, size_bytes=first.size_bytes,
                                  sha256=hashlib.sha256(PDF + b"2").hexdigest(), identifies_caller=False,
                                  uploaded_by_id=first.uploaded_by_id, created_at=first.created_at))
            other.commit()

    monkeypatch.setattr(attachments, "scan", meanwhile_the_same_file_is_stored)
    html = _upload(client, ticket, ("又一份.pdf", PDF + b"2")).get_data(as_text=True)
    assert "与已有附件“同一文件.pdf”内容相同" in html
    assert sorted(a.original_name for a in _stored(db)) == ["办理说明.pdf", "同一文件.pdf"]


def test_a_store_gone_read_only_says_so_and_keeps_what_was_saved(app, db, client, users, auth, now, monkeypatch):
    """A resilience review: on a read-only store the clean-up of the half-written file failed too, and its error
    replaced the clear message with a 500 after the call had been saved."""
    import errno
    from pathlib import Path

    from ticketing.services import attachments

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(attachments, "_write_limited", read_only)
    monkeypatch.setattr(Path, "unlink", read_only)
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    response = _upload(client, ticket, ("办理说明.pdf", PDF))
    assert response.status_code == 200 and "附件存储暂不可用" in response.get_data(as_text=True)
    assert _stored(db) == []


def test_a_department_asked_to_assist_attaches_what_it_checked_until_it_answers(db, client, users, auth, now):
    from ticketing.services.actions import perform_action

    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    perform_action(db.session, ticket, "request_assist", {"department": "CBZJ", "request": "请核实缴费记录"},
                   actor=users["staff_dybz"], now=now)
    db.session.commit()
    auth.login("staff_cbzj")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'name="file"' in page  # the upload form is offered with the opinion
    html = _upload(client, ticket, ("缴费记录.pdf", PDF)).get_data(as_text=True)
    assert "缴费记录.pdf" in html and [a.uploaded_by.username for a in _stored(db)] == ["staff_cbzj"]
    client.post(f"/tickets/{ticket.number}/actions/answer_assist", data={"opinion": "已核实，见附件"})
    html = _upload(client, ticket, ("再传.pdf", PDF)).get_data(as_text=True)  # answered: its part is done
    assert "本单位没有待反馈的协办" in html and 'name="file"' not in html
    assert len(_stored(db)) == 1
    auth.logout()
    auth.login("staff_dybz")
    assert "缴费记录.pdf" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)


def test_an_attachments_folder_that_cannot_be_written_refuses_the_file_and_keeps_the_call(db, client, users, auth,
                                                                                          attachment_dir, app):
    """A read-only, full or vanished folder was a 500 after the call was saved, and the agent registered it again
    (a README walk-through); the API said 500 too."""
    blocked = attachment_dir / "not-a-folder"
    blocked.write_bytes(b"a file where the folder should be")
    app.config["ATTACHMENT_DIR"] = str(blocked)
    auth.login("agent")
    response = client.post("/agent/calls/new", data={
        "caller_phone": "13912345678", "type": "consult", "urgency": "normal", "channel": "hotline_12393",
        "content": "住院报销比例是多少", "submit": "save", "file": [(BytesIO(PDF), "发票.pdf")]},
        content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已登记" in html
    assert "附件目录暂不可写，请稍后在工单页重新上传" in html
    from ticketing.models import Ticket
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1 and _stored(db) == []


def test_the_reply_form_sends_the_files_ticked_and_the_page_says_which_went(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, channel="transfer_12345")
    db.session.commit()
    auth.login("staff_dybz")
    _upload(client, ticket, ("答复函.pdf", PDF), ("核查照片.jpg", JPEG))
    _upload(client, ticket, ("身份证.pdf", PDF + b"id"), identifies_caller=True)
    letter, photo, identity = _stored(db)
    form = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "随答复发送的附件" in form and "可能向群众公开" in form
    assert f'name="attachments" value="{letter.id}"' in form and f'name="attachments" value="{photo.id}"' in form
    assert f'name="attachments" value="{identity.id}"' not in form  # the caller's identity never goes
    html = client.post(f"/tickets/{ticket.number}/actions/reply", data={"content": "已核实并按政策报销。",
                                                                      "attachments": [str(letter.id)]},
                       follow_redirects=True).get_data(as_text=True)
    # under the reply itself, as links to the files (the reply event's note says 随答复发送 too)
    assert f'<p class="small">随答复发送：<a href="/tickets/{ticket.number}/attachments/{letter.id}"' in html
    db.session.expire_all()
    assert [a.id for a in ticket.replies[-1].sent_files] == [letter.id] and photo.reply_id is None


def test_a_hotline_calls_reply_form_offers_the_files_to_the_caller(db, client, users, auth, now):
    """A 12393 call has no channel to fetch them, but its caller downloads them on 工单进度查询; one registered
    without a phone cannot look the ticket up, and is offered none."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    anonymous = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone=None)
    db.session.commit()
    auth.login("staff_dybz")
    _upload(client, ticket, ("答复函.pdf", PDF))
    _upload(client, anonymous, ("答复函.pdf", PDF + b"2"))
    form = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "勾选的文件，来电人（工单进度查询）可随答复取回；" in form  # the caller alone: nothing is published
    assert "随答复发送的附件" not in client.get(f"/tickets/{anonymous.number}").get_data(as_text=True)


def test_the_reply_form_names_every_channel_that_will_fetch_the_files(db, client, users, auth, now):
    """The kept ticket's own channel was named, while a merged duplicate's channel fetched the files too, a fraud report
    offered boxes whose files no channel gets, and a 12393 call with a mailbox letter merged into it offered none."""
    from ticketing.services import tickets

    kept = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13912340202")
    letter = make_ticket(db, users, now, status=S.REGISTERED, channel="mailbox_mayor", caller_phone="13912340202")
    other_caller = make_ticket(db, users, now, status=S.REGISTERED, channel="gov_platform", caller_phone="13912340303")
    for duplicate in (letter, other_caller):
        tickets.merge(db.session, duplicate, kept, actor=users["agent"], now=now)
    report = make_ticket(db, users, now, status=S.ACCEPTED, type="report", channel="mailbox_mayor",
                         content="举报某药店刷医保卡卖生活用品")
    db.session.commit()
    auth.login("staff_dybz")
    for ticket in (kept, report):
        _upload(client, ticket, ("答复函.pdf", PDF + ticket.number.encode()))
    form = client.get(f"/tickets/{kept.number}").get_data(as_text=True)
    assert "勾选的文件，市长信箱、来电人（工单进度查询）可随答复取回" in form  # the letter's writer is the caller
    assert "政务服务平台" not in form[form.index("随答复发送的附件"):form.index("提交答复")]  # another caller's: not
    form = client.get(f"/tickets/{report.number}").get_data(as_text=True)
    assert "随答复发送的附件" not in form  # a fraud report's reply and files are withheld from every channel
