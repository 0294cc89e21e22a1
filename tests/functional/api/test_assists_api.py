"""协办 in the API: asked with the action request_assist, listed for the department asked (GET /assists), answered
with answer_assist; the ticket's JSON carries the requests, the caller masked for the department asked."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


def test_the_api_asks_lists_and_answers(db, client, users, now, api, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=1))
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13912345678")
    db.session.commit()
    response = api.post(f"/tickets/{ticket.number}/actions", as_="staff_dybz",
                        json={"action": "request_assist", "department": "CBZJ"})
    assert response.status_code == 422 and response.get_json()["fields"] == {"request": "请写明需要协办单位核实或答复的事项"}
    body = api.post(f"/tickets/{ticket.number}/actions", as_="staff_dybz",
                    json={"action": "request_assist", "department": "CBZJ", "request": "请核实缴费"}).get_json()
    [assist] = body["assists"]
    assert assist["department"] == "CBZJ" and assist["state"] == "open" and assist["overdue"] is False
    assert assist["due_at"] == "2026-03-05T23:59:59+08:00" and "request_assist" in body["allowed_actions"]

    listed = api.get("/assists", as_="staff_cbzj").get_json()
    assert listed["total"] == 1 and listed["items"][0]["ticket"] == ticket.number
    assert api.get("/assists", as_="agent").status_code == 403
    assert api.get("/assists?state=everything", as_="staff_cbzj").status_code == 422

    detail = api.get(f"/tickets/{ticket.number}", as_="staff_cbzj").get_json()
    assert detail["caller_phone"] == "139****5678" and detail["allowed_actions"] == ["answer_assist"]  # what POST /actions takes
    body = api.post(f"/tickets/{ticket.number}/actions", as_="staff_cbzj",
                    json={"action": "answer_assist", "opinion": "已足额缴费"}).get_json()
    assert body["assists"][0]["state"] == "answered" and body["assists"][0]["opinion"] == "已足额缴费"
    assert api.get("/assists", as_="staff_cbzj").get_json()["total"] == 0
    assert api.get("/assists?state=answered", as_="staff_cbzj").get_json()["total"] == 1
    again = api.post(f"/tickets/{ticket.number}/actions", as_="staff_cbzj",
                     json={"action": "answer_assist", "opinion": "再答"})
    assert again.status_code == 404 and again.get_json()["error"] == "本单位没有待反馈的协办"


def test_the_ticket_list_filters_by_assists(db, users, now, api):
    from ticketing.services.actions import perform_action

    asked = make_ticket(db, users, now, status=S.ACCEPTED, title="请参保征缴科核实的")
    make_ticket(db, users, now, status=S.ACCEPTED, title="没有协办的")
    perform_action(db.session, asked, "request_assist", {"department": "CBZJ", "request": "请核实"},
                   actor=users["staff_dybz"], now=now)
    db.session.commit()
    assert api.get("/tickets", as_="staff_cbzj").get_json()["total"] == 0  # its own list holds neither
    listed = api.get("/tickets?assist=asked", as_="staff_cbzj").get_json()
    assert [t["title"] for t in listed["items"]] == ["请参保征缴科核实的"] and listed["items"][0]["caller_masked"]
    assert [t["title"] for t in api.get("/tickets?assist=open", as_="supervisor").get_json()["items"]] == ["请参保征缴科核实的"]
    assert api.get("/tickets?assist=any", as_="staff_dybz").get_json()["total"] == 1
    bad = api.get("/tickets?assist=nonsense", as_="staff_cbzj")
    assert bad.status_code == 422 and "assist" in bad.get_json()["fields"]
