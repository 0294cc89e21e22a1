"""Department inbox, supervisor page and the to-do counts: what each role sees and may do."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, inbox, settings, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus


@pytest.fixture()
def today(monkeypatch, now):
    """Freeze the app clock at the fixture's Monday morning."""
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=1))
    return now + timedelta(hours=1)


@pytest.mark.parametrize(("username", "path", "code"), [
    ("agent", "/inbox/", 403), ("supervisor", "/inbox/", 403), ("admin", "/inbox/", 403),
    ("staff_dybz", "/inbox/", 200),
    ("agent", "/supervise/", 403), ("staff_dybz", "/supervise/", 403),
    ("supervisor", "/supervise/", 200), ("admin", "/supervise/", 200),
])
def test_role_by_page(users, auth, client, username, path, code):
    auth.login(username)
    assert client.get(path).status_code == code


def test_staff_get_404_on_another_departments_ticket_and_do_not_list_it(db, users, auth, client, now, today):
    own = make_ticket(db, users, now, status=S.DISPATCHED, department="DYBZ")
    other = make_ticket(db, users, now, status=S.DISPATCHED, category="CB", department="CBZJ", title="参保缴费断缴")
    db.session.commit()
    auth.login("staff_dybz")
    assert client.get(f"/tickets/{other.number}").status_code == 404
    assert client.post(f"/tickets/{other.number}/actions/accept").status_code == 404
    for path in ("/inbox/", "/inbox/?state=dispatched", "/tickets/", f"/tickets/?q={other.number}"):
        text = client.get(path).get_data(as_text=True)
        assert f"/tickets/{other.number}" not in text and "参保缴费断缴" not in text
    assert own.number in client.get("/inbox/").get_data(as_text=True)


@pytest.mark.parametrize(("action", "params"), [
    ("accept", {}), ("reply", {"content": "已答复"}), ("return", {"reason": "不是本单位职责"}),
    ("note", {"content": "电话联系了医院"}),
])
def test_agents_cannot_take_department_actions(db, users, auth, client, now, today, action, params):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED if action in ("accept", "return") else S.ACCEPTED)
    db.session.commit()
    before = ticket.status
    auth.login("agent" if action != "note" else "staff_cbzj")
    response = client.post(f"/tickets/{ticket.number}/actions/{action}", data=params)
    if action == "note":  # another department's staff: as if the ticket did not exist
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        follow = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "无权" in follow
    db.session.expire_all()
    assert ticket.status == before


def test_inbox_puts_urged_tickets_first_with_the_note(db, users, auth, client, now, today):
    first = make_ticket(db, users, now, status=S.DISPATCHED, type="consult", title="先到期的咨询")
    urged = make_ticket(db, users, now + timedelta(hours=1), status=S.ACCEPTED, title="被督办的投诉")
    db.session.commit()
    auth.login("supervisor")
    response = client.post(f"/tickets/{urged.number}/actions/urge", data={"note": "请今天内答复群众", "next": "/supervise/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/supervise/")
    auth.logout()
    auth.login("staff_dybz")
    text = client.get("/inbox/").get_data(as_text=True)
    assert "督办事项" in text and "请今天内答复群众" in text
    assert text.index(urged.number) < text.index(first.number)
    table = text[text.index("<table"):]
    assert table.index(urged.number) < table.index(first.number)


def test_supervisor_page_sections_filter_and_inline_forms(db, users, auth, client, now, today):
    late = make_ticket(db, users, now - timedelta(days=10), status=S.DISPATCHED, title="早已超期")
    elsewhere = make_ticket(db, users, now - timedelta(days=10), status=S.DISPATCHED, category="CB",
                            department="CBZJ", title="别的单位超期")
    waiting = make_ticket(db, users, now, status=S.ACCEPTED, title="申请延期的")
    tickets.request_extension(db.session, waiting, "需要外调材料", waiting.reply_due_at + timedelta(days=5),
                              actor=users["staff_dybz"], now=now)
    db.session.commit()
    auth.login("supervisor")
    text = client.get("/supervise/").get_data(as_text=True)
    for t in (late, elsewhere, waiting):
        assert t.number in text
    assert f'/tickets/{late.number}/actions/urge' in text and f'/tickets/{late.number}/actions/reassign' in text
    filtered = client.get("/supervise/?department=DYBZ").get_data(as_text=True)
    assert late.number in filtered and elsewhere.number not in filtered

    response = client.post(f"/tickets/{late.number}/actions/reassign",
                           data={"department": "YDJS", "reason": "属异地就医", "next": "/supervise/?department=DYBZ"})
    assert response.status_code == 302 and "department=DYBZ" in response.headers["Location"]
    db.session.expire_all()
    assert late.department.code == "YDJS" and late.status == S.DISPATCHED.value
    missing = client.post(f"/tickets/{elsewhere.number}/actions/urge", data={"note": ""})
    assert "请填写督办意见" in client.get(missing.headers["Location"]).get_data(as_text=True)


def test_todo_counts_per_role_and_in_the_menu(db, users, auth, client, now, today):
    make_ticket(db, users, now, status=S.REGISTERED)  # triage
    dispatched = make_ticket(db, users, now, status=S.DISPATCHED)  # DYBZ to accept
    make_ticket(db, users, now, status=S.RETURN_REQUESTED)  # return to review
    make_ticket(db, users, now, status=S.REPLIED)  # a complaint: callback due
    tickets.urge(db.session, dispatched, "尽快签收", actor=users["supervisor"], now=now)
    db.session.commit()

    agent = inbox.todo_counts(db.session, users["agent"], today)
    assert (agent["triage"], agent["returns"], agent["callbacks"], agent["total"]) == (1, 1, 1, 3)
    staff = inbox.todo_counts(db.session, users["staff_dybz"], today)
    assert staff["inbox"] == 1 and staff["urged"] == 1 and staff["total"] == 1  # urged and to accept: once
    assert inbox.todo_counts(db.session, users["staff_cbzj"], today)["total"] == 0
    supervisor = inbox.todo_counts(db.session, users["supervisor"], today)
    assert supervisor["supervise"] == 0 and supervisor["total"] == 3
    later = today + timedelta(days=3)  # the dispatched ticket missed its accept deadline
    assert inbox.todo_counts(db.session, users["supervisor"], later)["supervise"] == 1

    auth.login("staff_dybz")
    text = client.get("/inbox/").get_data(as_text=True)
    assert '<b id="todo-total">1</b>' in text
    auth.logout()
    auth.login("agent")
    text = client.get("/tickets/").get_data(as_text=True)
    assert '<b id="todo-total">3</b>' in text and 'title="待处理">1</span>' in text


def test_the_callback_queue_marks_failed_tries(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED, title="回访没打通的")
    ticket.needs_callback = True
    tickets.record_callback(db.session, ticket, reached=False, satisfaction=None, solved=None,
                            actor=users["agent"], now=now + timedelta(days=1))
    db.session.commit()
    auth.login("agent")
    html = client.get("/agent/callbacks").get_data(as_text=True)
    assert "回访没打通的" in html and 'title="已回访 1 次未联系上"><span aria-hidden="true">未通1</span>' in html
    # an answered ticket shows when it was answered, and whether within its time, not a deadline to meet
    late = make_ticket(db, users, now, status=S.ACCEPTED, title="答复超时的")
    tickets.reply(db.session, late, "已办理", actor=users["staff_dybz"], now=late.reply_due_at + timedelta(hours=1))
    late.needs_callback = True
    db.session.commit()
    html = client.get("/agent/callbacks").get_data(as_text=True)
    row = lambda title: html.split(f">{title}</td>")[1].split("</tr>")[0]  # noqa: E731 (the title= attribute first)
    assert f"{ticket.replied_at.astimezone(LOCAL_TZ):%m-%d %H:%M} 答复</span>" in row("回访没打通的")
    assert "超时" not in row("回访没打通的") and '答复</span> <span class="overdue">超时</span></span>' in row("答复超时的")


def test_a_callback_tried_lately_waits_under_later_and_the_ticket_page_says_when(db, client, users, auth, now,
                                                                                 monkeypatch):
    settings.set_setting(db.session, "callback_retry_minutes", 120)
    tried = make_ticket(db, users, now, status=S.REPLIED, title="刚才没打通的")
    due = make_ticket(db, users, now, status=S.REPLIED, title="还没回访的")
    for ticket in (tried, due):
        ticket.needs_callback = True
    at = now + timedelta(days=1)
    tickets.record_callback(db.session, tried, reached=False, satisfaction=None, solved=None,
                            actor=users["agent"], now=at)
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: at + timedelta(minutes=30))
    auth.login("agent")
    html = client.get("/agent/callbacks").get_data(as_text=True)
    queue, later = html.split('id="later"')
    assert "还没回访的" in queue and "刚才没打通的" not in queue
    assert "稍后再拨" in later and "120 分钟后再回访（1 件）" in later and "刚才没打通的" in later
    assert f"{(at + timedelta(hours=2)).astimezone(LOCAL_TZ):%H:%M} 后再拨</span>" in later
    assert '<b id="todo-total">1</b>' in html  # the menu counts only what can be called now
    page = client.get(f"/tickets/{tried.number}").get_data(as_text=True)
    # the callback opens with what the citizen said when, and who answered when (回访话术)
    assert (f"话术：您好，这里是12393医保服务热线，耽误您一分钟做个回访。您在3月2日反映的“刚才没打通的”，"
            f"待遇保障科已于{tried.replied_at.astimezone(LOCAL_TZ):%-m月%-d日}答复。请问您对办理结果满意吗？") in page
    assert 'id="callback-retry"' in page and f"{(at + timedelta(hours=2)).astimezone(LOCAL_TZ):%H:%M} 后再拨" in page
    monkeypatch.setattr(clock, "now_utc", lambda: at + timedelta(hours=3))
    html = client.get("/agent/callbacks").get_data(as_text=True)
    assert 'id="later"' not in html and "刚才没打通的" in html and "还没回访的" in html
    assert 'id="callback-retry"' not in client.get(f"/tickets/{tried.number}").get_data(as_text=True)


def test_staff_accept_several_tickets_at_once(db, client, users, auth, now):
    waiting = [make_ticket(db, users, now, status=S.DISPATCHED, title=f"待签收{i}") for i in range(3)]
    accepted = make_ticket(db, users, now, status=S.ACCEPTED, title="已签收的")
    other = make_ticket(db, users, now, status=S.DISPATCHED, department="CBZJ", title="别的单位的")
    db.session.commit()
    auth.login("staff_dybz")
    html = client.get("/inbox/?state=dispatched").get_data(as_text=True)
    assert "批量签收所选" in html and f'value="{waiting[0].number}" form="bulk-accept"' in html
    html = client.get("/inbox/?state=todo").get_data(as_text=True)
    assert f'value="{accepted.number}" form="bulk-accept"' not in html  # only those still to accept can be ticked
    response = client.post("/inbox/accept", data={"numbers": [waiting[0].number, waiting[1].number, other.number],
                                                  "next": "/inbox/?state=dispatched"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "签收" in html and other.number in html and "工单不存在" in html  # another department's: refused
    db.session.expire_all()
    assert [t.status for t in waiting] == ["accepted", "accepted", "dispatched"]
    assert all(t.handler == users["staff_dybz"] for t in waiting[:2]) and other.status == "dispatched"
    assert [e.action for e in waiting[0].events][-1] == "accept"
    assert "请先勾选工单" in client.post("/inbox/accept", data={}, follow_redirects=True).get_data(as_text=True)
    auth.logout()
    auth.login("agent")
    assert client.post("/inbox/accept", data={"numbers": [waiting[2].number]}).status_code == 403


def test_a_failed_callback_on_the_ticket_page_says_the_ticket_stays_in_the_queue(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    db.session.commit()
    auth.login("agent")
    html = client.post(f"/tickets/{ticket.number}/actions/callback", data={"reached": "0", "note": "关机"},
                       follow_redirects=True).get_data(as_text=True)
    assert "未联系上（第 1 次，共 3 次）：关机，工单留在回访队列待再次回访" in html


def test_a_supervision_section_counts_all_its_tickets_and_lists_the_first(db, users, auth, client, now, monkeypatch):
    late = [make_ticket(db, users, now + timedelta(minutes=i), status=S.DISPATCHED) for i in range(4)]
    db.session.commit()
    later = now + timedelta(days=9)  # all four past their time to accept
    sections = {s.key: s for s in inbox.supervision_sections(db.session, later, near_hours=24, limit=3)}
    assert sections["overdue"].total == 4 and [t.number for t in sections["overdue"].items] == [
        t.number for t in late[:3]]  # the earliest due first
    assert sections["urged"].total == 0 and sections["urged"].items == []
    fewer = {s.key: s for s in inbox.supervision_sections(db.session, later, near_hours=24, limit=5)}
    assert fewer["overdue"].total == 4

    made = late + [make_ticket(db, users, now, status=S.DISPATCHED) for _ in range(47)]  # 51: more than a page shows
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    auth.login("supervisor")
    html = client.get("/supervise/").get_data(as_text=True)
    assert f"已超期（{len(made)}）" in html and f"共 {len(made)} 件，下面列出最早到期的 50 件" in html
    assert 'href="/tickets/?overdue=1"' in html


def test_the_inbox_notes_count_every_urged_ticket_and_list_the_latest(db, users, auth, client, now):
    made = [make_ticket(db, users, now, status=S.ACCEPTED) for _ in range(22)]
    for n, ticket in enumerate(made):
        tickets.urge(db.session, ticket, f"第{n}次督办", actor=users["supervisor"], now=now + timedelta(minutes=n))
    db.session.commit()
    auth.login("staff_dybz")
    html = client.get("/inbox/").get_data(as_text=True)
    assert "督办事项（22 件，已置顶显示；这里列出最近督办的 20 件）" in html
    assert "第21次督办" in html and "第0次督办" not in html.split("督办事项")[1].split("</section>")[0]


def test_the_answered_tab_lists_the_latest_answered_first(db, users, auth, client, now, today):
    earlier = make_ticket(db, users, now - timedelta(days=3), status=S.REPLIED, title="三天前答复的")
    later = make_ticket(db, users, now - timedelta(days=1), status=S.CLOSED, title="昨天办结的")
    db.session.commit()
    auth.login("staff_dybz")
    table = client.get("/inbox/?state=done").get_data(as_text=True).split("<table", 1)[1]
    assert table.index(later.number) < table.index(earlier.number)


def test_staff_of_a_department_switched_off_are_told_so(db, client, users, auth):
    """An administrator review: staff of a department switched off signed in to an empty inbox with no word why."""
    from ticketing.models import Department

    department = db.session.scalar(sa.select(Department).where(Department.code == "CBZJ"))
    department.active = False
    db.session.commit()
    auth.login("staff_cbzj")
    assert "本单位已停用，不再接收新工单" in client.get("/inbox/").get_data(as_text=True)
    auth.logout()
    auth.login("staff_dybz")
    assert "本单位已停用" not in client.get("/inbox/").get_data(as_text=True)
