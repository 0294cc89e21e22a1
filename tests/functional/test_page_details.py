"""Details a day's use of the pages showed wrong (a walk through every page as each role, 4 Dec 2026): dates
without their year, codes instead of words, messages said twice, links to empty months or to a file users cannot
open, and the like."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import LOCAL
from tests.factories import make_ticket
from ticketing.models import TicketStatus, User
from ticketing.services import assists, clock, tickets
from ticketing.views import local_time

S = TicketStatus


def test_a_short_date_shows_its_year_when_it_is_not_this_years(on):
    on(datetime(2026, 12, 4, 10, 0, tzinfo=LOCAL))
    assert local_time(datetime(2026, 12, 31, 23, 59, tzinfo=LOCAL), "%m-%d %H:%M") == "12-31 23:59"
    assert local_time(datetime(2027, 12, 31, 23, 59, tzinfo=LOCAL), "%m-%d %H:%M") == "2027-12-31 23:59"
    assert local_time(datetime(2025, 1, 2, 8, 0, tzinfo=LOCAL), "%m-%d") == "2025-01-02"
    assert local_time(datetime(2027, 1, 2, 8, 0, tzinfo=LOCAL), "%H:%M") == "08:00"  # a time alone stays a time


def test_an_extension_a_year_long_reads_as_one_for_the_supervisor(db, client, users, auth, now, on):
    on(now + timedelta(hours=1))
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="help")
    tickets.request_extension(db.session, ticket, "需要调取医院病历", datetime(2027, 2, 26, 23, 59, tzinfo=LOCAL),
                              actor=users["staff_dybz"], now=now + timedelta(minutes=30))
    db.session.commit()
    auth.login("supervisor")
    row = client.get("/supervise/").get_data(as_text=True)
    days = (datetime(2027, 2, 26, 23, 59, tzinfo=LOCAL) - ticket.reply_due_at).days
    assert f'申请延期至 2027-02-26（<span class="overdue">延长 {days} 天</span>），待审批：需要调取医院病历' in row
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "延期申请：延期至 2027-02-26（" in page and f"延长 {days} 天" in page


def test_the_admin_overview_names_types_urgencies_and_channels_in_words(client, users, auth):
    auth.login("admin")
    html = client.get("/admin/").get_data(as_text=True)
    policies = html[html.index('id="policies"'):html.index('id="holidays"')]
    assert "<td>咨询</td>" in policies and "<td>信访局转办</td>" in policies and "个工作日" in policies
    for code in ("consult", "complaint", "urgent", "petition_bureau", "working_days"):
        assert f">{code}<" not in policies and f"{code} " not in policies, code


def test_an_assist_deadline_says_how_long_is_left_once(db, client, users, auth, now, on):
    on(now + timedelta(hours=1))
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    cbzj = tickets.department_by_code(db.session, "CBZJ")
    assists.request_assist(db.session, ticket, cbzj, "请核实参保记录", actor=users["staff_dybz"], now=now)
    db.session.commit()
    auth.login("staff_cbzj")
    html = client.get("/inbox/?state=assist").get_data(as_text=True)
    assert "剩余" in html and "剩 剩余" not in html


def test_the_assessment_explains_its_figures_on_the_page(client, users, auth, on):
    on(datetime(2026, 4, 5, 10, 0, tzinfo=LOCAL))
    auth.login("supervisor")
    html = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert "docs/assessment.md" not in html
    assert "<summary>指标口径</summary>" in html and "<dt>按时办结率</dt>" in html


def test_a_refused_callback_says_what_is_missing_once(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    db.session.commit()
    auth.login("agent")
    html = client.post(f"/tickets/{ticket.number}/actions/callback", data={"reached": "", "note": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请选择是否联系上来电人" in html and "请选择是否联系上：" not in html
    html = client.post(f"/tickets/{ticket.number}/actions/callback", data={"reached": "1", "note": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请选择满意度：满意、基本满意或不满意" in html


def test_an_empty_call_form_says_so_at_the_top_and_marks_the_field(client, users, auth):
    auth.login("agent")
    response = client.post("/agent/calls/new", data={"type": "consult", "urgency": "normal", "content": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "提交的内容有误，请按提示修改" in html
    assert 'aria-invalid="true"' in html and "请填写诉求内容" in html


@pytest.mark.parametrize("name", ["张 三!", "a b", "王五;", "x/y"])
def test_a_user_name_has_no_spaces_or_symbols(db, client, users, auth, name):
    auth.login("admin")
    response = client.post("/admin/users", data={"username": name, "role": "agent", "password": "long-enough-1"})
    assert response.status_code == 400 and "用户名只能用字母、数字、汉字和 _ . -" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.username == name)) is None


def test_a_user_name_in_chinese_or_a_staff_number_is_fine(db, client, users, auth):
    auth.login("admin")
    for name in ("张三", "gh-1023", "li.si_2"):
        response = client.post("/admin/users", data={"username": name, "role": "agent", "password": "long-enough-1"})
        assert response.status_code == 302, name


def test_an_empty_department_form_names_both_missing_fields(client, users, auth):
    auth.login("admin")
    html = client.post("/admin/departments", data={"code": "", "name": ""}).get_data(as_text=True)
    assert "请填写单位名称" in html and "编码为大写字母开头" in html


def test_the_icon_is_served_and_the_citizens_page_has_no_staff_shortcuts(client, users, auth):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    icon.close()
    progress = client.get("/progress").get_data(as_text=True)
    assert "快捷键" not in progress and 'rel="icon"' in progress
    auth.login("agent")
    assert "快捷键" in client.get("/agent/calls/new").get_data(as_text=True)


def test_no_link_pages_into_months_still_to_come(client, users, auth, on):
    on(datetime(2026, 4, 5, 10, 0, tzinfo=LOCAL))
    auth.login("supervisor")
    for path, month_link in (("/statistics/?month=2026-04", "month=2026-05"), ("/assessment/?month=2026-04", "month=2026-05"),
                             ("/reviews/?month=2026-04", "month=2026-05"),
                             ("/supervise/invalid-calls?month=2026-04", "month=2026-05")):
        html = client.get(path).get_data(as_text=True)
        assert month_link not in html, path
    assert "month=2026-04" in client.get("/statistics/?month=2026-03").get_data(as_text=True)


def test_a_merged_ticket_shows_no_deadline_in_lists(db, client, users, auth, now, on):
    on(now + timedelta(hours=1))
    first = make_ticket(db, users, now, status=S.DISPATCHED)
    duplicate = make_ticket(db, users, now + timedelta(minutes=5), status=S.DISPATCHED)
    tickets.merge(db.session, duplicate, first, actor=users["agent"], now=now + timedelta(minutes=30), note="同一事项")
    db.session.commit()
    auth.login("agent")
    html = client.get("/tickets/").get_data(as_text=True)
    row = html[html.index(duplicate.number):]
    row = row[:row.index("</tr>")]
    assert "已合并" in row and "23:59" not in row


def test_an_overdue_ticket_offers_no_extension_form_but_says_why(db, client, users, auth, now, on):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    db.session.commit()
    auth.login("staff_dybz")
    on(ticket.reply_due_at - timedelta(hours=1))
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "actions/request_extension" in page and "不能再申请延期" not in page
    on(ticket.reply_due_at + timedelta(hours=1))
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "actions/request_extension" not in page and "已超过办理时限，不能再申请延期" in page
    response = client.post(f"/tickets/{ticket.number}/actions/request_extension",
                           data={"until": "2026-04-30", "reason": "忘了申请"}, follow_redirects=True)
    assert "延期须在时限届满前申请" in response.get_data(as_text=True)


def test_a_reopened_ticket_the_department_answered_offers_no_return_form(db, client, users, auth, now, on):
    ticket = make_ticket(db, users, now, status=S.CALLED_BACK)
    tickets.reopen(db.session, ticket, "群众不满意", actor=users["supervisor"], now=now + timedelta(hours=2))
    other = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    on(now + timedelta(hours=3))
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "actions/return" not in page and "本单位已答复过该工单，重办时不能退回" in page
    page = client.get(f"/tickets/{other.number}").get_data(as_text=True)
    assert "actions/return" in page and "return-refused" not in page


def test_past_the_return_window_the_page_says_so_instead_of_offering_the_form(db, client, users, auth, now, on):
    """The form was offered and the server then refused it (a staff-day review)."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    on(now + timedelta(days=2))
    assert "actions/return" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    on(now + timedelta(days=14))  # two weeks later: more than 5 working days after dispatch
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "actions/return" not in page and "已超过退回时限（派发后 5 个工作日内），不能退回" in page


def test_an_extension_is_refused_with_a_reason_and_asked_from_the_day_after_the_deadline(db, client, users, auth, now, on):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    on(now + timedelta(hours=1))
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    due_day = ticket.reply_due_at.astimezone(LOCAL).date()
    assert f'min="{(due_day + timedelta(days=1)).isoformat()}"' in page  # the deadline's own day was refused
    tickets.request_extension(db.session, ticket, "需外调", ticket.reply_due_at + timedelta(days=2),
                              actor=users["staff_dybz"], now=now + timedelta(hours=1))
    db.session.commit()
    auth.logout()
    auth.login("supervisor")
    html = client.post(f"/tickets/{ticket.number}/actions/refuse_extension", data={"note": " "},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写不批准延期的理由" in html
    db.session.refresh(ticket)
    assert ticket.extension_state == "requested"


def test_the_extension_form_says_the_last_day_allowed(db, client, users, auth, now, on):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    db.session.commit()
    on(now + timedelta(hours=1))
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    latest = tickets.extension_allowance(db.session, ticket).latest.isoformat()
    assert f'max="{latest}"' in page and f"最晚可延至 {latest}（每次最多 365 日）" in page


def test_the_supervisor_decides_the_extension_request_the_page_showed(db, client, users, auth, now, monkeypatch):
    """The page carries the date it showed; a request changed since is refused with the date it asks now."""
    import re

    ticket_service = tickets
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    ticket = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    asked = ticket.reply_due_at + timedelta(days=2)
    ticket_service.request_extension(db.session, ticket, "需外调", asked, actor=users["staff_dybz"], now=now)
    db.session.commit()
    auth.login("supervisor")
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    shown = re.search(r'name="until_shown" value="([^"]+)"', page).group(1)
    ticket_service.refuse_extension(db.session, ticket, actor=users["admin"], now=now, note="理由不足")
    ticket_service.request_extension(db.session, ticket, "补充材料", asked + timedelta(days=3), actor=users["staff_dybz"],
                                     now=now)
    db.session.commit()
    html = client.post(f"/tickets/{ticket.number}/actions/approve_extension", data={"until_shown": shown, "note": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "延期申请已变更" in html and ticket.extension_state == "requested"
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    shown = re.search(r'name="until_shown" value="([^"]+)"', page).group(1)
    client.post(f"/tickets/{ticket.number}/actions/approve_extension", data={"until_shown": shown, "note": ""})
    db.session.refresh(ticket)
    assert ticket.extension_state == "approved"


def test_a_ticket_opened_from_supervision_leads_back_to_it_after_the_decision(db, client, users, auth, now, on):
    """审核 from 督办 (filtered to one department) opened the ticket with no way back but the menu, which dropped
    the filter (a staff-day review)."""
    from tests.factories import extend

    ticket = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED), now, approved=None)
    db.session.commit()
    on(now + timedelta(hours=1))
    auth.login("supervisor")
    overview = client.get("/supervise/?department=DYBZ").get_data(as_text=True)
    assert "back=/supervise/?department%3DDYBZ%23extensions" in overview
    back = "/supervise/?department=DYBZ#extensions"
    page_url = f"/tickets/{ticket.number}?back=/supervise/?department%3DDYBZ%23extensions"
    page = client.get(page_url).get_data(as_text=True)
    assert f'href="{back}">← 返回督办</a>' in page
    response = client.post(f"/tickets/{ticket.number}/actions/approve_extension", data={"note": "同意"},
                           headers={"Referer": "http://localhost" + page_url})
    assert response.status_code == 302 and "back=" in response.headers["Location"]
    assert f'href="{back}">← 返回督办</a>' in client.get(response.headers["Location"]).get_data(as_text=True)
    for outside in ("https://example.com/", "//example.com/", "/\\example.com/", "javascript:alert(1)"):
        elsewhere = client.get(f"/tickets/{ticket.number}", query_string={"back": outside}).get_data(as_text=True)
        assert "返回列表" not in elsewhere and "example.com" not in elsewhere, outside  # /\host is //host to a browser


def test_an_urgent_ticket_may_be_extended_to_the_end_of_its_deadlines_own_day(db, client, users, auth, now, on):
    """A deadline within the day (urgent: 24 hours) may move to that day's end: the field allowed only the next."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, urgency="urgent")
    db.session.commit()
    due = ticket.reply_due_at.astimezone(LOCAL)
    assert due.time() < datetime.max.time().replace(microsecond=0)
    assert tickets.extension_allowance(db.session, ticket).earliest == due.date()


def test_an_address_only_a_form_posts_to_opened_directly_says_so_in_the_layout(client, users, auth):
    """A resilience review: GET /agent/triage/dispatch gave Werkzeug's English 405 page, outside the layout, with
    no way back."""
    auth.login("agent")
    response = client.get("/agent/triage/dispatch")
    html = response.get_data(as_text=True)
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert "这个地址只用于提交表单" in html and "返回首页" in html and "Method Not Allowed" not in html
    api = client.put("/api/v1/tickets")  # the API keeps its own JSON
    assert api.status_code == 405 and api.get_json()["error"]
