"""/progress lists the files sent with the reply it shows, and /progress/files/<token> downloads one: no login, no
phone in any address, a Chinese page for a link that is forged, expired or no longer good, the lookups' limit."""
from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from tests.attachment_files import JPEG, PDF, PNG
from tests.factories import make_ticket
from ticketing.models import TicketEvent, TicketStatus
from ticketing.services import attachments, clock, tickets
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.progress_lookup import FILE_GONE, FILE_LINK_EXPIRED, FILE_LINK_INVALID, FILE_LINK_VALID

S = TicketStatus
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def attachment_dir(app, tmp_path):
    before = app.config["ATTACHMENT_DIR"]
    app.config["ATTACHMENT_DIR"] = str(tmp_path)
    app.extensions["rate_limiter"].reset()
    yield tmp_path
    app.config["ATTACHMENT_DIR"] = before
    app.extensions["rate_limiter"].reset()


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=3))
    return now + timedelta(hours=3)


def _answered(db, users, now, folder, **fields):
    """Replied with 答复函(13800138000).pdf sent; 核查照片.jpg and the caller's 身份证.png kept back."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, channel="mailbox_mayor", **fields)
    sent = {}
    for name, data, identifies in (("答复函(13800138000).pdf", PDF, False), ("核查照片.jpg", JPEG, False),
                                   ("身份证.png", PNG, True)):
        sent[name] = attachments.attach(db.session, ticket, filename=name, stream=BytesIO(data), identifies_caller=identifies,
                                        actor=users["staff_dybz"], now=now + timedelta(hours=1), folder=folder,
                                        max_bytes=1024 * 1024)
    letter = sent["答复函(13800138000).pdf"]
    tickets.reply(db.session, ticket, "经核实，报销款已发放，答复函随附。", actor=users["staff_dybz"],
                  now=now + timedelta(hours=2), attachment_ids=[letter.id])
    db.session.commit()
    return ticket, letter


def _links(client, number, phone=PHONE):
    page = client.post("/progress", data={"number": number, "phone": phone}).get_data(as_text=True)
    # a plain link: with the download attribute, a link no longer valid failed silently in the browser (a walk)
    assert not re.search(r'href="/progress/files/[^"]+" download', page)
    return page, re.findall(r'href="(/progress/files/[^"]+)"', page)


def test_the_lookup_lists_the_sent_file_and_its_link_downloads_it(client, db, users, now, today, attachment_dir):
    ticket, letter = _answered(db, users, now, attachment_dir)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    page, (link,) = _links(client, ticket.number)
    assert "随答复发送的文件" in page and "答复函(138****8000).pdf" in page and letter.size_label in page
    assert "核查照片" not in page and "身份证" not in page
    assert PHONE not in link  # the token is readable base64: the unit tests look inside it
    assert f"下载链接 {(today + FILE_LINK_VALID).astimezone(LOCAL_TZ):%H:%M} 前有效" in page
    with client.get(link) as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "138%2A%2A%2A%2A8000" in response.headers["Content-Disposition"]  # the name as the channel gets it
        assert response.headers["Cache-Control"] == "private, no-store" and response.headers["X-Content-Type-Options"]
    # a download is not a change of the ticket: no event (nor in the channel's download)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketEvent)
                             .where(TicketEvent.ticket_id == ticket.id)) == events


def test_an_expired_link_gets_a_chinese_page_with_the_form(client, db, users, now, today, monkeypatch, attachment_dir):
    ticket, _ = _answered(db, users, now, attachment_dir)
    _, (link,) = _links(client, ticket.number)
    monkeypatch.setattr(clock, "now_utc", lambda: today + FILE_LINK_VALID + timedelta(seconds=1))
    response = client.get(link)
    text = response.get_data(as_text=True)
    assert response.status_code == 410 and FILE_LINK_EXPIRED in text and 'name="number"' in text
    assert "Traceback" not in text and "Gone" not in text


@pytest.mark.parametrize("forge", [
    lambda link: link[:-3] + ("xyz" if not link.endswith("xyz") else "abc"),
    lambda link: "/progress/files/WzEsMiwzLDRd.abcdefghijklmnopqrstuvwxyz0",
])
def test_a_forged_link_gets_a_chinese_page(client, db, users, now, today, attachment_dir, forge):
    ticket, _ = _answered(db, users, now, attachment_dir)
    _, (link,) = _links(client, ticket.number)
    response = client.get(forge(link))
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and FILE_LINK_INVALID in text and 'name="number"' in text


def test_a_file_removed_after_the_lookup_or_gone_from_the_disk_is_not_served(client, db, users, now, today,
                                                                              attachment_dir):
    ticket, letter = _answered(db, users, now, attachment_dir)
    _, (link,) = _links(client, ticket.number)
    (attachment_dir / letter.stored_name).rename(attachment_dir / "elsewhere")
    response = client.get(link)
    # the citizen is told what is true for them (no longer offered), not about the centre's store
    assert response.status_code == 404 and FILE_GONE in response.get_data(as_text=True)
    assert "存储目录" not in response.get_data(as_text=True)
    (attachment_dir / "elsewhere").rename(attachment_dir / letter.stored_name)
    attachments.remove(db.session, ticket, letter.id, reason="发错文件", actor=users["staff_dybz"], now=today)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 404 and FILE_GONE in response.get_data(as_text=True)
    page, links = _links(client, ticket.number)
    assert links == [] and "随答复发送的文件" not in page and "答复内容" in page


def test_a_fraud_report_lists_no_file(client, db, users, now, today, attachment_dir):
    ticket, _ = _answered(db, users, now, attachment_dir, type="report")
    page, links = _links(client, ticket.number)
    assert links == [] and "随答复发送的文件" not in page and "工作人员会通过电话告知" in page


def test_downloads_past_the_limit_get_429_in_chinese_counted_apart_from_lookups(app, client, db, users, now, today,
                                                                               monkeypatch, attachment_dir):
    monkeypatch.setitem(app.config, "PROGRESS_LOOKUP_LIMIT", "2 per minute")
    ticket, _ = _answered(db, users, now, attachment_dir)
    _, (link,) = _links(client, ticket.number)
    for _ in range(2):
        with client.get(link) as response:
            assert response.status_code == 200
    response = client.get(link)
    assert response.status_code == 429 and "查询过于频繁" in response.get_data(as_text=True)
    assert _links(client, ticket.number)[1] == [link]  # the second lookup of the minute: its own count
