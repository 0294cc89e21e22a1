"""无效来电: a call that becomes no ticket is recorded from the call form, counts in 话务员工作量, and a number
with nuisance calls is named when it rings again; bad input is refused in Chinese and nothing is recorded."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ticketing.models import InvalidCall
from ticketing.services import clock, invalid_calls, statistics
from ticketing.services.errors import NotAllowed, ValidationFailed


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    return now


def test_an_agent_records_a_nuisance_call_and_the_number_is_named_next_time(db, users, auth, client, today):
    auth.login("agent")
    page = client.get("/agent/calls/new").get_data(as_text=True)
    assert 'action="/agent/calls/invalid"' in page and "骚扰、辱骂或恶意来电" in page
    html = client.post("/agent/calls/invalid", data={"kind": "", "caller_phone": "1391234"},
                       follow_redirects=True).get_data(as_text=True)
    assert "无效来电未记录" in html and "请选择无效来电的类型" in html
    assert db.session.scalar(sa.select(sa.func.count(InvalidCall.id))) == 0
    for reference in ("CALL-20260302-0001", "CALL-20260302-0002", "CALL-20260302-0002"):  # the last: sent twice
        html = client.post("/agent/calls/invalid", data={
            "kind": "nuisance", "caller_phone": "139 1234 5678", "call_reference": reference,
            "note": "辱骂话务员"}, follow_redirects=True).get_data(as_text=True)
        assert "已记录无效来电（骚扰、辱骂或恶意来电）" in html
    assert db.session.scalar(sa.select(sa.func.count(InvalidCall.id))) == 2  # one call id, one record
    call = db.session.scalar(sa.select(InvalidCall).order_by(InvalidCall.id))
    assert (call.caller_phone, call.call_reference, call.agent.username) == ("13912345678", "CALL-20260302-0001",
                                                                              "agent")
    assist = client.post("/agent/assist", json={"text": "", "phone": "13912345678"}).get_json()
    assert assist["nuisance_calls"] == 2
    assert client.post("/agent/assist", json={"text": "", "phone": "13800000000"}).get_json()["nuisance_calls"] == 0
    auth.logout()
    auth.login("staff_dybz")
    assert client.post("/agent/calls/invalid", data={"kind": "silent"}).status_code == 403


def test_other_needs_a_note_and_staff_cannot_record(db, users, now):
    with pytest.raises(ValidationFailed) as refused:
        invalid_calls.record(db.session, kind="other", phone=None, call_reference=None, note=" ",
                             actor=users["agent"], now=now)
    assert refused.value.fields == {"note": "选择“其他”时请写明情况"}
    with pytest.raises(NotAllowed):
        invalid_calls.record(db.session, kind="silent", phone=None, call_reference=None, note="",
                             actor=users["staff_dybz"], now=now)


def test_nuisance_calls_older_than_thirty_days_are_not_counted_and_the_month_counts_each_agents(db, users, now):
    for days_ago, kind in ((40, "nuisance"), (3, "nuisance"), (1, "silent")):
        invalid_calls.record(db.session, kind=kind, phone="13912345678", call_reference=None, note="",
                             actor=users["agent"], now=now - timedelta(days=days_ago))
    invalid_calls.record(db.session, kind="wrong_number", phone=None, call_reference=None, note="",
                         actor=users["supervisor"], now=now)
    assert invalid_calls.nuisance_count(db.session, "13912345678", now) == 1
    rows = {row.user.username: row for row in statistics.agent_month(db.session, "2026-02")}
    assert rows["agent"].invalid_calls == 1  # 27 February; 1 March is the next month's, 21 January the one before
    march = {row.user.username: row.invalid_calls for row in statistics.agent_month(db.session, "2026-03")}
    assert march == {"agent": 1, "supervisor": 1}  # a supervisor with no other work this month is listed


def test_the_telephone_platform_records_an_invalid_call_through_the_api(db, users, client, now, today):
    from ticketing.services import api_tokens

    token = {name: api_tokens.issue_token(db.session, now=now, user=users[name]).token
             for name in ("agent", "staff_dybz")}
    token["channel"] = api_tokens.issue_token(db.session, now=now, channel="mailbox_mayor").token
    db.session.commit()

    def post(json, who="agent"):
        return client.post("/api/v1/invalid-calls", json=json, headers={"Authorization": f"Bearer {token[who]}"})

    response = post({"kind": "nuisance", "caller_phone": "13912345678", "call_reference": "CALL-1"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["kind_title"], body["nuisance_calls"], body["call_reference"]) == ("骚扰、辱骂或恶意来电", 1, "CALL-1")
    assert body["created_at"].endswith("+08:00")
    refused = post({"kind": "other"})
    assert refused.status_code == 422 and refused.get_json()["fields"] == {"note": "选择“其他”时请写明情况"}
    assert post({"kind": "weather"}).status_code == 422
    assert post({"kind": "silent"}, "staff_dybz").status_code == 403
    assert post({"kind": "silent"}, "channel").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(InvalidCall.id))) == 1


def test_supervisors_review_the_months_invalid_calls_and_the_nuisance_numbers(db, users, auth, client, now, today):
    for hours, kind, phone in ((1, "nuisance", "13912345678"), (2, "nuisance", "13912345678"),
                               (3, "nuisance", "13700001111"), (4, "silent", None)):
        invalid_calls.record(db.session, kind=kind, phone=phone, call_reference=None, note="", actor=users["agent"],
                             now=now - timedelta(hours=hours))
    invalid_calls.record(db.session, kind="wrong_number", phone=None, call_reference=None, note="上月的",
                         actor=users["agent"], now=now - timedelta(days=5))
    db.session.commit()
    auth.login("supervisor")
    html = client.get("/supervise/invalid-calls").get_data(as_text=True)
    by_kind = html.split('id="by-kind"')[1].split("</section>")[0]
    assert "骚扰、辱骂或恶意来电</a></td><td class=\"num\">3" in by_kind
    assert "打错电话</a></td><td class=\"num\">0" in by_kind
    numbers = html.split('id="nuisance-numbers"')[1].split("</section>")[0]
    assert numbers.index("139****5678") < numbers.index("137****1111")  # the most calls first, masked
    assert "13912345678" not in html
    listed = html.split('id="calls"')[1]
    assert listed.count("<tr><td>") == 4 and "上月的" not in listed
    february = client.get("/supervise/invalid-calls?month=2026-02&kind=wrong_number").get_data(as_text=True)
    assert "上月的" in february and '<option value="wrong_number" selected>' in february
    auth.logout()
    auth.login("agent")
    assert client.get("/supervise/invalid-calls").status_code == 403


def test_a_refused_invalid_call_comes_back_open_with_the_kind_kept_and_the_reason_beside_it(db, users, auth, client, today):
    auth.login("agent")
    response = client.post("/agent/calls/invalid", data={"kind": "other", "note": "", "caller_phone": "13912345678"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and '<details id="invalid-call" open>' in html
    assert '<option value="other" selected>' in html
    assert 'id="invalid-note-error">选择“其他”时请写明情况</div>' in html and 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count(InvalidCall.id))) == 0
