"""12393 ↔ 12345 互联互转 (a 12345 interop review): a 12345 order that is not the bureau's goes back to 12345 under its
own number with the reason; 12345 sending back what was transferred puts it in 待派发 again; 12345's number finds
the ticket; the citizen told to ask 12345 is given the number."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, progress_lookup, tickets
from ticketing.services.deadlines import LOCAL_TZ

ORDER = {"channel": "transfer_12345", "external_id": "GD-1", "transfer_reference": "SX12345-0001",
         "type": "complaint", "title": "住院报销未到账", "content": "住院报销三个月未到账",
         "caller_name": "周先生", "caller_phone": "13912345678"}


def act(api, number, as_, **data):
    return api.post(f"/tickets/{number}/actions", data, as_=as_)


def test_returning_a_12345_order_keeps_its_number_needs_a_reason_and_tells_12345(api):
    number = api.post("/tickets", ORDER | {"content": "咨询养老金领取"}, as_="transfer").get_json()["number"]
    assert act(api, number, "agent", action="transfer_out").status_code == 422  # a reason is needed
    response = act(api, number, "agent", action="transfer_out", note="养老金领取属人社部门")
    assert response.status_code == 200, response.get_json()
    body = api.get(f"/tickets/{number}", as_="agent").get_json()
    assert body["transfer_reference"] == "SX12345-0001" and body["events"][-1]["action_title"] == "退回12345"
    seen = api.get("/channel/tickets/GD-1", as_="transfer").get_json()
    assert seen["state"] == "已退回" and "养老金领取属人社部门" in seen["explanation"]


def test_12345_sending_back_what_was_returned_puts_it_in_triage_again(api, db):
    number = api.post("/tickets", ORDER | {"content": "咨询养老金领取"}, as_="transfer").get_json()["number"]
    act(api, number, "agent", action="transfer_out", note="养老金领取属人社部门")
    again = api.post("/tickets", ORDER | {"content": "退回12393：属医保个人账户问题，请办理"}, as_="transfer")
    assert again.status_code == 200
    body = api.get(f"/tickets/{number}", as_="supervisor").get_json()
    assert body["status"] == "registered" and body["events"][-1]["action"] == "take_back"
    assert "退回12393：属医保个人账户问题" in body["events"][-1]["note"] and body["events"][-1]["actor"] == "系统"
    assert datetime.fromisoformat(body["reply_due_at"]) > clock.now_utc()  # its reply deadline counts from now


def test_a_transferred_ticket_is_taken_back_by_hand_with_a_reason(api, db, users, now):
    ticket = make_ticket(db, users, now, status=TicketStatus.DISPATCHED)
    tickets.transfer_out(db.session, ticket, "SX-778", actor=users["agent"], now=now)
    db.session.commit()
    assert "take_back" not in api.get(f"/tickets/{ticket.number}", as_="staff_dybz").get_json().get(
        "allowed_actions", [])
    assert act(api, ticket.number, "agent", action="take_back").status_code == 422
    assert act(api, ticket.number, "agent", action="take_back", reason="12345 退回：属医保报销").status_code == 200
    db.session.expire_all()
    assert ticket.status == TicketStatus.REGISTERED.value and ticket.department is None


def test_12345s_number_finds_the_ticket(api):
    api.post("/tickets", ORDER, as_="transfer")
    assert api.get("/tickets?q=SX12345-0001", as_="agent").get_json()["total"] == 1
    assert api.get("/tickets?q=GD-1", as_="agent").get_json()["total"] == 1
    assert api.get("/channel/tickets/SX12345-0001", as_="transfer").status_code == 200


def test_a_citizen_told_to_ask_12345_is_given_its_number(db, users, now):
    ticket = make_ticket(db, users, now)
    tickets.transfer_out(db.session, ticket, "SX-778", actor=users["agent"], now=now)
    shown = progress_lookup.citizen_view(ticket, "13800138000", now=now)
    assert "12345 编号 SX-778" in shown.explanation


def test_12345s_own_time_limit_governs_when_it_is_the_earlier(api, db):
    far = (clock.now_utc().astimezone(LOCAL_TZ).date() + timedelta(days=400)).isoformat()
    later = api.post("/tickets", ORDER | {"external_id": "GD-2", "due_at": far}, as_="transfer").get_json()
    tomorrow = (clock.now_utc().astimezone(LOCAL_TZ).date() + timedelta(days=1)).isoformat()
    sooner = api.post("/tickets", ORDER | {"external_id": "GD-3", "due_at": tomorrow}, as_="transfer")
    assert sooner.status_code == 201, sooner.get_json()
    sooner = sooner.get_json()
    due = datetime.fromisoformat(sooner["reply_due_at"]).astimezone(LOCAL_TZ)
    assert (due.date().isoformat(), f"{due:%H:%M:%S}") == (tomorrow, "23:59:59")
    assert later["reply_due_at"][:10] < far  # the centre's own limit is the earlier there
    body = api.get(f"/tickets/{sooner['number']}", as_="agent").get_json()
    assert "来源要求" in body["events"][0]["note"] and "按来源要求" in body["events"][0]["note"]
    # one before its receipt makes no sense: not taken, but the order is (refused, it would be lost)
    taken = api.post("/tickets", ORDER | {"external_id": "GD-4", "due_at": "2020-01-01"}, as_="transfer")
    assert taken.status_code == 201
    body = api.get(f"/tickets/{taken.get_json()['number']}", as_="agent").get_json()
    assert "早于受理时间，未采用" in body["events"][0]["note"] and body["reply_due_at"][:4] != "2020"


def test_12345_raising_the_urgency_on_a_resend_makes_it_urgent(api, db):
    number = api.post("/tickets", ORDER, as_="transfer").get_json()["number"]
    assert api.post("/tickets", ORDER | {"urgency": "urgent"}, as_="transfer").status_code == 200
    body = api.get(f"/tickets/{number}", as_="supervisor").get_json()
    assert body["urgency"] == "urgent" and body["events"][-1]["action"] == "make_urgent"
    assert body["events"][-1]["actor"] == "系统" and "升为紧急" in body["events"][-1]["note"]


def test_a_letter_transferred_on_to_12345_stays_there_when_its_writer_adds_to_it(api, db):
    """A diff review: a mailbox's re-send took back a letter 12345 still had; only a returned order comes back."""
    letter = {"channel": "mailbox_mayor", "external_id": "SZ-1", "type": "consult", "content": "问养老金怎么领"}
    number = api.post("/tickets", letter, as_="mayor").get_json()["number"]
    act(api, number, "agent", action="transfer_out", reference="SX-55")
    assert api.post("/tickets", letter | {"content": "问养老金怎么领，补充：我是退休职工"}, as_="mayor").status_code == 200
    assert api.get(f"/tickets/{number}", as_="agent").get_json()["status"] == "transferred_out"


def test_a_returned_order_sent_back_with_its_own_new_time_limit_keeps_it(api, db):
    number = api.post("/tickets", ORDER | {"content": "咨询养老金领取"}, as_="transfer").get_json()["number"]
    act(api, number, "agent", action="transfer_out", note="养老金领取属人社部门")
    soon = (clock.now_utc().astimezone(LOCAL_TZ).date() + timedelta(days=2)).isoformat()
    api.post("/tickets", ORDER | {"content": "退回12393：属医保个人账户问题", "due_at": soon}, as_="transfer")
    body = api.get(f"/tickets/{number}", as_="agent").get_json()
    due = datetime.fromisoformat(body["reply_due_at"]).astimezone(LOCAL_TZ)
    assert body["status"] == "registered" and due.date().isoformat() == soon


def test_a_closed_order_sent_back_by_12345_is_put_before_supervisors_who_reopen_it(api, db, client, auth):
    """12345's 回访不满意，退回重办 on a ticket already answered and called back was a line in its history nobody was
    shown; now it waits on 督办 (近 7 天) with 12345's words and a 重办 form, and is not reopened on the channel's word."""
    number = api.post("/tickets", ORDER, as_="transfer").get_json()["number"]
    assert act(api, number, "agent", action="dispatch", department="DYBZ").status_code == 200
    assert act(api, number, "staff_dybz", action="accept").status_code == 200
    assert act(api, number, "staff_dybz", action="reply", content="已核实，报销款本周发放。").status_code == 200
    assert api.post("/channel/tickets/GD-1/evaluation", {"satisfaction": "satisfied", "solved": True},
                    as_="transfer").status_code == 201
    assert act(api, number, "agent", action="close").status_code == 200
    again = api.post("/tickets", ORDER | {"content": "回访群众不满意：报销款仍未到账，退回重办"}, as_="transfer")
    assert again.status_code == 200
    body = api.get(f"/tickets/{number}", as_="supervisor").get_json()
    assert body["status"] == "closed" and body["follow_up_count"] == 1  # not reopened on the channel's word
    auth.login("supervisor")
    page = client.get("/supervise/").get_data(as_text=True)
    section = page[page.index('id="sent_again"'):]
    assert number in section[:section.index("</section>")] and "回访群众不满意" in section[:section.index("</section>")]
    ticket_page = client.get(f"/tickets/{number}").get_data(as_text=True)
    assert "不会因此重新办理" in ticket_page and 'href="#reopen-form"' in ticket_page
    client.post(f"/tickets/{number}/actions/reopen", data={"reason": "12345 回访不满意，退回重办",
                                                           "next": "/supervise/#sent_again"})
    assert api.get(f"/tickets/{number}", as_="supervisor").get_json()["status"] == "dispatched"
    page = client.get("/supervise/").get_data(as_text=True)
    section = page[page.index('id="sent_again"'):]
    assert number not in section[:section.index("</section>")]  # worked again: off the list, atop the inbox


def test_only_a_resend_after_the_answer_waits_on_supervision(api, db):
    """A 催办 while the ticket was worked, or a re-send a 重办 and a new answer dealt with, is not listed (it was)."""
    from ticketing.services import inbox

    def listed(number):
        db.session.expire_all()
        return number in {t.number for t in db.session.scalars(inbox.sent_again_query(clock.now_utc()))}

    number = api.post("/tickets", ORDER | {"external_id": "GD-9"}, as_="transfer").get_json()["number"]
    act(api, number, "agent", action="dispatch", department="DYBZ")
    api.post("/tickets", ORDER | {"external_id": "GD-9", "content": "群众再次来电催问进度"}, as_="transfer")  # while worked
    act(api, number, "staff_dybz", action="accept")
    act(api, number, "staff_dybz", action="reply", content="已核实。")
    assert api.get(f"/tickets/{number}", as_="agent").get_json()["follow_up_count"] == 1 and not listed(number)
    api.post("/tickets", ORDER | {"external_id": "GD-9", "content": "群众不满意，退回重办"}, as_="transfer")
    assert listed(number)
    act(api, number, "supervisor", action="reopen", reason="12345 退回重办")
    act(api, number, "staff_dybz", action="accept")
    act(api, number, "staff_dybz", action="reply", content="重办后再次核实并答复。")
    assert not listed(number)


def test_a_resend_is_news_each_round_and_only_answered_tickets_count_it(api, db, client, auth):
    """A second review: the same "退回重办" about a second answer was dropped as a retry of the first; a re-send of a
    ticket transferred on counted a 催办 nobody was shown; an on-the-spot answer was offered a 重办 that always fails."""
    number = api.post("/tickets", ORDER | {"external_id": "GD-7"}, as_="transfer").get_json()["number"]
    for step in ({"action": "dispatch", "department": "DYBZ"}, {"action": "accept"}, {"action": "reply", "content": "已核实。"}):
        act(api, number, "agent" if step["action"] == "dispatch" else "staff_dybz", **step)
    sent_back = ORDER | {"external_id": "GD-7", "content": "回访不满意，退回重办"}
    api.post("/tickets", sent_back, as_="transfer")
    api.post("/tickets", sent_back, as_="transfer")  # a retry: once
    assert api.get(f"/tickets/{number}", as_="agent").get_json()["follow_up_count"] == 1
    act(api, number, "supervisor", action="reopen", reason="12345 退回重办")
    act(api, number, "staff_dybz", action="accept")
    act(api, number, "staff_dybz", action="reply", content="重办后再次核实。")
    api.post("/tickets", sent_back, as_="transfer")  # the same words about the second answer: news
    assert api.get(f"/tickets/{number}", as_="agent").get_json()["follow_up_count"] == 2

    mail = {"external_id": "ML-8", "type": "consult", "content": "咨询养老金领取", "caller_phone": "13912345679"}
    letter = api.post("/tickets", mail, as_="mayor").get_json()["number"]
    assert act(api, letter, "agent", action="transfer_out", reference="SX12345-0008").status_code == 200
    api.post("/tickets", mail | {"content": "补充：退休时间是去年"}, as_="mayor")  # transferred on: stays with 12345
    body = api.get(f"/tickets/{letter}", as_="agent").get_json()
    assert body["status"] == "transferred_out" and body["follow_up_count"] == 0
    assert "补充：退休时间是去年" in body["events"][-1]["note"]  # a line in its history

    spot = api.post("/tickets", ORDER | {"external_id": "GD-6", "type": "consult", "content": "门特怎么办理"},
                    as_="transfer").get_json()["number"]
    act(api, spot, "agent", action="recategorise", category="MT")
    act(api, spot, "agent", action="answer_on_the_spot", answer="携带诊断证明到参保地经办机构申请。")
    api.post("/tickets", ORDER | {"external_id": "GD-6", "content": "还是不清楚要哪些材料"}, as_="transfer")
    auth.login("supervisor")
    page = client.get("/supervise/").get_data(as_text=True)
    section = page[page.index('id="sent_again"'):]
    section = section[:section.index("</section>")]
    row = section[section.index(spot):]
    assert "没有承办单位" in row[:row.index("</tr>")] and "重办原因" not in row[:row.index("</tr>")]
    assert "重办原因" not in client.get(f"/tickets/{spot}").get_data(as_text=True)
