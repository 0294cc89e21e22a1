"""POST /api/v1/tickets/{number}/actions, /api/v1/classify, the OpenAPI document and JSON errors."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.services import clock
from ticketing.models import Callback, Ticket, TicketStatus

S = TicketStatus


def act(api, ticket, as_, **payload):
    return api.post(f"/tickets/{ticket.number}/actions", payload, as_=as_)


def test_dispatch_accept_reply_callback_close(api, db, users, now):
    ticket = make_ticket(db, users, now)
    db.session.commit()
    steps = [
        ("agent", {"action": "dispatch", "department": "DYBZ", "category": "DY"}, "dispatched"),
        ("staff_dybz", {"action": "accept"}, "accepted"),
        ("staff_dybz", {"action": "reply", "content": "已按政策重新核算并补报 2000 元。"}, "replied"),
        ("agent", {"action": "callback", "reached": True, "satisfaction": "satisfied", "solved": True}, "called_back"),
        ("agent", {"action": "close", "note": "归档"}, "closed"),
    ]
    for as_, payload, status in steps:
        response = act(api, ticket, as_, **payload)
        assert response.status_code == 200, (payload, response.get_json())
        assert response.get_json()["status"] == status
    body = response.get_json()
    assert [e["action"] for e in body["events"]][-5:] == ["dispatch", "accept", "reply", "callback", "close"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Callback)) == 1


def test_return_and_extension(api, db, users, now, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=2))
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    response = act(api, ticket, "staff_dybz", action="request_extension", reason="需调取外地病历", until="2026-12-31")
    assert response.status_code == 200
    assert act(api, ticket, "supervisor", action="approve_extension", note="同意").status_code == 200
    assert api.get(f"/tickets/{ticket.number}", as_="agent").get_json()["reply_due_at"].startswith("2026-12-31T23:59:59")
    assert act(api, ticket, "staff_dybz", action="return", reason="不属于本科室").get_json()["status"] == "return_requested"
    body = act(api, ticket, "agent", action="approve_return", department="CBZJ").get_json()
    assert (body["status"], body["department"]) == ("dispatched", "CBZJ")


def test_return_is_not_offered_past_its_window(api, db, users, now, monkeypatch):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)  # dispatched on a Monday; the window is 5 working days
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=7))  # the 5th working day
    assert "return" in api.get(f"/tickets/{ticket.number}", as_="staff_dybz").get_json()["allowed_actions"]
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=8))  # the 6th
    body = api.get(f"/tickets/{ticket.number}", as_="staff_dybz").get_json()
    assert "return" not in body["allowed_actions"] and "reply" in body["allowed_actions"]
    assert act(api, ticket, "staff_dybz", action="return", reason="不属于本科室").status_code == 409


def test_merge_into_an_earlier_ticket(api, db, users, now):
    first = make_ticket(db, users, now)
    second = make_ticket(db, users, now)
    db.session.commit()
    body = act(api, second, "agent", action="merge", into=first.number).get_json()
    assert (body["status"], body["merged_into"]) == ("merged", first.number)
    assert act(api, second, "agent", action="merge", into="12393-00000000-000000").status_code in (409, 422)


def test_transfer_out_to_12345(api, db, users, now):
    ticket = make_ticket(db, users, now, category="QT", content="咨询养老金领取")
    db.session.commit()
    missing = act(api, ticket, "agent", action="transfer_out")
    assert missing.status_code == 422 and "reference" in missing.get_json()["fields"]
    body = act(api, ticket, "agent", action="transfer_out", reference="SX12345-2026-0042", note="养老保险事项").get_json()
    assert (body["status"], body["transfer_reference"]) == ("transferred_out", "SX12345-2026-0042")
    assert body["events"][-1]["action"] == "transfer_out"


def test_a_petition_not_the_bureaus_matter_goes_back_to_the_petition_office(api, client, auth, db, users, now):
    """A petition review: a petition the 信访局 sent could only be 转出至12345, and the 信访局 and the petitioner were
    told to ask 12345; it is returned to the 信访部门 that sent it, with the reason."""
    from ticketing.services import progress_lookup

    petition = make_ticket(db, users, now, channel="petition_bureau", category="QT", caller_phone="13912345678",
                           content="反映养老金发放问题")
    db.session.commit()
    auth.login("agent")
    page = client.get(f"/tickets/{petition.number}").get_data(as_text=True)
    assert "退回信访部门</button>" in page and "转出至12345</button>" not in page
    no_reason = act(api, petition, "agent", action="transfer_out", reference="医保函〔2026〕12号")
    assert no_reason.status_code == 422 and "note" in no_reason.get_json()["fields"]
    body = act(api, petition, "agent", action="transfer_out", reference="医保函〔2026〕12号",
               note="养老金发放属人社部门职责").get_json()
    assert body["status"] == "transferred_out" and body["events"][-1]["action_title"] == "退回信访部门"
    found = progress_lookup.lookup_progress(db.session, petition.number, "13912345678", now=now)
    assert "已退回信访部门" in found.progress.explanation and "12345" not in found.progress.explanation


def test_illegal_transition_is_409(api, db, users, now):
    ticket = make_ticket(db, users, now)
    db.session.commit()
    response = act(api, ticket, "agent", action="close")
    assert response.status_code == 409
    assert "已登记" in response.get_json()["error"]
    assert db.session.get(Ticket, ticket.id).status == "registered"


def test_wrong_role_is_403(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    assert act(api, ticket, "agent", action="accept").status_code == 403


def test_another_departments_ticket_is_404(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    assert act(api, ticket, "staff_cbzj", action="accept").status_code == 404


def test_channel_token_cannot_act(api, db, users, now):
    ticket = make_ticket(db, users, now, channel="mailbox_mayor")
    db.session.commit()
    response = act(api, ticket, "mayor", action="dispatch", department="DYBZ")
    assert response.status_code == 403 and response.get_json()["error"]


@pytest.mark.parametrize(("payload", "field"), [
    ({"action": "fly"}, "action"),
    ({}, "action"),
    ({"action": "dispatch", "department": "NOPE"}, "department"),
    ({"action": "dispatch", "department": "DYBZ", "category": "ZZ"}, "category"),
    ({"action": "dispatch", "departmnet": "DYBZ"}, "departmnet"),
])
def test_bad_action_parameters_are_422(api, db, users, now, payload, field):
    ticket = make_ticket(db, users, now)
    db.session.commit()
    response = act(api, ticket, "agent", **payload)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_request_extension_needs_a_date(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    response = act(api, ticket, "staff_dybz", action="request_extension", reason="复杂", until="next week")
    assert response.status_code == 422 and "until" in response.get_json()["fields"]


# ---- classify ----

def test_classify(api, db, reference, use_classifier):
    use_classifier(0.8)
    response = api.post("/classify", {"text": "住院报销比例是多少"}, as_="agent")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["label"], body["department"], body["type"]) == ("DY", "DYBZ", "consult")
    assert body["confidence"] == 0.8 and body["top"][0] == ["DY", 0.8] and body["reasons"]


def test_classify_and_registering_follow_the_same_threshold_and_categories_in_use(api, app, db, reference,
                                                                                  use_classifier, monkeypatch):
    """A code review: with the administrator's threshold at 0.95 and a prediction of 0.9, /classify said confident
    while POST /tickets left the ticket for an agent; CLASSIFIER_THRESHOLD overrode the administrator's value for the
    API and imports only; and /classify named a category switched off."""
    from ticketing.models import Category
    from ticketing.services import settings

    use_classifier(0.9)
    letter = {"channel": "mailbox_director", "type": "consult", "content": "住院报销比例是多少", "external_id": "T-1"}
    assert api.post("/classify", {"text": "住院报销比例是多少"}, as_="agent").get_json()["confident"] is True

    settings.set_setting(db.session, "classifier_threshold", 0.95)
    monkeypatch.setitem(app.config, "CLASSIFIER_THRESHOLD", 0.5)  # the administrator's value wins over it
    db.session.commit()
    assert api.post("/classify", {"text": "住院报销比例是多少"}, as_="agent").get_json()["confident"] is False
    registered = api.post("/tickets", letter, as_="agent").get_json()
    assert registered["status"] == "registered" and registered["category"] is None

    settings.set_setting(db.session, "classifier_threshold", None)  # cleared: CLASSIFIER_THRESHOLD applies again
    monkeypatch.setitem(app.config, "CLASSIFIER_THRESHOLD", 0.95)
    db.session.commit()
    assert api.post("/classify", {"text": "住院报销比例是多少"}, as_="agent").get_json()["confident"] is False
    monkeypatch.setitem(app.config, "CLASSIFIER_THRESHOLD", None)
    assert api.post("/classify", {"text": "住院报销比例是多少"}, as_="agent").get_json()["confident"] is True
    dispatched = api.post("/tickets", dict(letter, external_id="T-2"), as_="agent").get_json()
    assert dispatched["status"] == "dispatched"

    db.session.scalar(sa.select(Category).where(Category.code == "DY")).active = False
    db.session.commit()
    body = api.post("/classify", {"text": "住院报销比例是多少"}, as_="agent").get_json()
    assert body["label"] == "MT" and [code for code, _ in body["top"]] == ["MT"]
    assert body["confident"] is False and body["reasons"] == [] and body["department"] is None


def test_classify_without_a_model_is_503(api):
    response = api.post("/classify", {"text": "住院报销比例是多少"}, as_="agent")
    assert response.status_code == 503 and response.get_json()["error"]


def test_classify_needs_text_and_a_token(api, use_classifier):
    use_classifier()
    assert api.post("/classify", {"text": ""}, as_="agent").status_code == 422
    assert api.post("/classify", {"text": "住院"}).status_code == 401


# ---- the document and the errors ----

def test_openapi_document_lists_the_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/tickets", "/api/v1/tickets/{number}", "/api/v1/tickets/{number}/actions",
            "/api/v1/classify"} <= set(spec["paths"])
    create = spec["paths"]["/api/v1/tickets"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    ticket_in = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"channel", "external_id", "type", "content"} <= set(ticket_in["properties"])
    assert {"201", "200", "401", "403", "422"} <= set(create["responses"])
    assert "BearerAuth" in spec["components"]["securitySchemes"]


def test_the_openapi_command_prints_the_document_the_api_serves(app, client):
    """The README's `flask spec` was APIFlask's own command and failed on this app (KeyError: 'SPEC_FORMAT')."""
    import json

    printed = app.test_cli_runner().invoke(args=["openapi"])
    assert printed.exit_code == 0 and json.loads(printed.output) == client.get("/api/v1/openapi.json").get_json()


def test_unknown_api_url_and_method_answer_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]
    wrong_method = client.delete("/api/v1/tickets")
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"]
    page = client.get("/nothing-here")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_api_is_exempt_from_csrf(app, client, tokens, no_classifier):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {tokens['mayor']}"},
                               json={"external_id": "X-1", "type": "consult", "content": "住院报销怎么办理"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 201
