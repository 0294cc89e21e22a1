"""风险提示: words that speak of a danger are flagged at registration. The call form warns while the agent
types, a confident classifier does not dispatch such a ticket on its own, the ticket page offers 升为紧急 or
解除风险提示, 督办 heads with the flagged tickets, and the supervisor's badge counts those nobody has decided on."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, risk_alerts, tickets
from ticketing.services.actions import perform_action
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed

S = TicketStatus
DESPERATE = "住院押金交不起，医保报销迟迟不到账，我真的不想活了"


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=1))
    return now + timedelta(hours=1)


def test_the_call_form_warns_while_the_agent_types(db, users, auth, client, today):
    auth.login("agent")
    page = client.get("/agent/calls/new").get_data(as_text=True)
    assert 'id="risk-alert"' in page and "hidden" in page.split('id="risk-alert"')[1].split(">")[0]
    risks = client.post("/agent/assist", json={"text": DESPERATE, "phone": ""}).get_json()["risks"]
    assert [(r["code"], r["title"], r["phrase"]) for r in risks] == [("self_harm", "人身安全", "不想活")]
    assert "报告值班长" in risks[0]["advice"]
    assert client.post("/agent/assist", json={"text": "异地就医怎么备案", "phone": ""}).get_json()["risks"] == []


def test_a_flagged_ticket_shows_its_risk_and_is_decided_on_the_ticket_page(db, users, auth, client, now, today):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, content=DESPERATE)
    quiet = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    assert ticket.risk_flags == "self_harm" and quiet.risk_flags is None
    assert "风险提示：人身安全（“不想活”）" in ticket.events[0].note and ticket.events[0].data["risks"] == "self_harm"

    auth.login("supervisor")
    assert client.get("/todo.json").get_json()["counts"]["supervise"] == 1
    supervise = client.get("/supervise/").get_data(as_text=True)
    risks = supervise.split('id="risks"')[1].split("</section>")[0]
    assert ticket.number in risks and quiet.number not in risks and "待定：升为紧急或解除" in risks
    listed = client.get("/tickets/").get_data(as_text=True)
    assert listed.count('class="tag risk-tag"') == 1

    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    banner = page.split('id="risk-flag"')[1].split("</div>")[0]
    assert "人身安全" in banner and "报告值班长" in banner
    assert "/actions/make_urgent" in banner and "/actions/clear_risk" in banner
    accept_due, reply_due = ticket.accept_due_at, ticket.reply_due_at
    html = client.post(f"/tickets/{ticket.number}/actions/make_urgent", data={"reason": "风险提示：人身安全"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"已升为紧急：{ticket.number}" in html and "（已按紧急件办理）" in html
    db.session.refresh(ticket)
    assert ticket.urgency == "urgent" and ticket.risk_flags == "self_harm"  # the flag stays, decided
    assert ticket.accept_due_at < accept_due and ticket.reply_due_at < reply_due
    assert ticket.reply_due_at <= today + timedelta(hours=24) and ticket.accept_due_at <= today + timedelta(hours=2)
    event = ticket.events[-1]
    assert event.action == "make_urgent" and event.data["reply_due_at"][0] == reply_due.isoformat()
    assert client.get("/todo.json").get_json()["counts"]["supervise"] == 0
    assert "，已升为紧急" in client.get("/supervise/").get_data(as_text=True).split('id="risks"')[1]


def test_clearing_a_flag_needs_a_reason_and_is_recorded(db, users, auth, client, now, today):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, content="去年电视台曝光过这家医院，现在还在乱收费")
    db.session.commit()
    assert ticket.risk_flags == "media"
    auth.login("agent")
    html = client.post(f"/tickets/{ticket.number}/actions/clear_risk", data={"reason": " "},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写解除风险提示的原因" in html and ticket.risk_flags == "media"
    html = client.post(f"/tickets/{ticket.number}/actions/clear_risk", data={"reason": "说的是去年的报道"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"已解除风险提示：{ticket.number}" in html and 'id="risk-flag"' not in html
    db.session.refresh(ticket)
    assert ticket.risk_flags is None and ticket.urgency == "normal"
    assert (ticket.events[-1].note, ticket.events[-1].data) == ("舆情：说的是去年的报道", {"cleared": "media"})
    with pytest.raises(InvalidTransition, match="没有风险提示"):
        perform_action(db.session, ticket, "clear_risk", {"reason": "x"}, actor=users["agent"], now=today)


def test_who_may_make_a_ticket_urgent(db, users, now, today):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    for username, error in (("staff_dybz", NotAllowed), ("staff_cbzj", NotFound)):
        with pytest.raises(error):
            perform_action(db.session, ticket, "make_urgent", {"reason": "x"}, actor=users[username], now=today)
    with pytest.raises(ValidationFailed):
        perform_action(db.session, ticket, "make_urgent", {"reason": ""}, actor=users["agent"], now=today)
    perform_action(db.session, ticket, "make_urgent", {"reason": "来电人病情危重"}, actor=users["agent"], now=today)
    assert ticket.urgency == "urgent" and ticket.reply_due_at <= today + timedelta(hours=24)
    with pytest.raises(InvalidTransition, match="已是紧急件"):
        perform_action(db.session, ticket, "make_urgent", {"reason": "x"}, actor=users["supervisor"], now=today)
    closed = make_ticket(db, users, now, status=S.CLOSED)
    with pytest.raises(InvalidTransition):
        perform_action(db.session, closed, "make_urgent", {"reason": "x"}, actor=users["agent"], now=today)


def test_an_urgent_limit_never_moves_a_deadline_later(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    late = now + timedelta(days=20)  # the urgent 24 hours from then would be after the consultation's 3 days
    reply_due = ticket.reply_due_at
    tickets.make_urgent(db.session, ticket, "来电人要求加急", actor=users["supervisor"], now=late)
    assert ticket.reply_due_at == reply_due and ticket.urgency == "urgent"


def test_a_confident_classifier_leaves_a_flagged_letter_for_an_agent(db, users, now):
    from tests.functional.api.conftest import StubClassifier

    data = tickets.TicketInput(channel="mailbox_mayor", type="help", content=DESPERATE)
    flagged = tickets.register_ticket(db.session, data, actor=None, now=now, classifier=StubClassifier(0.95)).ticket
    assert flagged.status == S.REGISTERED.value and flagged.category.code == "DY" and flagged.risk_flags
    data = tickets.TicketInput(channel="mailbox_mayor", type="help", content="住院费用报销迟迟不到账")
    plain = tickets.register_ticket(db.session, data, actor=None, now=now, classifier=StubClassifier(0.95)).ticket
    assert plain.status == S.DISPATCHED.value


def test_the_api_reports_flags_takes_both_decisions_and_classify_names_the_risks(db, users, client, now, today,
                                                                                 monkeypatch):
    from tests.functional.api.conftest import StubClassifier, StubHolder
    from ticketing.services import api_tokens

    ticket = make_ticket(db, users, now, status=S.DISPATCHED, content="再不给报销我就找记者，大家联名上访")
    token = api_tokens.issue_token(db.session, now=now, user=users["supervisor"]).token
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/tickets/{ticket.number}", headers=headers).get_json()
    assert body["risk_flags"] == ["mass", "media"]
    body = client.post(f"/api/v1/tickets/{ticket.number}/actions", json={"action": "make_urgent", "reason": "群体性"},
                       headers=headers).get_json()
    assert body["urgency"] == "urgent" and body["events"][-1]["action"] == "make_urgent"
    body = client.post(f"/api/v1/tickets/{ticket.number}/actions", json={"action": "clear_risk", "reason": "已核实"},
                       headers=headers).get_json()
    assert body["risk_flags"] == [] and body["events"][-1]["action_title"] == "解除风险提示"

    monkeypatch.setitem(client.application.extensions, "classifier", StubHolder(StubClassifier()))
    result = client.post("/api/v1/classify", json={"text": "孩子在重症监护室，住院费报销不了"}, headers=headers).get_json()
    assert [(r["code"], r["phrase"]) for r in result["risks"]] == [("critical_care", "重症监护")]


def test_what_a_caller_says_on_a_later_call_adds_to_the_flags(db, users, now, today):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, content="再不解决就找记者曝光")
    assert ticket.risk_flags == "media"
    tickets.record_follow_up(db.session, ticket, "第三次来电，说钱再不到账就去跳楼", actor=users["agent"], now=today)
    assert ticket.risk_flags == "self_harm,media" and ticket.events[-1].data["risks"] == "self_harm"
    tickets.record_follow_up(db.session, ticket, "又来电，还说要曝光", actor=users["agent"], now=today)
    assert ticket.risk_flags == "self_harm,media" and "risks" not in ticket.events[-1].data
    assert risk_alerts.is_undecided(ticket)


def test_triage_lists_a_flagged_ticket_first_and_marks_it(db, users, auth, client, now, today):
    plain = make_ticket(db, users, now - timedelta(days=3), content="异地就医备案怎么办")  # due earlier
    flagged = make_ticket(db, users, now, content=DESPERATE)
    db.session.commit()
    auth.login("agent")
    html = client.get("/agent/triage").get_data(as_text=True)
    assert html.index(flagged.number) < html.index(plain.number)
    row = html.split(f">{flagged.number}</a>", 1)[1].split("</td>", 1)[0]
    assert 'class="tag risk-tag" title="风险提示：人身安全"' in row


def test_an_administrator_adds_the_centres_own_phrases(db, users, auth, client, now, today):
    from ticketing.models import AdminEvent
    import sqlalchemy as sa

    auth.login("admin")
    page = client.get("/admin/risk-phrases").get_data(as_text=True)
    assert "人身安全" in page and "不想活" in page and 'name="phrases"' in page
    html = client.post("/admin/risk-phrases", data={"phrases": "烧炭\n[天气]"}).get_data(as_text=True)
    assert "第 1 行：词语前要先写所属的类" in html
    html = client.post("/admin/risk-phrases", data={"phrases": "[人身安全]\n烧炭\n[天气]\n下雨"}).get_data(as_text=True)
    assert "第 3 行：没有“天气”这一类" in html and "[人身安全]" in html
    assert db.session.scalar(sa.select(sa.func.count(AdminEvent.id))) == 0  # nothing was saved
    html = client.post("/admin/risk-phrases", data={"phrases": "【人身安全】\n烧炭\n!曝光台"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已保存风险提示词" in html and "烧炭" in html
    event = db.session.scalar(sa.select(AdminEvent))
    assert (event.action, event.details) == ("risk phrases changed", {"phrases": 2})
    auth.logout()

    auth.login("agent")
    risks = client.post("/agent/assist", json={"text": "他说想在家里烧炭", "phone": ""}).get_json()["risks"]
    assert [(r["code"], r["phrase"]) for r in risks] == [("self_harm", "烧炭")]
    assert client.post("/agent/assist", json={"text": "电视台曝光台栏目", "phone": ""}).get_json()["risks"] == []
    ticket = make_ticket(db, users, now, content="说再不报销就烧炭")
    assert ticket.risk_flags == "self_harm"
    assert client.get("/admin/risk-phrases").status_code == 403


def test_the_query_page_the_export_and_the_api_find_flagged_tickets(db, users, auth, client, now, today):
    from io import BytesIO

    from openpyxl import load_workbook

    from ticketing.services import api_tokens

    flagged = make_ticket(db, users, now, status=S.CLOSED, content="再拖着不报销我就去找记者")  # closed: still found
    plain = make_ticket(db, users, now)
    token = api_tokens.issue_token(db.session, now=now, user=users["supervisor"]).token
    db.session.commit()
    auth.login("supervisor")
    html = client.get("/tickets/?risk=1").get_data(as_text=True)
    assert flagged.number in html and plain.number not in html and '<option value="1" selected>有风险提示' in html
    assert plain.number in client.get("/tickets/?risk=0").get_data(as_text=True)
    sheet = list(load_workbook(BytesIO(client.get("/tickets/export.xlsx?risk=1").data)).active.values)
    assert "有风险提示" in sheet[0][0] and len(sheet) == 3
    assert dict(zip(sheet[1], sheet[2]))["风险提示"] == "舆情"
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/tickets?risk=true", headers=headers).get_json()
    assert [t["number"] for t in body["items"]] == [flagged.number]
    assert client.get("/api/v1/tickets?risk=perhaps", headers=headers).status_code == 422


def test_a_recheck_flags_tickets_still_worked_with_the_phrases_as_they_are_now(app, db, users, auth, client, now,
                                                                                today):
    from ticketing.models import AdminEvent
    import sqlalchemy as sa

    worked = make_ticket(db, users, now, status=S.ACCEPTED, content="家属说孩子要去烧炭，医保卡被冻结了")
    make_ticket(db, users, now, status=S.REPLIED, content="上次说要烧炭的那件，已答复")  # answered: not read again
    cleared = make_ticket(db, users, now, status=S.DISPATCHED, content=DESPERATE)
    risk_alerts.clear(db.session, cleared, "说的是去年的事", actor=users["agent"], now=now)
    make_ticket(db, users, now, status=S.ACCEPTED, content="住院报销比例是多少")
    db.session.commit()
    assert worked.risk_flags is None  # 烧炭 is not a shipped phrase

    auth.login("admin")
    client.post("/admin/risk-phrases", data={"phrases": "[人身安全]\n烧炭"})
    assert "补查在办工单" in client.get("/admin/risk-phrases").get_data(as_text=True)
    html = client.post("/admin/risk-phrases/recheck", follow_redirects=True).get_data(as_text=True)
    assert "已补查在办工单 2 件，新标记风险提示 1 件（见督办 → 风险提示）" in html  # the cleared one is not read
    db.session.expire_all()
    assert worked.risk_flags == "self_harm" and cleared.risk_flags is None
    event = worked.events[-1]
    assert (event.action, event.actor, event.note) == ("recheck_risk", users["admin"], "人身安全（“烧炭”）")
    audit = db.session.scalar(sa.select(AdminEvent).where(AdminEvent.action == "risk recheck"))
    assert audit.details == {"tickets": 2, "flagged": 1}
    assert client.post("/admin/risk-phrases/recheck", follow_redirects=True).status_code == 200
    assert len([e for e in worked.events if e.action == "recheck_risk"]) == 1  # flagged once
    auth.logout()
    auth.login("supervisor")
    assert client.post("/admin/risk-phrases/recheck").status_code == 403

    result = app.test_cli_runner().invoke(args=["recheck-risks"])
    assert result.exit_code == 0 and "补查在办工单 1 件，新标记风险提示 0 件" in result.output
