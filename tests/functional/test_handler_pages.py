"""经办人 on the pages and in the API: 我经办的 in the inbox, 转交 on the ticket page and as an API action."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import make_user
from tests.factories import make_ticket
from ticketing.models import Role, TicketStatus
from ticketing.services import api_tokens, tickets

S = TicketStatus


def test_my_tickets_tab_and_handing_over_on_the_ticket_page(db, client, users, auth, now, reference):
    colleague = make_user(db, "staff_dybz_2", Role.STAFF, reference["DYBZ"])
    colleague.display_name = "李科员"
    mine = make_ticket(db, users, now, status=S.ACCEPTED, title="我签收的")
    theirs = make_ticket(db, users, now, status=S.DISPATCHED, title="同事签收的")
    tickets.accept(db.session, theirs, actor=colleague, now=now + timedelta(hours=1))
    make_ticket(db, users, now, status=S.DISPATCHED, title="还没人签收")
    db.session.commit()
    auth.login("staff_dybz")
    html = client.get("/inbox/?state=mine").get_data(as_text=True)
    assert "我经办的" in html and "我签收的" in html and "同事签收的" not in html and "还没人签收" not in html
    everything = client.get("/inbox/").get_data(as_text=True)
    assert "<th>经办人</th>" in everything and "李科员" in everything

    page = client.get(f"/tickets/{mine.number}").get_data(as_text=True)
    assert "经办人：staff_dybz" in page and '<option value="staff_dybz_2">李科员</option>' in page
    response = client.post(f"/tickets/{mine.number}/actions/hand_over", data={"to": "staff_dybz_2", "note": "出差"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"已转交经办人：{mine.number}" in html and "经办人：李科员" in html and "staff_dybz → 李科员：出差" in html
    assert "我签收的" not in client.get("/inbox/?state=mine").get_data(as_text=True)


def test_hand_over_through_the_api(db, client, users, now, reference):
    make_user(db, "staff_dybz_2", Role.STAFF, reference["DYBZ"])
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    token = api_tokens.issue_token(db.session, now=now, user=users["staff_dybz"]).token
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/tickets/{ticket.number}", headers=headers).get_json()
    assert body["handler"] == "staff_dybz" and "hand_over" in body["allowed_actions"]
    response = client.post(f"/api/v1/tickets/{ticket.number}/actions", json={"action": "hand_over", "to": "staff_cbzj"},
                           headers=headers)
    assert response.status_code == 422 and "本单位" in response.get_json()["fields"]["to"]
    response = client.post(f"/api/v1/tickets/{ticket.number}/actions", json={"action": "hand_over", "to": "staff_dybz_2"},
                           headers=headers)
    assert response.status_code == 200 and response.get_json()["handler"] == "staff_dybz_2"
