"""月度考核 pages: who sees what, contests, issuing, the Excel export and the print/chart markup."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.factories import make_ticket
from ticketing.models import AssessmentReport, TicketStatus
from ticketing.services import tickets

S = TicketStatus


@pytest.mark.parametrize(("username", "code"), [
    ("agent", 403), ("staff_dybz", 200), ("supervisor", 200), ("admin", 200),
])
def test_who_may_open_the_assessment(users, auth, client, today, username, code):
    auth.login(username)
    assert client.get("/assessment/").status_code == code
    assert client.get("/assessment/2026-03/contests").status_code == code
    assert client.get("/assessment/2026-03/export.xlsx").status_code == code


@pytest.mark.parametrize(("username", "has_menu"), [
    ("agent", False), ("staff_dybz", True), ("supervisor", True), ("admin", True),
])
def test_navigation_entry(users, auth, client, today, username, has_menu):
    auth.login(username)
    html = client.get("/tickets/").get_data(as_text=True)
    assert ('data-nav="assessment.index"' in html) is has_menu


def test_pages_need_login(client, users):
    response = client.get("/assessment/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_supervisor_sees_every_department_ranked_with_chart_and_print_css(users, auth, client, march):
    auth.login("supervisor")
    html = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert "未发布（实时）" in html
    assert 'data-department="DYBZ"' in html and 'data-department="CBZJ"' in html
    assert html.index('data-department="CBZJ"') < html.index('data-department="DYBZ"')  # 100 before 80
    assert "<svg" in html and "@media print" in html and "发布考核结果" in html
    # supervisors decide contests; they do not file them
    assert 'action="/assessment/2026-03/contests"' not in client.get("/assessment/2026-03/contests").get_data(as_text=True)
    assert "50.0%" in html and "—" in html
    # the previous month by default: March, seen from 5 April
    assert "月度考核 · 2026-03" in client.get("/assessment/").get_data(as_text=True)


def test_staff_see_only_their_own_department(users, auth, client, march):
    auth.login("staff_dybz")
    html = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert 'data-department="DYBZ"' in html and 'data-department="CBZJ"' not in html
    assert "发布考核结果" not in html
    assert client.get("/assessment/2026-03/departments/DYBZ").status_code == 200
    form = 'action="/assessment/2026-03/contests"'
    assert form in client.get("/assessment/2026-03/departments/DYBZ").get_data(as_text=True)
    assert form in client.get("/assessment/2026-03/contests").get_data(as_text=True)
    assert client.get("/assessment/2026-03/departments/CBZJ").status_code == 403
    assert client.post("/assessment/2026-03/issue", data={"confirm": "yes"}).status_code == 403
    assert client.post("/assessment/weights", data={"accept": 100}).status_code == 403
    workbook = load_workbook(BytesIO(client.get("/assessment/2026-03/export.xlsx").data))
    codes = [row[1] for row in workbook["考核结果"].iter_rows(min_row=3, values_only=True)]
    assert codes == ["DYBZ"]


def test_drill_down_lists_the_counted_tickets_with_links(users, auth, client, march):
    auth.login("supervisor")
    html = client.get("/assessment/2026-03/departments/DYBZ").get_data(as_text=True)
    for key in ("good", "late"):
        assert f'href="/tickets/{march[key].number}"' in html
    assert march["other"].number not in html
    assert "不及时" in html and "计入考核的工单（2 件）" in html
    assert client.get("/assessment/2026-03/departments/NOPE").status_code == 404
    assert client.get("/assessment/2026-13/departments/DYBZ").status_code == 404


def test_contest_flow_staff_files_supervisor_accepts(db, users, auth, client, march):
    auth.login("staff_dybz")
    assert client.post("/assessment/2026-03/contests/1/decision").status_code in (403, 404, 405)
    response = client.post("/assessment/2026-03/contests", data={"ticket": march["late"].number,
                                                                  "reason": "系统故障无法签收"})
    assert response.status_code == 302
    html = client.get("/assessment/2026-03/contests").get_data(as_text=True)
    assert march["late"].number in html and "待审核" in html and "同意核减" not in html
    refused = client.post("/assessment/2026-03/contests", data={"ticket": march["other"].number, "reason": "x"},
                          follow_redirects=True).get_data(as_text=True)
    assert "不在本单位当月考核范围内" in refused
    auth.logout()

    auth.login("staff_cbzj")
    assert march["late"].number not in client.get("/assessment/2026-03/contests").get_data(as_text=True)
    auth.logout()

    auth.login("supervisor")
    assert client.post("/assessment/2026-03/contests", data={"ticket": march["late"].number,
                                                              "reason": "x"}).status_code == 403
    html = client.get("/assessment/2026-03/contests").get_data(as_text=True)
    assert "同意核减" in html
    contest_id = int(html.split('data-contest="')[1].split('"')[0])
    undecided = client.post(f"/assessment/contests/{contest_id}/decision", data={"note": "未接通不属于核减情形"},
                            follow_redirects=True).get_data(as_text=True)  # Enter in the note, no button
    assert "回车不作决定" in undecided and "已核减" not in undecided and "已驳回" not in undecided
    rejected = client.post(f"/assessment/contests/{contest_id}/decision", data={"decision": "reject", "note": ""},
                           follow_redirects=True).get_data(as_text=True)
    assert "驳回申诉须填写理由" in rejected
    client.post(f"/assessment/contests/{contest_id}/decision", data={"decision": "accept", "note": "属实"})
    assert "已核减" in client.get("/assessment/2026-03/contests").get_data(as_text=True)
    html = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert "核减 1" in html
    detail = client.get(f"/tickets/{march['late'].number}").get_data(as_text=True)
    assert "考核申诉" in detail and "考核申诉通过（核减）" in detail and "属实" in detail


def test_issue_needs_confirmation_then_freezes(db, users, auth, client, march):
    auth.login("supervisor")
    html = client.post("/assessment/2026-03/issue", data={}, follow_redirects=True).get_data(as_text=True)
    assert "请勾选" in html and db.session.query(AssessmentReport).count() == 0
    html = client.post("/assessment/2026-03/issue", data={"confirm": "yes"}, follow_redirects=True).get_data(
        as_text=True)
    assert "已发布并冻结" in html and "数据已冻结" in html and "未发布（实时）" not in html
    # a running month cannot be issued
    html = client.post("/assessment/2026-04/issue", data={"confirm": "yes"}, follow_redirects=True).get_data(
        as_text=True)
    assert "尚未结束" in html
    assert "未发布（实时）" in client.get("/assessment/?month=2026-04").get_data(as_text=True)
    # once issued, no more contests
    auth.logout()
    auth.login("staff_dybz")
    html = client.post("/assessment/2026-03/contests", data={"ticket": march["late"].number, "reason": "迟到"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已发布" in html


def test_excel_export_has_the_figures(users, auth, client, march):
    auth.login("supervisor")
    response = client.get("/assessment/2026-03/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(BytesIO(response.data))
    sheet = workbook["考核结果"]
    header = [cell.value for cell in sheet[2]]
    rows = {row[1]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=3, values_only=True)}
    dybz = rows["DYBZ"]
    assert dybz["收件数"] == 2 and dybz["应签收"] == 2 and dybz["按时签收"] == 1
    assert dybz["签收及时率"] == 0.5 and dybz["按时办结率"] == 1.0 and dybz["满意率"] == "—"
    assert dybz["综合得分"] == 80.0 and dybz["排名"] == 2 and rows["CBZJ"]["排名"] == 1
    assert rows["YLJZ"]["收件数"] == 0 and rows["YLJZ"]["综合得分"] == "—"
    assert "计分权重" in workbook.sheetnames


def test_supervisor_sets_the_weights(users, auth, client, march):
    auth.login("supervisor")
    bad = client.post("/assessment/weights", data={"accept": 50, "on_time": 60, "satisfaction": 0, "resolution": 0,
                                                   "month": "2026-03"}, follow_redirects=True)
    assert "各项权重之和应为 100" in bad.get_data(as_text=True)
    # what was typed comes back to be corrected (it was replaced by the stored 20/30/30/20)
    assert 'name="accept" min="0" max="100" step="1" size="4" value="50"' in bad.get_data(as_text=True)
    assert 'name="on_time" min="0" max="100" step="1" size="4" value="60"' in bad.get_data(as_text=True)
    client.post("/assessment/weights", data={"accept": 100, "on_time": 0, "satisfaction": 0, "resolution": 0,
                                             "month": "2026-03"})
    workbook = load_workbook(BytesIO(client.get("/assessment/2026-03/export.xlsx").data))
    scores = {row[1]: row[22] for row in workbook["考核结果"].iter_rows(min_row=3, values_only=True)}
    assert scores["DYBZ"] == 50.0 and scores["CBZJ"] == 100.0


def received_by(html: str, code: str) -> int:
    """收件 of one department's row of the ranking table."""
    row = html.split(f'data-department="{code}"')[1]
    return int(row.split('<td class="num">')[2].split("<")[0])


def test_live_month_is_shared_for_a_few_minutes_and_a_supervisor_can_recompute(db, users, auth, client, march,
                                                                                  today):
    from tests.factories import make_ticket
    from ticketing.models import TicketStatus

    auth.login("supervisor")
    first = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert 'data-cached="no"' in first and "重新计算</button>" not in first
    make_ticket(db, users, today.replace(month=3, day=20), status=TicketStatus.DISPATCHED, title="三月又一件")
    db.session.commit()
    second = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert 'data-cached="yes"' in second and "几分钟内算过的结果" in second and "重新计算</button>" in second
    assert received_by(second, "DYBZ") == 2  # the third ticket is not in yet
    refreshed = client.post("/assessment/2026-03/refresh", follow_redirects=True).get_data(as_text=True)
    assert "已按截至" in refreshed and received_by(refreshed, "DYBZ") == 3
    auth.logout()
    auth.login("staff_dybz")
    assert client.post("/assessment/2026-03/refresh").status_code == 403
    assert "重新计算</button>" not in client.get("/assessment/?month=2026-03").get_data(as_text=True)


def test_issuing_names_the_months_receipts_still_waiting_for_an_extension_or_return_decision(db, users, auth, client,
                                                                                         march):
    from datetime import datetime, timedelta

    from tests.conftest import LOCAL

    start = datetime(2026, 3, 20, 9, 0, tzinfo=LOCAL)
    waiting = make_ticket(db, users, start, status=S.ACCEPTED, title="延期待批的")
    tickets.request_extension(db.session, waiting, "需调取外地病历", waiting.reply_due_at + timedelta(days=10),
                              actor=users["staff_dybz"], now=start + timedelta(hours=2))
    returning = make_ticket(db, users, start, status=S.RETURN_REQUESTED, title="退回待审的")
    db.session.commit()
    auth.login("supervisor")
    html = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert "件延期或退回申请待审批，发布后按现状冻结" in html, html[html.find("<h2>发布"):][:300]
    assert f">{waiting.number}</a>（延期待审批）" in html
    assert f">{returning.number}</a>（退回待审）" in html
    assert march["good"].number not in html.split("件延期或退回申请待审批")[1].split("</p>")[0]


def test_issuing_says_how_many_of_the_months_receipts_still_wait_for_their_callback(db, users, auth, client, march):
    from datetime import datetime

    from tests.conftest import LOCAL

    for ticket in march.values():  # answered in the fixture; called back now, as most are by month end
        if ticket.status == S.REPLIED.value:
            ticket.needs_callback = False
    start = datetime(2026, 3, 20, 9, 0, tzinfo=LOCAL)
    waiting = make_ticket(db, users, start, status=S.REPLIED, title="待回访的")
    waiting.needs_callback = True
    not_chosen = make_ticket(db, users, start, status=S.REPLIED, title="未抽中回访的")
    not_chosen.needs_callback = False
    april = make_ticket(db, users, datetime(2026, 4, 1, 9, 0, tzinfo=LOCAL), status=S.REPLIED, title="四月的")
    april.needs_callback = True
    db.session.commit()
    auth.login("supervisor")
    html = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    panel = html[html.find("<h2>发布"):]
    assert "本月收件中还有 1 件已答复、待" in panel and "不再计入任何月份的满意率和解决率" in panel

    tickets.record_callback(db.session, waiting, reached=True, satisfaction="satisfied", solved=True,
                            actor=users["agent"], now=datetime(2026, 4, 2, 9, 0, tzinfo=LOCAL))
    db.session.commit()
    assert "件已答复、待" not in client.get("/assessment/?month=2026-03").get_data(as_text=True)


def test_issuing_says_how_many_receipts_were_counted_on_a_calendar_not_yet_confirmed(db, users, auth, client, march):
    """A year-end review: December issued on 4 January froze a 签收 judged late because 1 January counted as a
    working day; entering 元旦 afterwards changed nothing in the issued month. The panel says so before issuing."""
    from datetime import datetime

    from tests.conftest import LOCAL

    counted = make_ticket(db, users, datetime(2026, 3, 20, 9, 0, tzinfo=LOCAL), status=S.DISPATCHED, title="日历未确认的")
    counted.calendar_confirmed = False
    db.session.commit()
    auth.login("supervisor")
    panel = client.get("/assessment/?month=2026-03").get_data(as_text=True).split("<h2>发布")[1]
    assert "本月收件中有 1 件的时限按尚未确认的节假日安排计算" in panel

    counted.calendar_confirmed = True
    db.session.commit()
    assert "尚未确认的节假日安排" not in client.get("/assessment/?month=2026-03").get_data(as_text=True)
