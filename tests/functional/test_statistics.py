"""工单统计: a month's intake by type, channel, category, region and local day, beside the month before."""
from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import assists, clock, invalid_calls, statistics, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus


@pytest.fixture()
def march(db, users):
    """Tickets received around March 2026 in Beijing time, with the month edges on both sides."""
    def at(*args):
        return datetime(*args, tzinfo=LOCAL_TZ)

    made = {
        # 1 March 00:30 in Beijing is still 28 February in UTC: it belongs to March
        "first": make_ticket(db, users, at(2026, 3, 1, 0, 30), type="consult", category="YD", region="赛罕区"),
        # answered at 09:30; the duplicate is merged before its callback and closing (a closed one takes none)
        "complaint": make_ticket(db, users, at(2026, 3, 2, 9, 0), status=S.REPLIED, category="DY", region="赛罕区",
                                 channel="mailbox_mayor"),
        "other_dept": make_ticket(db, users, at(2026, 3, 2, 10, 0), status=S.ACCEPTED, category="CB",
                                  department="CBZJ", type="help"),
        # 31 March 23:50 in Beijing: the last minutes of March
        "last": make_ticket(db, users, at(2026, 3, 31, 23, 50), type="consult", category="YD", region=None),
        "april": make_ticket(db, users, at(2026, 4, 1, 0, 10), type="consult", category="YD"),
        "february": make_ticket(db, users, at(2026, 2, 27, 12, 0), category="DY", region="赛罕区"),
    }
    duplicate = make_ticket(db, users, at(2026, 3, 2, 9, 30), category="DY")
    tickets.merge(db.session, duplicate, made["complaint"], actor=users["agent"], now=at(2026, 3, 2, 9, 35),
                  note="同一事项")
    tickets.record_callback(db.session, made["complaint"], reached=True, satisfaction="satisfied", solved=True,
                            actor=users["agent"], now=at(2026, 3, 2, 9, 40))
    tickets.close(db.session, made["complaint"], actor=users["agent"], now=at(2026, 3, 2, 9, 50))
    db.session.commit()
    return made


def shares(rows):
    return {row.key: (row.count, row.previous) for row in rows}


def test_a_month_is_counted_by_local_time_without_merged_duplicates(db, users, march):
    stats = statistics.month_statistics(db.session, "2026-03")
    assert (stats.total, stats.previous_total, stats.change) == (4, 1, 3)  # the merged duplicate is not counted
    assert shares(stats.by_type) == {"consult": (2, 0), "complaint": (1, 1), "help": (1, 0)}
    assert shares(stats.by_category) == {"YD": (2, 0), "DY": (1, 1), "CB": (1, 0)}
    assert [row.title for row in stats.by_category][:1] == ["异地就医"]  # largest first, by name
    assert shares(stats.by_channel) == {"hotline_12393": (3, 1), "mailbox_mayor": (1, 0)}
    assert shares(stats.by_region)["赛罕区"] == (2, 1) and shares(stats.by_region)[None] == (2, 0)
    assert stats.by_category[0].share == 0.5
    assert stats.closed == 1
    days = dict(stats.by_day)
    assert len(stats.by_day) == 31 and sum(days.values()) == 4
    assert days[datetime(2026, 3, 1).date()] == 1 and days[datetime(2026, 3, 31).date()] == 1
    assert days[datetime(2026, 3, 2).date()] == 2 and stats.busiest_day == (datetime(2026, 3, 2).date(), 2)


def test_a_month_still_running_is_compared_with_the_same_days_of_last_month(db, users, march):
    """On 5 April at 10:00, April's first days are set beside 1–5 March (10:00), not beside all of March."""
    on = datetime(2026, 4, 5, 10, 0, tzinfo=LOCAL_TZ)
    running = statistics.month_statistics(db.session, "2026-04", now=on)
    assert running.previous_until == datetime(2026, 3, 5, 10, 0, tzinfo=LOCAL_TZ)
    assert (running.total, running.previous_total) == (1, 3)  # March 1 and 2 (the 31st is later in the month)
    assert shares(running.by_type) == {"consult": (1, 1), "complaint": (0, 1), "help": (0, 1)}
    ended = statistics.month_statistics(db.session, "2026-04", now=datetime(2026, 5, 2, 9, 0, tzinfo=LOCAL_TZ))
    assert (ended.previous_until, ended.previous_total) == (None, 4)
    # 31 March 23:00: 30 days into March; February has 28, so all of it
    assert statistics.same_time_last_month("2026-03", datetime(2026, 3, 31, 23, 0, tzinfo=LOCAL_TZ)) == \
        datetime(2026, 3, 1, 0, 0, tzinfo=LOCAL_TZ)


def test_staff_see_their_own_departments_tickets(db, users, march):
    stats = statistics.month_statistics(db.session, "2026-03", department_id=users["staff_cbzj"].department_id)
    assert stats.total == 1 and shares(stats.by_category) == {"CB": (1, 0)}


def test_many_regions_are_cut_to_the_top_ten_and_the_rest(db, users):
    now = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)
    for n in range(12):
        for _ in range(12 - n):
            make_ticket(db, users, now + timedelta(minutes=n), region=f"第{n + 1}区")
    stats = statistics.month_statistics(db.session, "2026-03")
    assert [row.title for row in stats.by_region][:2] == ["第1区", "第2区"]
    assert stats.by_region[-1].title == "其他 2 个区县" and stats.by_region[-1].count == 2 + 1
    assert len(stats.by_region) == 11 and sum(row.count for row in stats.by_region) == stats.total


def test_the_page_for_supervisors_and_staff(db, client, users, auth, march):
    auth.login("supervisor")
    html = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    assert "工单统计 · 2026-03" in html and 'href="/statistics/"' in html  # in the menu
    assert "异地就医" in html and "每日受理量" in html and "+3" in html
    assert "/tickets/?received_from=2026-03-01&amp;received_to=2026-03-31&amp;category=YD" in html
    auth.logout()
    auth.login("staff_cbzj")
    html = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    assert "参保征缴科" in html and "异地就医" not in html
    auth.logout()
    auth.login("agent")
    assert client.get("/statistics/").status_code == 403


def test_a_month_without_tickets_and_a_bad_month(db, client, users, auth):
    auth.login("supervisor")
    html = client.get("/statistics/?month=2031-02").get_data(as_text=True)
    assert "本月没有受理工单" in html and "每日受理量" not in html
    assert client.get("/statistics/?month=banana").status_code == 200  # falls back to this month


def test_the_month_exports_to_excel_one_sheet_per_table(db, client, users, auth, march):
    auth.login("supervisor")
    assert 'href="/statistics/export.xlsx?month=2026-03"' in client.get("/statistics/?month=2026-03").get_data(
        as_text=True)
    response = client.get("/statistics/export.xlsx?month=2026-03")
    assert response.status_code == 200 and "statistics-2026-03.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["概况", "按诉求类型", "按来源渠道", "按业务分类", "按区县", "按日", "话务员工作量"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["受理"] == 4 and summary["上月受理"] == 1 and summary["已办结"] == 1
    assert "全中心" in book["概况"]["A1"].value
    categories = list(book["按业务分类"].iter_rows(min_row=2, values_only=True))
    assert categories[0] == ("异地就医", 2, 0.5, 0, 2)
    days = list(book["按日"].iter_rows(min_row=2, values_only=True))
    assert len(days) == 31 and days[0] == ("2026-03-01", "日", 1)
    auth.logout()
    auth.login("staff_cbzj")
    book = load_workbook(BytesIO(client.get("/statistics/export.xlsx?month=2026-03").data))
    assert "参保征缴科" in book["概况"]["A1"].value
    assert [row[0] for row in book["按业务分类"].iter_rows(min_row=2, values_only=True)] == ["参保缴费"]
    auth.logout()
    auth.login("agent")
    assert client.get("/statistics/export.xlsx").status_code == 403


def test_a_supervisor_looks_at_one_departments_month_with_its_handlers(db, client, users, auth, march):
    auth.login("supervisor")
    html = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    assert '<option value="CBZJ" >参保征缴科</option>' in html and 'id="handlers"' not in html  # the centre: no people
    html = client.get("/statistics/?month=2026-03&department=DYBZ").get_data(as_text=True)
    assert "工单统计 · 2026-03 · 待遇保障科" in html and '<option value="DYBZ" selected>' in html
    assert "待遇保障科经办人" in html and "staff_dybz" in html and "参保缴费" not in html
    assert "&amp;department=DYBZ&amp;category=DY\"" in html  # the drill-down keeps the department
    assert 'href="/statistics/?month=2026-02&amp;department=DYBZ"' in html
    response = client.get("/statistics/export.xlsx?month=2026-03&department=DYBZ")
    assert "statistics-2026-03-DYBZ.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.data))
    assert "待遇保障科" in book["概况"]["A1"].value and book.sheetnames[-1] == "本单位经办人"
    assert client.get("/statistics/?month=2026-03&department=NOPE").status_code == 404
    auth.logout()
    auth.login("staff_cbzj")  # staff stay in their own department whatever they ask for
    html = client.get("/statistics/?month=2026-03&department=DYBZ").get_data(as_text=True)
    assert "参保征缴科" in html and "异地就医" not in html and 'name="department"' not in html


def test_the_centres_view_counts_each_agents_work_in_the_month(db, client, users, auth):
    def at(*args):
        return datetime(*args, tzinfo=LOCAL_TZ)

    agent, supervisor = users["agent"], users["supervisor"]
    waiting = make_ticket(db, users, at(2026, 3, 3, 9, 0), status=S.DISPATCHED)  # registered and dispatched by the agent
    tickets.record_follow_up(db.session, waiting, "来电问进度", actor=agent, now=at(2026, 3, 5, 9, 0))  # 来电催办
    spot = make_ticket(db, users, at(2026, 3, 3, 10, 0), type="consult")
    tickets.answer_on_the_spot(db.session, spot, "已当场答复", actor=agent, now=at(2026, 3, 3, 10, 5))
    replied = make_ticket(db, users, at(2026, 3, 4, 9, 0), status=S.REPLIED)
    tickets.record_callback(db.session, replied, reached=False, satisfaction=None, solved=None, actor=supervisor,
                            now=at(2026, 3, 6, 9, 0))
    tickets.record_callback(db.session, replied, reached=True, satisfaction="satisfied", solved=True, actor=supervisor,
                            now=at(2026, 3, 7, 9, 0))
    duplicate = make_ticket(db, users, at(2026, 3, 5, 10, 0), status=S.DISPATCHED)
    tickets.merge(db.session, duplicate, waiting, actor=agent, now=at(2026, 3, 5, 10, 5))  # two events, one merge
    make_ticket(db, users, at(2026, 4, 1, 9, 0))  # April: not March's work
    db.session.commit()
    rows = {r.user.username: r for r in statistics.agent_month(db.session, "2026-03")}
    assert set(rows) == {"agent", "supervisor"}  # department staff and the admin are not the call centre
    mine = rows["agent"]
    assert (mine.registered, mine.on_the_spot, mine.dispatched, mine.callbacks, mine.merged) == (4, 1, 3, 0, 1)
    assert mine.on_the_spot_rate == 0.25 and mine.reached_rate is None
    assert mine.followed_up == 1 and rows["supervisor"].followed_up == 0
    boss = rows["supervisor"]
    assert (boss.registered, boss.callbacks, boss.reached, boss.reached_rate) == (0, 2, 1, 0.5)

    auth.login("supervisor")
    html = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    assert "话务员工作量" in html and "25.0%" in html and "（班长）" in html
    assert "话务员工作量" not in client.get("/statistics/?month=2026-03&department=DYBZ").get_data(as_text=True)
    book = load_workbook(BytesIO(client.get("/statistics/export.xlsx?month=2026-03").data))
    sheet = list(book["话务员工作量"].iter_rows(min_row=2, values_only=True))
    assert sheet[0][:4] == ("agent", 4, 1, 1 / 4)
    assert sheet[0][-3:] == (1, 0, None)  # 来电催办; nothing reviewed (质检, 平均分)


def test_todays_overview_counts_what_came_in_and_what_was_done_since_local_midnight(db, users, reference, auth, client,
                                                                                      monkeypatch):
    def at(hour, minute=0, day=2):
        return datetime(2026, 3, day, hour, minute, tzinfo=LOCAL_TZ)

    make_ticket(db, users, at(0, 20), status=S.CLOSED)  # 00:20 Beijing is still 1 March in UTC: today
    letter = make_ticket(db, users, at(8, 5), status=S.ACCEPTED, channel="mailbox_mayor")
    make_ticket(db, users, at(8, 40), content="住院押金交不起，我真的不想活了")  # waits for an agent (待派发)
    asked = make_ticket(db, users, at(9, 0), status=S.DISPATCHED, department="CBZJ", category="CB")
    make_ticket(db, users, at(23, 50, day=1), status=S.REPLIED)  # yesterday evening, answered today after midnight
    assists.request_assist(db.session, asked, reference["DYBZ"], "请核实报销记录", actor=users["staff_cbzj"],
                           now=at(9, 20))
    twice = make_ticket(db, users, at(9, 30))
    tickets.merge(db.session, twice, letter, actor=users["agent"], now=at(9, 31))  # a closed one takes none
    db.session.commit()

    day = statistics.day_overview(db.session, at(10, 0))
    assert day.since == at(0, 0) and day.received == 4  # the merged duplicate and yesterday's are not counted
    assert day.by_channel == [("12393热线", 3), ("市长信箱", 1)]
    assert day.by_hour[0] == 1 and day.by_hour[8] == 2 and day.by_hour[9] == 1 and sum(day.by_hour) == 4
    work = dict(day.work)
    # yesterday evening's ticket was dispatched, accepted and answered after midnight: today's work
    assert (work["派发"], work["签收"], work["答复"], work["回访"], work["办结归档"]) == (4, 3, 2, 1, 1)
    assert day.reached == 1 and day.waiting == 1  # the 08:40 call; the 09:30 one was merged
    assert day.flagged == 1 and work["升为紧急"] == 0  # the 08:40 call's 风险提示
    assert (work["发起协办"], work["协办反馈"]) == (1, 0)
    assert day.invalid_calls == 0
    one = statistics.day_overview(db.session, at(10, 0), department_id=users["staff_cbzj"].department_id)
    assert one.received == 1 and one.waiting is None

    invalid_calls.record(db.session, kind="silent", phone=None, call_reference=None, note="", actor=users["agent"],
                         now=at(9, 45))
    invalid_calls.record(db.session, kind="silent", phone=None, call_reference=None, note="", actor=users["agent"],
                         now=at(23, 0, day=1))  # yesterday's
    db.session.commit()
    assert statistics.day_overview(db.session, at(10, 0)).invalid_calls == 1
    monkeypatch.setattr(clock, "now_utc", lambda: at(10, 0))
    auth.login("supervisor")
    html = client.get("/supervise/").get_data(as_text=True)
    panel = html.split('id="today"')[1].split("</section>")[0]
    assert "03-02 0:00 至 10:00" in panel and "12393热线 3、市长信箱 1" in panel and "联系上 1" in panel
    assert '<title>8:00–9:00：2 件</title>' in panel and "其中风险提示 1 件" in panel
    assert '/supervise/invalid-calls">1</a></b><span>无效来电</span>' in panel

    # a department's own staff did the work for it, wherever the ticket went after: CBZJ accepts a ticket that is
    # then moved to DYBZ, and DYBZ gives the opinion CBZJ asked for
    def work_of(code):
        return dict(statistics.day_overview(db.session, at(10, 0), department_id=reference[code].id).work)

    before = {code: work_of(code) for code in ("CBZJ", "DYBZ")}
    moved = make_ticket(db, users, at(9, 40), status=S.DISPATCHED, department="CBZJ", category="CB")
    tickets.accept(db.session, moved, actor=users["staff_cbzj"], now=at(9, 41))
    tickets.reassign(db.session, moved, reference["DYBZ"], actor=users["supervisor"], now=at(9, 42), reason="应由待遇科办理")
    assists.answer_assist(db.session, asked, "已核实", actor=users["staff_dybz"], now=at(9, 43))
    db.session.commit()
    after = {code: work_of(code) for code in ("CBZJ", "DYBZ")}
    added = {code: {label: after[code][label] - before[code][label] for label in ("签收", "协办反馈", "派发")}
             for code in after}
    assert added["CBZJ"] == {"签收": 1, "协办反馈": 0, "派发": 0}
    assert added["DYBZ"] == {"签收": 0, "协办反馈": 1, "派发": 1}  # the centre's dispatch goes by who holds it now


def test_the_last_instant_of_a_day_counts_in_that_day(db, users, auth, client):
    last = datetime(2026, 3, 10, 23, 59, 59, 999600, tzinfo=LOCAL_TZ)  # SQLite's date() rounded it to 11 March
    ticket = make_ticket(db, users, last, type="consult", category="YD")
    db.session.commit()
    by_day = dict(statistics.month_statistics(db.session, "2026-03").by_day)
    assert by_day[last.date()] == 1 and sum(by_day.values()) == 1

    auth.login("supervisor")  # 工单查询 for that day: the page took the day up to 23:59:59.999999, not including it
    html = client.get("/tickets/?received_from=2026-03-10&received_to=2026-03-10").get_data(as_text=True)
    assert ticket.number in html
    exported = load_workbook(BytesIO(client.get("/tickets/export.xlsx?received_from=2026-03-10&received_to=2026-03-10")
                                     .data)).active
    cells = [str(c.value) for row in exported.iter_rows() for c in row if c.value]
    assert ticket.number in cells and any("受理时间 2026-03-10 至 2026-03-10" in c for c in cells)
    assert ticket.number not in client.get("/tickets/?received_to=2026-03-09").get_data(as_text=True)
