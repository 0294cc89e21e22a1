"""协办 on the pages and in the API: the handling department asks on the ticket page, the department asked finds
it under 本单位工单 → 协办 (counted in 待处理), answers on the ticket page without seeing the caller, and the
opinion comes back to the handling department's inbox; supervisors see requests past their deadline."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import make_user
from tests.factories import make_ticket, page_section
from ticketing.models import Role, TicketStatus
from ticketing.services import clock, tickets

S = TicketStatus


def ask_on_the_page(client, auth, monkeypatch, ticket, at, department="CBZJ"):
    """待遇保障科 asks ``department`` from the ticket page at ``at``, then signs out."""
    monkeypatch.setattr(clock, "now_utc", lambda: at)
    auth.login("staff_dybz")
    client.post(f"/tickets/{ticket.number}/actions/request_assist", data={"department": department, "request": "请核实"})
    auth.logout()


def test_asking_another_department_and_its_answer_on_the_pages(db, client, users, auth, now, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=1))
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, title="断缴后报销被拒",
                         content="来电人 13912345678 反映断缴后住院报销被拒", caller_phone="13912345678")
    db.session.commit()
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'id="request-assist-form"' in page and "对方 3 个工作日内反馈" in page
    assert '<option value="CBZJ">参保征缴科</option>' in page and '<option value="DYBZ">' not in page.split(
        'id="request-assist-form"')[1].split("</form>")[0]  # not its own department

    html = client.post(f"/tickets/{ticket.number}/actions/request_assist", data={"department": "CBZJ", "request": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请写明需要协办单位核实或答复的事项" in html and 'id="assists"' not in html  # nothing saved
    html = client.post(f"/tickets/{ticket.number}/actions/request_assist", follow_redirects=True,
                       data={"department": "CBZJ", "request": "请核实 2025 年缴费记录"}).get_data(as_text=True)
    assert f"已发起协办：{ticket.number}" in html
    table = html[html.index('id="assists"'):]
    table = table[:table.index("</table>")]
    assert "参保征缴科" in table and "待反馈" in table and "请核实 2025 年缴费记录" in table and "2026-03-05" in table
    assert "撤回" in table  # the handling department may withdraw it
    auth.logout()

    auth.login("staff_cbzj")
    assert client.get("/todo.json").get_json()["counts"]["assists"] == 1
    queue = client.get("/inbox/?state=assist").get_data(as_text=True)
    assert 'data-counter="assists">协办<span class="badge" title="待处理">1</span>' in queue
    assert f'{ticket.number}</a>' in queue and "请核实 2025 年缴费记录" in queue and "待遇保障科" in queue
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'id="assist-form"' in page and "待遇保障科请本单位协办" in page
    assert "13912345678" not in page and "139****5678" in page  # the caller stays with the handling department
    for form in ('action="/tickets/%s/actions/reply"', 'action="/tickets/%s/actions/note"',
                 'action="/tickets/%s/actions/return"', 'id="request-assist-form"'):
        assert (form % ticket.number if "%s" in form else form) not in page
    html = client.post(f"/tickets/{ticket.number}/actions/answer_assist", data={"opinion": "  "},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写协办意见" in html and 'id="assist-form"' in html
    html = client.post(f"/tickets/{ticket.number}/actions/answer_assist", follow_redirects=True,
                       data={"opinion": "经核实，2025 年 3 月起断缴，已告知补缴办法"}).get_data(as_text=True)
    assert f"已反馈协办意见：{ticket.number}" in html and 'id="assist-form"' not in html
    assert "经核实，2025 年 3 月起断缴" in html and "已反馈" in html
    assert client.get("/todo.json").get_json()["counts"]["assists"] == 0
    answered = client.get("/inbox/?state=assist").get_data(as_text=True)
    assert "没有待本单位反馈的协办" in answered and "本单位已反馈的协办（最近 1 件）" in answered
    auth.logout()

    auth.login("staff_dybz")
    inbox_page = client.get("/inbox/").get_data(as_text=True)
    notice = inbox_page[inbox_page.index('class="flash flash-info assist-opinions"'):]
    assert "近 3 天收到的协办意见（1 条" in notice and "参保征缴科" in notice and "经核实，2025 年 3 月起断缴" in notice


def test_a_third_department_does_not_see_the_ticket(db, client, users, reference, auth, now, monkeypatch):
    make_user(db, "staff_yyfw", Role.STAFF, reference["YYFW"])
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    ask_on_the_page(client, auth, monkeypatch, ticket, now + timedelta(hours=1))
    assert [r.department.code for r in ticket.assists] == ["CBZJ"]
    auth.login("staff_yyfw")
    assert client.get(f"/tickets/{ticket.number}").status_code == 404
    response = client.post(f"/tickets/{ticket.number}/actions/answer_assist", data={"opinion": "x"})
    assert response.status_code == 404


def test_the_supervisor_sees_requests_past_their_deadline(db, client, users, auth, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, title="协办超期的那件")
    make_ticket(db, users, now, status=S.ACCEPTED, title="没有协办的")
    db.session.commit()
    auth.login("supervisor")
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    client.post(f"/tickets/{ticket.number}/actions/request_assist", data={"department": "CBZJ", "request": "请核实"})
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=4))  # past Thursday's end
    html = client.get("/supervise/").get_data(as_text=True)
    section = page_section(html, "assists")
    assert "协办超期（1）" in section and "协办超期的那件" in section and "没有协办的" not in section
    assert "参保征缴科协办 03-05 到期未反馈" in section
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "已超期" in page[page.index('id="assists"'):]


def test_the_months_statistics_show_each_departments_answers(db, client, users, auth, now, monkeypatch):
    from io import BytesIO

    from openpyxl import load_workbook

    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    ask_on_the_page(client, auth, monkeypatch, ticket, now + timedelta(hours=1))
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=3))
    auth.login("supervisor")
    html = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    section = page_section(html, "assists")
    assert '<th scope="row">参保征缴科</th>' in section and '<th scope="row">待遇保障科</th>' in section and "按时反馈率" in section
    book = load_workbook(BytesIO(client.get("/statistics/export.xlsx?month=2026-03").data))
    rows = list(book["协办"].iter_rows(values_only=True))
    assert rows[0][:3] == ("承办单位", "被请协办", "已反馈") and ("参保征缴科", 1, 0, 0, 0, 0, 0, 1, None, 0) in rows
    assert ("待遇保障科", 0, 0, 0, None, 0, 0, 0, None, 1) in rows
    auth.logout()
    auth.login("staff_cbzj")  # a department sees its own row only
    html = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    section = html[html.index('id="assists"'):]
    assert '<th scope="row">参保征缴科</th>' in section and '<th scope="row">待遇保障科</th>' not in section[:section.index("</section>")]


def test_the_supervisor_urges_a_late_request_from_the_supervision_page(db, client, users, auth, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    ask_on_the_page(client, auth, monkeypatch, ticket, now)
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=4))
    auth.login("supervisor")
    html = client.get("/supervise/").get_data(as_text=True)
    assert 'action="/tickets/%s/actions/urge_assist"' % ticket.number in html
    html = client.post(f"/tickets/{ticket.number}/actions/urge_assist", follow_redirects=True,
                       data={"department": "CBZJ", "note": "请今日反馈", "next": "/supervise/#assists"}).get_data(as_text=True)
    assert f"已督办协办：{ticket.number}" in html
    auth.logout()
    auth.login("staff_cbzj")
    queue = client.get("/inbox/?state=assist").get_data(as_text=True)
    assert 'title="督办' in queue and "请今日反馈" in queue


def test_the_handling_department_sees_which_tickets_wait_for_an_opinion(db, client, users, auth, now, monkeypatch):
    waiting = make_ticket(db, users, now, status=S.ACCEPTED, title="等意见的")
    make_ticket(db, users, now, status=S.ACCEPTED, title="不等的")
    db.session.commit()
    ask_on_the_page(client, auth, monkeypatch, waiting, now + timedelta(hours=1))
    auth.login("staff_dybz")
    for page in (client.get("/inbox/").get_data(as_text=True), client.get("/tickets/").get_data(as_text=True)):
        assert page.count(('class="tag assist-tag" title="等待协办意见：参保征缴科"><span aria-hidden="true">协</span>'
                           '<span class="sr-only">协办待反馈：参保征缴科</span></span>')) == 1
    detail = client.get(f"/tickets/{waiting.number}").get_data(as_text=True)
    assert "尚待参保征缴科的协办意见（03-05 前反馈）；现在答复，该协办即终止。" in detail


def test_the_query_page_finds_tickets_by_their_assists(db, client, users, auth, now, monkeypatch):
    asked = make_ticket(db, users, now, status=S.ACCEPTED, title="请参保征缴科核实的")
    make_ticket(db, users, now, status=S.ACCEPTED, title="没有协办的")
    db.session.commit()
    ask_on_the_page(client, auth, monkeypatch, asked, now + timedelta(hours=1))
    auth.login("staff_cbzj")
    assert "请参保征缴科核实的" not in client.get("/tickets/").get_data(as_text=True)  # not its own ticket
    html = client.get("/tickets/?assist=asked").get_data(as_text=True)
    assert "请参保征缴科核实的" in html and "没有协办的" not in html and "<td>待遇保障科</td>" in html
    assert '<option value="asked" selected>请本单位协办的</option>' in html
    auth.logout()
    auth.login("supervisor")
    html = client.get("/tickets/?assist=open").get_data(as_text=True)
    assert "请参保征缴科核实的" in html and "没有协办的" not in html
    assert '<option value="asked"' not in html  # only department staff are asked
    assert "没有协办的" in client.get("/tickets/?assist=nonsense").get_data(as_text=True)  # an unknown value: no filter


def test_the_history_says_what_a_reassignment_ended(db, client, users, auth, now, monkeypatch):
    """改派 to the department asked ends its 协办; leaving the department that asked for more time ends that
    request: the ticket's history says so under the 改派."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    ask_on_the_page(client, auth, monkeypatch, ticket, now + timedelta(hours=1))
    until = (ticket.reply_due_at + timedelta(days=3)).date().isoformat()
    auth.login("staff_dybz")
    client.post(f"/tickets/{ticket.number}/actions/request_extension", data={"reason": "需外调", "until": until})
    auth.logout()
    auth.login("supervisor")
    client.post(f"/tickets/{ticket.number}/actions/reassign", data={"department": "CBZJ", "reason": "应由参保征缴科办理"})
    history = client.get(f"/tickets/{ticket.number}").get_data(as_text=True).split("<h2>办理记录</h2>")[1]
    assert f"待审批的延期申请（至 {until}）随之终止" in history and "未反馈的协办随之终止：参保征缴科" in history


def test_internal_notes_are_the_handling_departments_not_the_assisting_ones(db, client, users, auth, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    tickets.add_note(db.session, ticket, "医院已承认多收费用", actor=users["staff_dybz"], now=now)
    db.session.commit()
    ask_on_the_page(client, auth, monkeypatch, ticket, now + timedelta(hours=1))
    auth.login("staff_cbzj")
    html = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert ticket.number in html and "医院已承认多收费用" not in html
    auth.logout()
    auth.login("staff_dybz")
    assert "医院已承认多收费用" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
