"""来电催办: the citizen rings again about a ticket still being worked. The agent records it on that ticket
(from the call form's phone history or the ticket page); the department sees it atop its inbox, the
supervisor on 督办, every list marks it, and the API does both."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=2))
    return now + timedelta(days=2)


def test_agent_records_a_repeat_call_from_the_ticket_page_and_the_department_sees_it(db, users, auth, client, now,
                                                                                     today):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13912345678")
    done = make_ticket(db, users, now, status=S.REPLIED, caller_phone="13912345678")
    db.session.commit()
    auth.login("agent")
    # the call form's phone history offers 登记催办 for the ticket still worked, not for the answered one
    history = {t["number"]: t["follow_up"] for t in
               client.post("/agent/assist", json={"text": "", "phone": "13912345678"}).get_json()["history"]}
    assert history == {ticket.number: True, done.number: False}
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert 'id="follow-up-form"' in page
    assert 'id="follow-up-form"' not in client.get(f"/tickets/{done.number}").get_data(as_text=True)

    html = client.post(f"/tickets/{ticket.number}/actions/follow_up", data={"note": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写来电人这次反映的内容" in html and ticket.follow_up_count == 0
    html = client.post(f"/tickets/{ticket.number}/actions/follow_up",
                       data={"note": "说三天了没人联系，电话 13912345678"}, follow_redirects=True).get_data(as_text=True)
    assert f"已记录来电催办：{ticket.number}" in html
    assert "群众来电催办 1 次" in html and "电话 13912345678" in html  # the agent sees the caller
    assert "来电催办</td>" in html  # in the history of the ticket

    auth.logout()
    auth.login("staff_dybz")
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "群众来电催办（近 7 天，1 件）" in inbox and "说三天了没人联系" in inbox
    assert ">催1</span>" in inbox  # the row is marked
    assert "139****5678" in inbox and "13912345678" not in inbox  # numbers in the words are masked in lists
    assert 'id="follow-up-form"' not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    refused = client.post(f"/tickets/{ticket.number}/actions/follow_up", data={"note": "x"},
                          follow_redirects=True).get_data(as_text=True)
    assert "无权执行“来电催办”" in refused and ticket.follow_up_count == 1
    auth.logout()
    auth.login("supervisor")
    supervise = client.get("/supervise/").get_data(as_text=True)
    assert "群众催办（近 7 天）" in supervise and ticket.number in supervise.split('id="follow_ups"')[1]


def test_the_api_records_a_repeat_call_and_reports_the_count(db, users, client, now, today):
    from ticketing.services import api_tokens

    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    token = api_tokens.issue_token(db.session, now=now, user=users["agent"]).token
    staff_token = api_tokens.issue_token(db.session, now=now, user=users["staff_dybz"]).token
    db.session.commit()
    url = f"/api/v1/tickets/{ticket.number}/actions"
    missing = client.post(url, json={"action": "follow_up"}, headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 422 and "note" in missing.get_json()["fields"]
    body = client.post(url, json={"action": "follow_up", "note": "再次来电"},
                       headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["follow_up_count"] == 1 and body["last_follow_up_at"].endswith("+08:00")
    assert body["events"][-1]["action"] == "follow_up" and body["status"] == "dispatched"
    refused = client.post(url, json={"action": "follow_up", "note": "x"},
                          headers={"Authorization": f"Bearer {staff_token}"})
    assert refused.status_code == 403


def test_a_repeat_call_waits_for_the_department_to_contact_the_caller(db, users, auth, client, now, today,
                                                                      monkeypatch):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13912345678")
    db.session.commit()
    auth.login("agent")
    client.post(f"/tickets/{ticket.number}/actions/follow_up", data={"note": "问什么时候有结果"})
    auth.logout()
    auth.login("staff_dybz")
    assert client.get("/todo.json").get_json()["counts"]["follow_ups"] == 1
    inbox_page = client.get("/inbox/").get_data(as_text=True)
    assert "其中催办后尚未联系来电人" in inbox_page
    assert f'/tickets/{ticket.number}#contact-form" class="tag notice">未联系' in inbox_page
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "催办后尚未联系来电人，<a href=\"#contact-form\">记录联系</a>" in page
    client.post(f"/tickets/{ticket.number}/actions/contact",
                data={"purpose": "progress", "method": "phone", "reached": "0"})  # a try counts: it was answered
    assert client.get("/todo.json").get_json()["counts"]["follow_ups"] == 0
    assert "催办后尚未联系来电人" not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    auth.logout()
    monkeypatch.setattr(clock, "now_utc", lambda: today + timedelta(hours=3))
    auth.login("agent")  # the caller rings again after the contact: waiting once more
    client.post(f"/tickets/{ticket.number}/actions/follow_up", data={"note": "还是没结果"})
    auth.logout()
    auth.login("staff_dybz")
    assert client.get("/todo.json").get_json()["counts"]["follow_ups"] == 1
