"""The API drops NUL, control characters and lone surrogates from JSON text (each was a 500 when saved on one
database or the other); an id wider than the database's integers is a 404."""
from __future__ import annotations

import json

from tests.factories import make_ticket
from ticketing.models import TicketStatus

def post(api, path, body, as_):
    """As a platform sends it: JSON with its escapes (a lone surrogate cannot be sent as UTF-8)."""
    return api.client.post("/api/v1" + path, data=json.dumps(body, ensure_ascii=True), content_type="application/json",
                           headers={"Authorization": f"Bearer {api.tokens[as_]}"})


LETTER = {"external_id": "ML-\u0000-1", "type": "complaint", "title": "标题\u000b分行\ud800",
          "content": "我父亲住院\u0000花费3万元，只报销了1万元\u0001，请核实。", "caller_name": "李\ud800建国",
          "caller_phone": "13912345678"}


def test_a_letter_with_them_is_taken_without_them(api):
    response = post(api, "/tickets", LETTER, as_="mayor")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["external_id"] == "ML--1" and body["title"] == "标题\n分行"
    assert "\u0000" not in body["content"] and "住院花费3万元，只报销了1万元，请核实" in body["content"]


def test_an_action_and_an_invalid_call_with_them(api, db, users, now):
    ticket = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    db.session.commit()
    response = post(api, f"/tickets/{ticket.number}/actions", {"action": "note", "content": "电话\u0000联系\ud800了"},
                        as_="staff_dybz")
    assert response.status_code == 200, response.get_json()
    assert ticket.notes[-1].content == "电话联系了"
    response = post(api, "/invalid-calls", {"kind": "other", "note": "骚扰\u0000电话\ud800"}, as_="agent")
    assert response.status_code in (200, 201), response.get_json()


def test_queries_and_ids(api):
    assert api.get("/tickets?phone=139%00", as_="supervisor").status_code == 200
    assert api.get("/tickets/abc%00", as_="supervisor").status_code == 404
    response = api.post("/announcements/99999999999999999999/read", as_="agent")
    assert response.status_code == 404 and "error" in response.get_json()


def test_dates_out_of_range_are_422(api):
    for path in ("/tickets?received_from=0001-01-01", "/tickets?received_to=9999-12-31",
                 "/tickets?received_from=0001-01-01T08:00:00"):
        response = api.get(path, as_="supervisor")
        assert response.status_code == 422 and "超出范围" in str(response.get_json()), path
    assert api.get("/channel/updates?since=0001-01-01", as_="mayor").status_code == 422
    for received_at in ("0001-01-01T08:00:00+08:00", "0001-01-01", "1970-01-01T08:00:00+08:00"):
        response = post(api, "/tickets", {**LETTER, "external_id": received_at, "received_at": received_at}, as_="mayor")
        assert response.status_code == 422 and "received_at" in response.get_json()["fields"], received_at


def test_the_document_says_what_a_bad_body_and_a_download_answer(api):
    spec = api.get("/openapi.json").get_json()
    submit = spec["paths"]["/api/v1/tickets"]["post"]["responses"]
    assert "400" in submit and "415" in submit and "application/json" in submit["400"]["content"]
    download = spec["paths"]["/api/v1/tickets/{number}/attachments/{attachment_id}"]["get"]["responses"]["200"]
    assert list(download["content"]) == ["*/*"]  # the file's own type
    assert "400" not in spec["paths"]["/api/v1/tickets"]["get"]["responses"]  # no body, no 400 for it


def test_an_unknown_field_whose_name_holds_a_lone_surrogate_is_a_422(api):
    response = post(api, "/tickets", {**LETTER, "\ud800": 1}, as_="mayor")
    assert response.status_code == 422 and response.get_json()["fields"]
