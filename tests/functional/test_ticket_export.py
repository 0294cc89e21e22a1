"""工单查询 → 导出 Excel: the page's filters and visibility, callers masked, 是否超期 as the overdue filter says."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.factories import make_ticket
from ticketing.models import Ticket, TicketStatus
from ticketing.services import clock, inbox, ticket_export

S = TicketStatus


def rows(response) -> list[list]:
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture()
def tickets_of_two_departments(db, users, now):
    made = [
        make_ticket(db, users, now, status=S.ACCEPTED, department="DYBZ", caller_name="王小红",
                    caller_phone="13912345678", content="住院报销比例是多少，出院结算只报了一半"),
        make_ticket(db, users, now, status=S.DISPATCHED, category="CB", department="CBZJ", type="consult",
                    content="灵活就业断缴三个月怎么补缴"),
        make_ticket(db, users, now, status=S.REGISTERED, type="consult", content="异地就医备案怎么办理"),
    ]
    db.session.commit()
    return made


def test_the_export_follows_the_filters_and_masks_callers(db, client, users, auth, tickets_of_two_departments):
    auth.login("supervisor")
    page = client.get("/tickets/?type=complaint&page=2").get_data(as_text=True)
    assert 'href="/tickets/export.xlsx?type=complaint"' in page  # the query's filters, not its page number
    table = rows(client.get("/tickets/export.xlsx?type=complaint"))
    assert "查询条件：投诉" in table[0][0] and "共 1 件" in table[0][0]
    assert table[1][:3] == ["工单号", "受理时间", "来源"]
    (row,) = table[2:]
    values = dict(zip(table[1], row))
    assert values["工单号"] == tickets_of_two_departments[0].number
    assert values["诉求类型"] == "投诉" and values["承办单位"] == "待遇保障科" and values["状态"] == "已签收"
    assert values["经办人"] == "staff_dybz"  # who accepted it
    assert values["来电人"] == "王**" and values["来电号码"] == "139****5678"
    assert "13912345678" not in str(table) and "王小红" not in str(table)
    assert values["诉求内容"] == "住院报销比例是多少，出院结算只报了一半"
    assert len(rows(client.get("/tickets/export.xlsx"))) == 2 + 3  # no filter: every ticket


def test_staff_export_only_their_own_department(db, client, users, auth, tickets_of_two_departments):
    auth.login("staff_dybz")
    table = rows(client.get("/tickets/export.xlsx?department=CBZJ"))  # another department's filter finds nothing
    assert len(table) == 2 and "共 0 件" in table[0][0]
    table = rows(client.get("/tickets/export.xlsx"))
    assert [row[0] for row in table[2:]] == [tickets_of_two_departments[0].number]


def test_overdue_column_agrees_with_the_overdue_filter(db, client, users, auth, now, tickets_of_two_departments):
    marked = {}
    for moment in (now, now + timedelta(days=2), clock.now_utc()):  # the tickets were made at `now`, long ago
        in_sql = set(db.session.scalars(sa.select(Ticket.number).where(inbox.overdue_condition(moment))))
        content, _ = ticket_export.workbook_bytes(db.session, sa.select(Ticket).order_by(Ticket.id), now=moment,
                                                  description="查询条件：全部")
        sheet = load_workbook(BytesIO(content)).active
        column = [cell.value for cell in sheet[2]].index("是否超期")
        marked[moment] = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if row[column] == "已超期"}
        assert marked[moment] == in_sql
    assert marked[now] == set()  # none late when made
    assert 0 < len(marked[now + timedelta(days=2)]) < len(tickets_of_two_departments)  # the acceptance is late first
    auth.login("supervisor")
    table = rows(client.get("/tickets/export.xlsx?overdue=1"))
    assert "已超期" in table[0][0]
    assert {row[0] for row in table[2:]} == {t.number for t in tickets_of_two_departments}  # all open, all late now
    assert all(row[table[1].index("是否超期")] == "已超期" for row in table[2:])


def test_a_large_result_is_cut_and_says_so(db, users, now, monkeypatch):
    for _ in range(3):
        make_ticket(db, users, now)
    monkeypatch.setattr(ticket_export, "MAX_ROWS", 2)
    content, count = ticket_export.workbook_bytes(db.session, sa.select(Ticket).order_by(Ticket.id.desc()),
                                                  now=now, description="查询条件：全部")
    sheet = load_workbook(BytesIO(content)).active
    assert count == 2 and sheet.max_row == 4
    assert "超过 2 件" in sheet["A1"].value


def test_export_needs_sign_in(client, users):
    response = client.get("/tickets/export.xlsx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_finished_ticket_shows_the_deadline_and_the_answer_as_the_page_does(db, client, users, auth, now):
    """An export review: the export gave 321 of 383 demo tickets, every finished one, its last deadline as if still
    pending, nothing for a merged or transferred one on the page, and no mark of the 31 answered late."""
    late = make_ticket(db, users, now, status=S.ACCEPTED, type="consult", title="答复晚了")
    answered_at = late.reply_due_at + timedelta(hours=2)
    from ticketing.services import tickets
    tickets.reply(db.session, late, "已答复", actor=users["staff_dybz"], now=answered_at)
    merged_into = make_ticket(db, users, now, status=S.DISPATCHED, title="主工单")
    merged = make_ticket(db, users, now + timedelta(minutes=5), status=S.DISPATCHED, title="重复的")
    tickets.merge(db.session, merged, merged_into, actor=users["agent"], now=now + timedelta(hours=1))
    db.session.commit()
    auth.login("supervisor")
    table = rows(client.get("/tickets/export.xlsx"))
    by_number = {row[0]: dict(zip(table[1], row)) for row in table[2:]}
    answered = by_number[late.number]
    assert answered["时限"] == ticket_export._local(late.reply_due_at)
    assert answered["答复时间"] == ticket_export._local(answered_at) and answered["是否超期"] == "答复超时"
    assert by_number[merged.number]["时限"] is None and by_number[merged.number]["答复时间"] is None
    page = client.get("/tickets/").get_data(as_text=True)
    assert "答复</span> <span class=\"overdue\">超时</span>" in page


def test_a_list_narrowed_by_a_phone_number_says_so_without_the_number(db, client, users, auth,
                                                                     tickets_of_two_departments):
    auth.login("supervisor")
    table = rows(client.get("/tickets/export.xlsx?phone=13912345678"))
    assert "查询条件：来电号码（已隐去）" in table[0][0] and "共 1 件" in table[0][0]
    assert "13912345678" not in str(table)


def test_the_filters_are_described_by_name_not_by_code(db, client, users, auth, tickets_of_two_departments):
    """A copy review: 查询条件：分类 DY，承办单位 DYBZ，经办人 staff_dybz; and a status nobody offers, as typed."""
    auth.login("supervisor")
    table = rows(client.get("/tickets/export.xlsx?category=DY&department=DYBZ&handler=staff_dybz&status=foo"))
    described = table[0][0]
    staff = users["staff_dybz"].display_name
    assert f"“foo”（无此选项），分类“待遇报销”，承办单位“待遇保障科”，经办人 {staff}" in described
