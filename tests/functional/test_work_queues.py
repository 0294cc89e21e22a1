"""工作队列: a ticket opened from a list (?queue=) says where it stands there and offers 下一件 in the list's order,
through the actions done on it, for the people who work that list and no one else."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, queues

S = TicketStatus


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=3))
    return now + timedelta(hours=3)


@pytest.fixture()
def three_dispatched(db, users, now, today):
    """待遇保障科's 待办 in deadline order: an hour apart, so the first received is due first."""
    made = [make_ticket(db, users, now + timedelta(minutes=30 * i), status=S.DISPATCHED, title=f"第{i + 1}件")
            for i in range(3)]
    make_ticket(db, users, now, status=S.DISPATCHED, category="CB", department="CBZJ", title="别的单位的")
    db.session.commit()
    return made


def bar(text: str) -> str:
    match = re.search(r'<nav class="queue-bar.*?</nav>', text, re.S)
    return match.group(0) if match else ""


def next_number(text: str) -> str | None:
    match = re.search(r'href="/tickets/([^"?]+)\?queue=[a-z_]+" rel="next" data-next-ticket', bar(text))
    return match.group(1) if match else None


def test_the_inbox_links_its_tickets_with_the_queue(three_dispatched, auth, client):
    auth.login("staff_dybz")
    text = client.get("/inbox/").get_data(as_text=True)
    for ticket in three_dispatched:
        assert f'href="/tickets/{ticket.number}?queue=todo"' in text
    mine = client.get("/inbox/?state=dispatched").get_data(as_text=True)
    assert f'href="/tickets/{three_dispatched[0].number}?queue=dispatched"' in mine
    done = client.get("/inbox/?state=done").get_data(as_text=True)
    assert "queue=done" not in done


def test_next_walks_the_queue_in_its_order_and_comes_back_to_the_first(three_dispatched, auth, client):
    first, second, third = three_dispatched
    auth.login("staff_dybz")
    text = client.get(f"/tickets/{first.number}?queue=todo").get_data(as_text=True)
    assert "第 1 / 3 件" in bar(text) and next_number(text) == second.number
    text = client.get(f"/tickets/{second.number}?queue=todo").get_data(as_text=True)
    assert "第 2 / 3 件" in bar(text) and next_number(text) == third.number
    text = client.get(f"/tickets/{third.number}?queue=todo").get_data(as_text=True)
    assert "第 3 / 3 件" in bar(text) and next_number(text) == first.number  # one passed over is still to do
    assert "已是最后一件" in bar(text) and "回到第 1 件" in bar(text)
    assert "别的单位的" not in text


def test_actions_keep_the_queue_and_a_ticket_that_left_it_leads_to_the_first(db, three_dispatched, auth, client):
    first, second, _ = three_dispatched
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{first.number}?queue=todo").get_data(as_text=True)
    assert f'action="/tickets/{first.number}/actions/accept?queue=todo&amp;then={second.number}"' in page
    response = client.post(f"/tickets/{first.number}/actions/accept?queue=todo&then={second.number}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/tickets/{first.number}?queue=todo&then={second.number}")
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'action="/tickets/{first.number}/actions/reply?queue=todo&amp;then={second.number}"' in text
    response = client.post(f"/tickets/{first.number}/actions/reply?queue=todo&then={second.number}",
                           data={"content": "已按规定报销"})
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert first.status == S.REPLIED.value
    assert "共 2 件" in bar(text) and next_number(text) == second.number
    text = client.get(f"/tickets/{first.number}?queue=todo").get_data(as_text=True)  # without then: the first
    assert next_number(text) == second.number


def test_an_action_that_moves_the_ticket_in_its_list_keeps_the_next_one(db, users, now, today, auth, client):
    """签收 puts a ticket under its reply deadline, days later than the others' accept deadlines: it moves to the
    end of 待办, and 下一件 must still be the one that followed it."""
    made = [make_ticket(db, users, now + timedelta(minutes=30 * i), status=S.DISPATCHED) for i in range(4)]
    db.session.commit()
    auth.login("staff_dybz")
    second, third = made[1], made[2]
    text = client.get(f"/tickets/{second.number}?queue=todo").get_data(as_text=True)
    assert "第 2 / 4 件" in bar(text) and next_number(text) == third.number
    response = client.post(f"/tickets/{second.number}/actions/accept?queue=todo&then={third.number}")
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert next_number(text) == third.number and "（第 2 件）" in bar(text)
    moved = client.get(f"/tickets/{second.number}?queue=todo").get_data(as_text=True)
    assert "第 4 / 4 件" in bar(moved)  # where the ticket now is: its old next would be lost without then


def test_uploading_a_file_keeps_the_queue(app, db, users, now, today, auth, client, tmp_path):
    from io import BytesIO

    made = [make_ticket(db, users, now + timedelta(minutes=30 * i), status=S.ACCEPTED) for i in range(2)]
    db.session.commit()
    before = app.config["ATTACHMENT_DIR"]
    app.config["ATTACHMENT_DIR"] = str(tmp_path)
    try:
        auth.login("staff_dybz")
        response = client.post(f"/tickets/{made[0].number}/attachments?queue=todo&then={made[1].number}",
                               content_type="multipart/form-data",
                               data={"file": [(BytesIO("说明".encode()), "说明.txt")]})
        assert response.headers["Location"].endswith(
            f"/tickets/{made[0].number}?queue=todo&then={made[1].number}#attachments")
    finally:
        app.config["ATTACHMENT_DIR"] = before


def test_the_last_ticket_of_a_queue_says_so(db, users, now, today, auth, client):
    only = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    auth.login("staff_dybz")
    text = client.get(f"/tickets/{only.number}?queue=todo").get_data(as_text=True)
    assert "第 1 / 1 件" in bar(text) and next_number(text) is None and "待办已无其他工单" in bar(text)


@pytest.mark.parametrize(("username", "queue"), [
    ("agent", "todo"), ("supervisor", "mine"), ("staff_dybz", "triage"), ("staff_dybz", "callbacks"),
    ("staff_dybz", "nonsense"), ("staff_dybz", ""),
])
def test_a_queue_shows_only_to_those_who_work_it(three_dispatched, auth, client, username, queue):
    auth.login(username)
    response = client.get(f"/tickets/{three_dispatched[0].number}?queue={queue}")
    assert response.status_code == 200 and bar(response.get_data(as_text=True)) == ""
    post = client.post(f"/tickets/{three_dispatched[0].number}/actions/note?queue={queue}", data={"content": "记一笔"})
    assert "queue=" not in post.headers.get("Location", "")


def test_agents_triage_queue_risk_first_then_by_deadline(db, users, now, today, auth, client):
    plain = make_ticket(db, users, now, title="普通的待派发")
    later = make_ticket(db, users, now + timedelta(hours=1), title="后到的待派发")
    db.session.commit()
    auth.login("agent")
    text = client.get("/agent/triage").get_data(as_text=True)
    assert f"/tickets/{plain.number}?queue=triage" in text
    page = client.get(f"/tickets/{plain.number}?queue=triage").get_data(as_text=True)
    assert "待派发" in bar(page) and next_number(page) == later.number


def test_callbacks_queue_leaves_out_a_ticket_tried_moments_ago(db, users, now, today, auth, client):
    due = make_ticket(db, users, now, status=S.REPLIED, title="待回访一")
    other = make_ticket(db, users, now + timedelta(minutes=5), status=S.REPLIED, title="待回访二")
    for ticket in (due, other):
        ticket.needs_callback = True
    db.session.commit()
    auth.login("agent")
    page = client.get(f"/tickets/{due.number}?queue=callbacks").get_data(as_text=True)
    assert "待回访" in bar(page) and "第 1 / 2 件" in bar(page) and next_number(page) == other.number
    response = client.post(f"/tickets/{other.number}/actions/callback?queue=callbacks", data={"reached": "0"})
    assert response.status_code == 302
    page = client.get(f"/tickets/{due.number}?queue=callbacks").get_data(as_text=True)
    assert "第 1 / 1 件" in bar(page) and next_number(page) is None


def test_place_of_counts_past_the_scan_as_a_floor(db, users, now, today, monkeypatch):
    made = [make_ticket(db, users, now + timedelta(minutes=i), status=S.DISPATCHED) for i in range(4)]
    db.session.commit()
    monkeypatch.setattr(queues, "SCANNED", 2)
    queue = queues.for_user(users["staff_dybz"], "todo")
    place = queues.place_of(db.session, users["staff_dybz"], queue, made[3], today)
    assert place.capped and place.total == 2 and place.position is None and place.next_number == made[0].number
    place = queues.place_of(db.session, users["staff_dybz"], queue, made[1], today)
    assert place.position == 2 and place.next_number == made[0].number
