"""信访复查、复核 through POST /api/v1/tickets/{number}/actions and GET /api/v1/tickets/{number}."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


def test_the_api_records_both_and_lists_them(api, db, users, now, monkeypatch):
    petition = make_ticket(db, users, now, status=S.CALLED_BACK, channel="petition_bureau")
    ordinary = make_ticket(db, users, now, status=S.CLOSED)
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=5))
    body = api.get(f"/tickets/{petition.number}", as_="supervisor").get_json()
    assert "request_petition_review" in body["allowed_actions"] and "decide_petition_review" not in body["allowed_actions"]
    assert body["petition_reviews"] == [] and body["petition_concluded"] is False
    assert "request_petition_review" not in api.get(f"/tickets/{ordinary.number}", as_="supervisor").get_json()[
        "allowed_actions"]
    response = api.post(f"/tickets/{ordinary.number}/actions", {"action": "request_petition_review",
                                                                "reviewing_body": "省医疗保障局", "reason": "不服"},
                        as_="supervisor")
    assert response.status_code == 409 and "只有信访件" in response.get_json()["error"]
    response = api.post(f"/tickets/{petition.number}/actions", {"action": "request_petition_review",
                                                                "reviewing_body": "省医疗保障局", "reason": "不服",
                                                                "requested_on": "2026-05-01"}, as_="supervisor")
    assert response.status_code == 422 and "不能晚于今天" in response.get_json()["error"]
    response = api.post(f"/tickets/{petition.number}/actions", {"action": "request_petition_review",
                                                                "reviewing_body": "省医疗保障局", "reason": "不服",
                                                                "requested_on": "2026-03-06"}, as_="supervisor")
    assert response.status_code == 200, response.get_json()
    (review,) = response.get_json()["petition_reviews"]
    assert review | {"due_at": None} == {
        "stage": "recheck", "stage_title": "复查", "reviewing_body": "省医疗保障局", "reason": "不服",
        "answer_received_on": "2026-03-02", "requested_on": "2026-03-06", "due_at": None, "overdue": False,
        "recorded_by": users["supervisor"].display_name, "decision": None, "opinion": None, "decided_on": None,
        "decided_by": None, "withdrawn_at": None, "withdraw_reason": None}
    assert review["due_at"].startswith("2026-04-05T23:59:59")
    assert response.get_json()["events"][-1]["action"] == "request_petition_review"
    response = api.post(f"/tickets/{petition.number}/actions", {"action": "decide_petition_review",
                                                                "decision": "overturned", "opinion": "维持"},
                        as_="supervisor")
    assert response.status_code == 422 and "decision" in response.get_json()["fields"]
    response = api.post(f"/tickets/{petition.number}/actions", {"action": "decide_petition_review",
                                                                "decision": "upheld", "opinion": "维持"},
                        as_="staff_dybz")
    assert response.status_code == 403
    response = api.post(f"/tickets/{petition.number}/actions", {"action": "decide_petition_review",
                                                                "decision": "upheld", "opinion": "维持"},
                        as_="supervisor")
    assert response.status_code == 200 and response.get_json()["petition_reviews"][0]["decision"] == "upheld"
    assert response.get_json()["petition_reviews"][0]["decided_on"] == "2026-03-07"


def test_the_api_withdraws_a_request_recorded_by_mistake(api, db, users, now, monkeypatch):
    petition = make_ticket(db, users, now, status=S.CLOSED, channel="petition_bureau")
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=5))
    api.post(f"/tickets/{petition.number}/actions", {"action": "request_petition_review",
                                                     "reviewing_body": "市医疗保障局", "reason": "不服"}, as_="supervisor")
    body = api.get(f"/tickets/{petition.number}", as_="supervisor").get_json()
    assert {"decide_petition_review", "withdraw_petition_review"} <= set(body["allowed_actions"])
    assert "request_petition_review" not in body["allowed_actions"]  # one waits: a second would be refused
    response = api.post(f"/tickets/{petition.number}/actions", {"action": "withdraw_petition_review",
                                                                "reason": "登记错了"}, as_="supervisor")
    assert response.status_code == 200
    (withdrawn,) = response.get_json()["petition_reviews"]
    assert withdrawn["withdraw_reason"] == "登记错了" and withdrawn["withdrawn_at"] is not None
    assert response.get_json()["events"][-1]["action"] == "withdraw_petition_review"
    assert "request_petition_review" in response.get_json()["allowed_actions"]
