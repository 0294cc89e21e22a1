"""What the systems that integrate with the API tripped over (a review as a mailbox platform, a telephone platform
and a department's system, 4 Dec 2026): a feed that skipped a change while paging, a filter silently ignored,
retries counted twice, 500s for bodies that are only wrong, and the like."""
from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Callback, InvalidCall, Ticket, TicketStatus
from ticketing.services import clock, tickets
from ticketing.services.deadlines import LOCAL_TZ

S = TicketStatus
MAIL = {"channel": "mailbox_mayor", "type": "complaint", "title": "住院报销", "content": "住院报销比例过低，请核实。",
        "caller_phone": "13912345678"}


def _letters(api, count: int) -> list[str]:
    return [api.post("/tickets", MAIL | {"external_id": f"mail-{n}"}, as_="mayor").get_json()["number"]
            for n in range(count)]


def test_paging_the_feed_by_after_misses_nothing_when_a_ticket_changes_meanwhile(api, db, users, monkeypatch):
    numbers = _letters(api, 3)
    db.session.expire_all()
    stamps = {t.number: t.updated_at for t in db.session.scalars(sa.select(Ticket))}
    start = min(stamps.values()) - timedelta(seconds=1)
    polled = max(stamps.values()) + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now_utc", lambda: polled)
    query = f"/channel/updates?since={start.isoformat()}&per_page=1"
    first = api.get(query, as_="mayor").get_json()
    assert [i["number"] for i in first["items"]] == numbers[:1] and first["has_more"] and first["next_after"]
    # the first letter changes while the channel pages: its change is after until, for the next poll
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == numbers[0]))
    later = polled + timedelta(minutes=1)
    tickets.dispatch(db.session, ticket, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"], now=later)
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: later + timedelta(seconds=1))
    seen, body = [], first
    while body["has_more"]:
        body = api.get(f"{query}&until={first['until']}&after={body['next_after']}", as_="mayor").get_json()
        seen += [i["number"] for i in body["items"]]
    assert seen == numbers[1:]  # by page number the second letter would have been skipped
    assert api.get(f"{query}&until={first['until']}&after=nonsense", as_="mayor").status_code == 422


def test_a_feed_window_never_reaches_into_the_future(api, db, monkeypatch):
    _letters(api, 1)
    now = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    body = api.get(f"/channel/updates?since={(now - timedelta(hours=1)).isoformat()}"
                   f"&until={(now + timedelta(days=1)).isoformat()}", as_="mayor").get_json()
    assert body["until"] == now.replace(microsecond=0).astimezone(LOCAL_TZ).isoformat()


def test_tickets_are_found_by_phone_and_a_misspelt_filter_is_refused(api, db, users, now):
    mine = make_ticket(db, users, now, caller_phone="13512345678")
    make_ticket(db, users, now, caller_phone="13800138000")
    db.session.commit()
    body = api.get("/tickets?phone=135 1234 5678", as_="agent").get_json()
    assert [i["number"] for i in body["items"]] == [mine.number]
    refused = api.get("/tickets?departement=DYBZ", as_="agent")
    assert refused.status_code == 422 and "departement" in refused.get_json()["fields"]


def test_a_page_number_too_large_is_a_422_not_a_500(api, db):
    for path in ("/tickets", "/callbacks", "/assists", "/announcements"):
        response = api.get(f"{path}?page=99999999999999999999", as_="supervisor")
        assert response.status_code == 422, path


def test_a_body_that_is_not_json_is_a_415_and_one_nested_too_deep_a_400(api, db, client, tokens):
    headers = {"Authorization": f"Bearer {tokens['mayor']}"}
    plain = client.post("/api/v1/tickets", data=json.dumps(MAIL | {"external_id": "x"}),
                        headers=headers | {"Content-Type": "text/plain"})
    assert plain.status_code == 415 and plain.get_json()["error"] == "请求体须为 application/json"
    deep = client.post("/api/v1/tickets", data="[" * 100000 + "]" * 100000,
                       headers=headers | {"Content-Type": "application/json"})
    assert deep.status_code == 400 and "error" in deep.get_json()


def test_a_time_of_receipt_in_the_future_is_refused(api, db):
    future = (clock.now_utc() + timedelta(days=3)).isoformat()
    response = api.post("/tickets", MAIL | {"external_id": "f-1", "received_at": future}, as_="mayor")
    assert response.status_code == 422 and "晚于当前时间" in response.get_json()["fields"]["received_at"]


def test_an_external_id_is_trimmed_and_spaces_alone_are_refused(api, db):
    first = api.post("/tickets", MAIL | {"external_id": " ML-9 "}, as_="mayor")
    again = api.post("/tickets", MAIL | {"external_id": "ML-9"}, as_="mayor")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["external_id"] == "ML-9" and again.get_json()["number"] == first.get_json()["number"]
    assert api.post("/tickets", MAIL | {"external_id": "   "}, as_="mayor").status_code == 422


def test_retries_of_the_telephone_platform_count_once(api, db, users, now):
    call = {"kind": "nuisance", "caller_phone": "13800001111", "call_reference": "C-1"}
    first, again = (api.post("/invalid-calls", call, as_="agent") for _ in range(2))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"] and again.get_json()["nuisance_calls"] == 1
    assert db.session.scalar(sa.select(sa.func.count(InvalidCall.id))) == 1

    ticket = make_ticket(db, users, now - timedelta(days=1), status=S.REPLIED)
    db.session.commit()
    tries = [api.post(f"/tickets/{ticket.number}/actions", {"action": "callback", "reached": False}, as_="agent")
             for _ in range(3)]
    assert [t.status_code for t in tries] == [200, 409, 409]
    assert "不重复计次" in tries[1].get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count(Callback.id)).where(Callback.ticket_id == ticket.id)) == 1


def test_the_ticket_json_gives_the_handlers_user_name_and_only_actions_the_api_takes(api, db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    body = api.get(f"/tickets/{ticket.number}", as_="supervisor").get_json()
    assert body["handler_username"] == "staff_dybz"
    assert api.get("/tickets?handler=staff_dybz", as_="supervisor").get_json()["total"] == 1
    assert not {"attach", "remove_attachment", "grant_identity", "recheck_risk"} & set(body["allowed_actions"])


def test_plain_mistakes_get_chinese_messages(api, db, users, now):
    assert api.get("/hotspots?fresh=maybe", as_="supervisor").get_json()["fields"]["fresh"] == "应为 true 或 false"
    ticket = make_ticket(db, users, now)
    db.session.commit()
    body = api.post(f"/tickets/{ticket.number}/actions", {"action": "dispatch"}, as_="agent").get_json()
    assert body["fields"]["department"] == "请选择承办单位"


def test_writes_at_the_same_moment_wait_their_turn(app, api, db, tokens):
    """Ten letters pushed at once, and ten notes on one ticket: each is saved (on SQLite a transaction that read
    before writing used to be refused at once, "database is locked", a 500)."""
    from concurrent.futures import ThreadPoolExecutor

    db.session.commit()
    headers = {"Authorization": f"Bearer {tokens['mayor']}"}

    def push(n: int) -> int:
        with app.test_client() as own:  # its own application context, session and connection, as a worker's
            return own.post("/api/v1/tickets", json=MAIL | {"external_id": f"at-once-{n}"}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert sorted(pool.map(push, range(10))) == [201] * 10
    number = db.session.scalar(sa.select(Ticket.number).where(Ticket.external_id == "at-once-0"))
    agent = {"Authorization": f"Bearer {tokens['agent']}"}

    def note(n: int) -> int:
        with app.test_client() as own:
            return own.post(f"/api/v1/tickets/{number}/actions", json={"action": "note", "content": f"第 {n} 条"},
                            headers=agent).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert sorted(pool.map(note, range(10))) == [200] * 10


def test_two_people_accepting_one_ticket_at_the_same_moment_accept_it_once(app, api, db, users, now, tokens):
    """The ticket's row is locked for a change: the second sees the first's 签收 (a 409), on PostgreSQL too."""
    from concurrent.futures import ThreadPoolExecutor

    from ticketing.services import api_tokens

    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    # a token each (two people's systems): one shared token's row would make the requests queue on its own
    own_tokens = [api_tokens.issue_token(db.session, now=now, user=users["staff_dybz"]).token for _ in range(8)]
    db.session.commit()
    number = ticket.number

    def accept(n: int) -> int:
        with app.test_client() as own:
            return own.post(f"/api/v1/tickets/{number}/actions", json={"action": "accept"},
                            headers={"Authorization": f"Bearer {own_tokens[n]}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(accept, range(8))) == [200] + [409] * 7
    db.session.rollback()  # this session's own snapshot (SQLite) predates the threads' writes
    accepted = [e for e in db.session.get(Ticket, ticket.id).events if e.action == "accept"]
    assert len(accepted) == 1


def test_the_openapi_document_speaks_chinese_throughout(api, db):
    document = json.dumps(api.get("/openapi.json").get_json(), ensure_ascii=False)
    assert "Successful response" not in document and "Not found" not in document and "成功" in document


def test_a_method_the_endpoint_does_not_take_is_a_json_405_that_says_which_it_does(api, db, client, tokens):
    headers = {"Authorization": f"Bearer {tokens['mayor']}"}
    response = client.delete("/api/v1/tickets", headers=headers)
    assert response.status_code == 405 and response.get_json()["error"] == "该接口不支持此请求方法"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.mimetype == "application/json"
