"""热点诉求 page: several callers about one matter in the last days, grouped; one caller ringing again, merged
duplicates and old tickets are not a hotspot; supervisors urge a group's open tickets at once; agents see it;
the grouping is shared by the workers for five minutes unless recomputed, and cron keeps the usual ones fresh."""
from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.factories import make_ticket
from tests.unit.classifiers.test_hotspots import OTHERS, PHARMACY
from ticketing.models import HotspotSnapshot, TicketStatus
from ticketing.services import clock, hotspots, tickets

S = TicketStatus


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1))
    return now + timedelta(days=1)


def section(html: str, n: int) -> str:
    return html.split(f'id="hotspot-{n}"')[1].split("</section>")[0]


def test_several_callers_about_one_matter_are_a_hotspot_and_can_be_urged(db, users, auth, client, now, today):
    pharmacy = [make_ticket(db, users, now + timedelta(hours=i), status=S.DISPATCHED, content=text,
                            caller_phone=f"1390000000{i}", category="DD", region="赛罕区")
                for i, text in enumerate(PHARMACY[:3])]
    for i, text in enumerate(OTHERS):
        make_ticket(db, users, now, content=text, caller_phone=f"1370000000{i}")
    # one caller ringing three times about their own matter is not a hotspot
    for i in range(3):
        make_ticket(db, users, now + timedelta(hours=i), content="我母亲的门诊慢特病认定申请交了一个月还没有结果，请尽快办理",
                    caller_phone="13600000000")
    # a month ago: outside the week
    make_ticket(db, users, now - timedelta(days=30), content=PHARMACY[3], caller_phone="13500000000")
    db.session.commit()

    auth.login("supervisor")
    html = client.get("/supervise/hotspots").get_data(as_text=True)
    assert html.count('class="panel hotspot"') == 1
    group = section(html, 1)
    assert "<b>3</b> 位来电人 · 3 件 · 在办 3 件" in group and "定点医药机构 3" in group and "赛罕区 3" in group
    assert all(t.number in group for t in pharmacy) and "督办本组在办工单" in group
    assert "比较了" in html and "件工单" in html

    response = client.post("/supervise/urge", data={"numbers": [t.number for t in pharmacy], "note": "药店结算异常请统一核查",
                                                    "next": "/supervise/hotspots#hotspot-1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/supervise/hotspots#hotspot-1")
    db.session.expire_all()
    assert all(t.urge_count == 1 and t.last_urge_note == "药店结算异常请统一核查" for t in pharmacy)

    # kept for five minutes: a fourth caller shows once recomputed
    fourth = make_ticket(db, users, now + timedelta(hours=5), content=PHARMACY[3], caller_phone="13900000009")
    db.session.commit()
    assert fourth.number not in client.get("/supervise/hotspots").get_data(as_text=True)
    fresh = client.get("/supervise/hotspots?fresh=1").get_data(as_text=True)
    assert fourth.number in section(fresh, 1) and "<b>4</b> 位来电人" in fresh
    assert "近 7 天没有 5 位以上来电人" in client.get("/supervise/hotspots?min_size=5").get_data(as_text=True)
    other = client.get("/supervise/hotspots?department=CBZJ&days=99").get_data(as_text=True)
    assert "近 7 天没有 3 位以上来电人" in other  # another department's, and an unknown window is the week

    book = load_workbook(BytesIO(client.get("/supervise/hotspots/export.xlsx").data))
    assert book.sheetnames == ["热点诉求", "工单明细"]
    assert [c.value for c in book["热点诉求"][3]][2:5] == [4, 4, 4]  # callers, tickets, open
    details = list(book["工单明细"].iter_rows(min_row=2, values_only=True))
    assert {row[1] for row in details} == {t.number for t in pharmacy + [fourth]} and all(row[0] == 1 for row in details)
    assert "13900000009" not in str(details)

    auth.logout()
    auth.login("agent")  # agents see it, to answer the next caller the same way, but do not urge
    html = client.get("/supervise/hotspots").get_data(as_text=True)
    assert pharmacy[0].number in html and "督办本组在办工单" not in html
    auth.logout()
    auth.login("staff_dybz")  # a department's staff: its own tickets only, whatever it asks for
    html = client.get("/supervise/hotspots?department=CBZJ&fresh=1").get_data(as_text=True)
    assert pharmacy[0].number in html and "全部单位" not in html and "督办本组在办工单" not in html
    auth.logout()
    auth.login("staff_cbzj")
    html = client.get("/supervise/hotspots?fresh=1").get_data(as_text=True)
    assert pharmacy[0].number not in html and "近 7 天没有 3 位以上来电人" in html
    # a department switched off: still its own (the page found it among no active ones and grouped the whole centre)
    users["staff_cbzj"].department.active = False
    db.session.commit()
    html = client.get("/supervise/hotspots?fresh=1").get_data(as_text=True)
    assert pharmacy[0].number not in html and "近 7 天没有 3 位以上来电人" in html and "全部单位" not in html
    auth.logout()
    auth.login("supervisor")
    assert client.get("/supervise/hotspots?department=NOSUCH").status_code == 404
    # a switched-off department asked for by the centre: its grouping, and the select says whose
    page = client.get("/supervise/hotspots?department=CBZJ").get_data(as_text=True)
    assert '<option value="CBZJ" selected>' in page


def test_merged_duplicates_are_not_counted(db, users, now, today):
    first = [make_ticket(db, users, now, content=text, caller_phone=f"1390000000{i}")
             for i, text in enumerate(PHARMACY[:2])]
    again = make_ticket(db, users, now + timedelta(hours=1), content=PHARMACY[2], caller_phone="13900000000")
    tickets.merge(db.session, again, first[0], actor=users["agent"], now=now + timedelta(hours=2))
    for i, text in enumerate(OTHERS):
        make_ticket(db, users, now, content=text, caller_phone=f"1370000000{i}")
    db.session.commit()
    assert hotspots.report(db.session, today).hotspots == []  # two callers, once the duplicate is merged
    assert [len(h.tickets) for h in hotspots.report(db.session, today, min_size=2).hotspots] == [2]


def test_the_api_gives_the_same_groups_to_the_centre_and_a_department_its_own(db, users, client, now, today):
    from ticketing.services import api_tokens

    pharmacy = [make_ticket(db, users, now + timedelta(hours=i), status=S.DISPATCHED, content=text,
                            caller_phone=f"1390000000{i}", region="赛罕区") for i, text in enumerate(PHARMACY)]
    for i, text in enumerate(OTHERS):
        make_ticket(db, users, now, content=text, caller_phone=f"1370000000{i}")
    token = {name: api_tokens.issue_token(db.session, now=now, user=users[name]).token
             for name in ("supervisor", "agent", "staff_dybz")}
    token["channel"] = api_tokens.issue_token(db.session, now=now, channel="mailbox_mayor").token
    db.session.commit()

    def get(path, who):
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token[who]}"})

    body = get("/hotspots", "supervisor").get_json()
    assert body["tickets_compared"] == len(PHARMACY) + len(OTHERS) and body["similarity"] == 0.35
    (group,) = body["hotspots"]
    assert (group["callers"], group["open"], group["regions"]) == (4, 4, [["赛罕区", 4]])
    assert {t["number"] for t in group["tickets"]} == {t.number for t in pharmacy}
    assert group["first_at"].endswith("+08:00") and group["tickets"][0]["similarity"] >= 0.35
    assert get("/hotspots?min_size=5", "agent").get_json()["hotspots"] == []
    assert get("/hotspots", "channel").status_code == 403
    token["staff_cbzj"] = api_tokens.issue_token(db.session, now=now, user=users["staff_cbzj"]).token
    db.session.commit()
    assert get("/hotspots?department=DYBZ&fresh=true", "staff_cbzj").get_json()["hotspots"] == []  # its own only
    assert len(get("/hotspots?fresh=true", "staff_dybz").get_json()["hotspots"]) == 1
    wrong = get("/hotspots?days=2&min_size=x", "supervisor")
    assert wrong.status_code == 422 and set(wrong.get_json()["fields"]) == {"days", "min_size"}
    assert get("/hotspots?department=NOPE", "supervisor").status_code == 404


def test_the_api_lists_the_largest_groups_up_to_the_limit_and_says_how_many_there_are(db, users, client, now,
                                                                                        today):
    from ticketing.services import api_tokens

    for i, text in enumerate(PHARMACY):
        make_ticket(db, users, now, content=text, caller_phone=f"1390000000{i}")
    deposit = ["市第三医院出院后住院押金一直不退，收费处说医保结算没完成",
               "市第三医院住院押金一直不退，收费处说医保结算还没完成",
               "反映市第三医院出院后住院押金不退，收费处称医保结算未完成"]
    for i, text in enumerate(deposit):
        make_ticket(db, users, now, content=text, caller_phone=f"1350000000{i}")
    token = api_tokens.issue_token(db.session, now=now, user=users["supervisor"]).token
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/hotspots", headers=headers).get_json()
    assert body["total"] == 2 and [g["callers"] for g in body["hotspots"]] == [4, 3]
    body = client.get("/api/v1/hotspots?limit=1", headers=headers).get_json()
    assert body["total"] == 2 and [g["callers"] for g in body["hotspots"]] == [4]
    wrong = client.get("/api/v1/hotspots?limit=0", headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["fields"]["limit"] == "每次 1–1000 组"


def test_a_window_with_more_tickets_than_can_be_compared_says_so(db, users, auth, client, now, today, monkeypatch):
    for i, text in enumerate(PHARMACY):
        make_ticket(db, users, now, content=text, caller_phone=f"1390000000{i}")
    db.session.commit()
    monkeypatch.setattr(hotspots, "MAX_TICKETS", 3)
    auth.login("supervisor")
    html = client.get("/supervise/hotspots").get_data(as_text=True)
    assert "这段时间受理的工单有 4 件，超过一次可比较的 3 件，请缩短时间范围或选择承办单位" in html
    assert 'name="days"' in html and "统计于" not in html  # the filters stay to choose a smaller window
    export = client.get("/supervise/hotspots/export.xlsx?days=30")
    assert export.status_code == 302 and "days=30" in export.headers["Location"]


def test_a_grouping_is_shared_by_the_workers_for_five_minutes_and_cron_refreshes_it(db, users, now, today, app,
                                                                                     monkeypatch):
    for i, text in enumerate(PHARMACY[:3]):
        make_ticket(db, users, now + timedelta(hours=i), content=text, caller_phone=f"1390000000{i}")
    for i, text in enumerate(OTHERS):
        make_ticket(db, users, now, content=text, caller_phone=f"1370000000{i}")
    db.session.commit()
    grouped = []
    real = hotspots.find_groups
    monkeypatch.setattr(hotspots, "find_groups", lambda *a, **k: grouped.append(1) or real(*a, **k))

    first = hotspots.report(db.session, today)
    db.session.commit()
    assert len(first.hotspots) == 1 and len(grouped) == 1
    hotspots.forget()  # another worker, with nothing of its own: it reads what the first one stored
    again = hotspots.report(db.session, today + timedelta(minutes=4))
    assert (again.computed_at, len(again.hotspots), len(grouped)) == (first.computed_at, 1, 1)
    hotspots.forget()
    later = hotspots.report(db.session, today + timedelta(minutes=6))  # older than five minutes: grouped again
    assert later.computed_at == today + timedelta(minutes=6) and len(grouped) == 2
    db.session.commit()

    # cron: `flask refresh-hotspots` groups the usual windows now, so that the page opens at once, and drops
    # what nobody asked for in a day
    hotspots.report(db.session, today - timedelta(days=2), days=14)
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: today + timedelta(minutes=8))
    result = app.test_cli_runner().invoke(args=["refresh-hotspots"])
    assert result.exit_code == 0, result.output
    assert [line.split("：")[0] for line in result.output.splitlines()] == ["近 1 天", "近 3 天", "近 7 天"]
    assert f"近 7 天：比较 {3 + len(OTHERS)} 件，1 组" in result.output and len(grouped) == 6
    hotspots.forget()
    shown = hotspots.report(db.session, today + timedelta(minutes=9))
    assert shown.computed_at == today + timedelta(minutes=8) and len(grouped) == 6
    keys = {row.key for row in db.session.scalars(sa.select(HotspotSnapshot))}
    assert {hotspots.snapshot_key(d, 3, 0.35, None) for d in (1, 3, 7)} <= keys
    assert hotspots.snapshot_key(14, 3, 0.35, None) not in keys  # two days old: dropped

    monkeypatch.setattr(hotspots, "MAX_TICKETS", 5)  # a window too large is refused, the others still stored
    result = app.test_cli_runner().invoke(args=["refresh-hotspots", "--days", "30", "--quiet"])
    assert result.exit_code == 0 and f"近 30 天：未统计，这段时间受理的工单有 {3 + len(OTHERS)} 件" in result.output



def test_the_page_lists_the_largest_groups_and_counts_them_all(db, users, auth, client, now, today, monkeypatch):
    for i, text in enumerate(PHARMACY[:3]):
        make_ticket(db, users, now + timedelta(hours=i), content=text, caller_phone=f"1390000000{i}")
    for i, text in enumerate(OTHERS):
        make_ticket(db, users, now, content=text, caller_phone=f"1370000000{i}")
    db.session.commit()
    shown = hotspots.report(db.session, today, limit=0)
    assert (shown.total, shown.hotspots) == (1, [])
    assert len(hotspots.report(db.session, today).hotspots) == 1
    monkeypatch.setattr("ticketing.views.supervisor.GROUPS_SHOWN", 0)
    auth.login("supervisor")
    html = client.get("/supervise/hotspots").get_data(as_text=True)
    assert "共 1 组，下面列出最大的 0 组" in html and 'id="hotspot-1"' not in html
    workbook = load_workbook(BytesIO(client.get("/supervise/hotspots/export.xlsx").data))
    assert "康佳大药房" in str([c.value for row in workbook.worksheets[0].iter_rows() for c in row])  # all groups


def test_the_page_and_the_export_read_their_tickets_in_one_query_not_one_each(db, users, auth, client, now, today):
    """The commit that stores the grouping expired the tickets read for it, and the page and the export then
    reloaded each one by its id (281 queries for a page on a province's week)."""
    for i, text in enumerate(PHARMACY[:3] * 2):
        make_ticket(db, users, now + timedelta(hours=i), status=S.DISPATCHED, content=text,
                    caller_phone=f"1390000001{i}", category="DD", region="赛罕区")
    db.session.commit()
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    auth.login("supervisor")
    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = client.get("/supervise/hotspots?fresh=1")
        export = client.get("/supervise/hotspots/export.xlsx")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert page.status_code == 200 and 'id="hotspot-1"' in page.get_data(as_text=True)
    assert export.status_code == 200
    # a ticket read by its id (a parameter), not a correlated subquery naming ticket.id (the menu's counts)
    one_by_one = [s for s in statements if "FROM ticket" in s and re.search(r"WHERE ticket\.id = (\?|%\()", s)]
    assert one_by_one == [], len(one_by_one)
