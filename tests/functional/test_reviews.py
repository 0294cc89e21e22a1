"""工单质检: supervisors check agents' registered tickets item by item; the agent reads the verdicts; the
month's averages reach 工单统计."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import make_user
from tests.factories import make_ticket
from ticketing.models import Role, TicketStatus
from ticketing.services import clock, reviews, statistics, tickets
from ticketing.services.errors import InvalidTransition, NotAllowed, ValidationFailed

S = TicketStatus
ALL_PASS = {key: True for key, _, _ in reviews.DEFAULT_ITEMS}


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1))
    return now + timedelta(days=1)


def test_the_items_that_apply_are_checked_and_scored(db, users, now):
    sent = make_ticket(db, users, now, status=S.DISPATCHED)
    assert reviews.applicable_items(db.session, sent) == ["record", "caller", "classification", "routing"]
    spot = make_ticket(db, users, now, type="consult")
    tickets.answer_on_the_spot(db.session, spot, "已当场答复", actor=users["agent"], now=now)
    assert reviews.applicable_items(db.session, spot) == ["record", "caller", "classification", "answer"]
    waiting = make_ticket(db, users, now)
    assert reviews.applicable_items(db.session, waiting) == ["record", "caller", "classification"]

    supervisor = users["supervisor"]
    with pytest.raises(ValidationFailed) as missing:
        reviews.record_review(db.session, sent, {"record": True}, "", reviewer=supervisor, now=now)
    assert set(missing.value.fields) == {"caller", "classification", "routing"}
    with pytest.raises(ValidationFailed) as silent:
        reviews.record_review(db.session, sent, dict(ALL_PASS, routing=False), " ", reviewer=supervisor, now=now)
    assert "comment" in silent.value.fields  # a failure needs a comment
    review = reviews.record_review(db.session, sent, dict(ALL_PASS, routing=False), "应派异地就医结算中心",
                                   reviewer=supervisor, now=now)
    assert (review.score, review.agent, review.month) == (75, users["agent"], now.strftime("%Y-%m"))
    assert review.checks == {"record": True, "caller": True, "classification": True, "routing": False}
    assert reviews.record_review(db.session, waiting, ALL_PASS, "", reviewer=supervisor, now=now).score == 100

    channel = tickets.register_ticket(db.session, tickets.TicketInput(
        channel="mailbox_mayor", type="complaint", content="市长信箱来信：医院多收费"), actor=None, now=now).ticket
    with pytest.raises(ValidationFailed, match="无需质检"):
        reviews.record_review(db.session, channel, ALL_PASS, "", reviewer=supervisor, now=now)


def test_the_sample_is_the_agents_own_month_not_yet_reviewed_and_scores_count_the_latest(db, users, now):
    agent, supervisor = users["agent"], users["supervisor"]
    mine = [make_ticket(db, users, now + timedelta(hours=i), status=S.DISPATCHED) for i in range(6)]
    make_ticket(db, users, now - timedelta(days=40))  # last month
    month = now.strftime("%Y-%m")
    first = reviews.sample(db.session, agent, month, 5, seed="d1")
    assert len(first) == 5 and set(first) <= set(mine)
    assert reviews.sample(db.session, agent, month, 5, seed="d1") == first  # the same seed, the same draw
    assert set(reviews.sample(db.session, agent, month, 20, seed="d2")) == set(mine)
    reviews.record_review(db.session, mine[0], dict(ALL_PASS, record=False), "漏记就诊医院", reviewer=supervisor, now=now)
    reviews.record_review(db.session, mine[1], ALL_PASS, "", reviewer=supervisor, now=now)
    assert set(reviews.sample(db.session, agent, month, 20, seed="d2")) == set(mine[2:])
    assert reviews.sample(db.session, supervisor, month, 5, seed="d1") == []  # nothing registered by them
    scores = reviews.agent_scores(db.session, month)
    assert (scores[agent.id].reviewed, scores[agent.id].average, scores[agent.id].failed) == (2, 87.5, 1)
    reviews.record_review(db.session, mine[0], ALL_PASS, "复核后认定合格", reviewer=supervisor, now=now)
    scores = reviews.agent_scores(db.session, month)
    assert (scores[agent.id].reviewed, scores[agent.id].average, scores[agent.id].failed) == (2, 100.0, 0)
    db.session.commit()
    row = next(r for r in statistics.agent_month(db.session, month) if r.user == agent)
    assert (row.reviewed, row.review_average) == (2, 100.0)


def test_pages_for_the_reviewer_the_agent_and_nobody_else(db, users, auth, client, now, today):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, content="来电人反映母亲在外省住院，电话13912345678")
    db.session.commit()
    month = now.strftime("%Y-%m")
    auth.login("supervisor")
    page = client.get(f"/reviews/?month={month}&agent=agent").get_data(as_text=True)
    assert f'id="review-{ticket.number}"' in page and "承办单位选择正确" in page and "当场答复口径准确" not in page
    assert "139****5678" in page and "13912345678" not in page  # numbers in the content masked here
    refused = client.post(f"/reviews/{ticket.number}", data={
        "record": "1", "caller": "0", "classification": "1", "routing": "1", "comment": "",
        "next": f"/reviews/?month={month}&agent=agent#sample"}, follow_redirects=True).get_data(as_text=True)
    assert "有不合格项时请写明问题" in refused
    response = client.post(f"/reviews/{ticket.number}", data={
        "record": "1", "caller": "0", "classification": "1", "routing": "1", "comment": "未记录来电人所属区县",
        "next": f"/reviews/?month={month}&agent=agent#sample"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#sample")
    page = client.get(f"/reviews/?month={month}&agent=agent").get_data(as_text=True)
    assert f'id="review-{ticket.number}"' not in page  # reviewed: out of the sample, into the list
    assert "未记录来电人所属区县" in page and "来电人信息规范（姓名、号码、区县）" in page
    assert '<td class="num">75.0</td>' in page  # the month's average in the summary
    assert "75 分" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "质检平均分" in client.get(f"/statistics/?month={month}").get_data(as_text=True)

    auth.logout()
    auth.login("agent")  # the agent reads their own, and cannot review
    mine = client.get(f"/reviews/mine?month={month}").get_data(as_text=True)
    assert "本月已质检 <b>1</b> 件，平均 <b>75.0</b> 分" in mine and "未记录来电人所属区县" in mine
    detail = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "75 分" in detail and "保存质检" not in detail
    assert client.get("/reviews/").status_code == 403
    assert client.post(f"/reviews/{ticket.number}", data=dict.fromkeys(ALL_PASS, "1")).status_code == 403
    auth.logout()
    auth.login("staff_dybz")  # the department sees neither the verdicts nor the pages
    assert "工单质检" not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert client.get("/reviews/mine").status_code == 403


def test_an_agent_appeals_a_failed_review_once_and_someone_else_decides(db, users, now):
    agent, supervisor, admin = users["agent"], users["supervisor"], users["admin"]
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    passed = make_ticket(db, users, now, status=S.DISPATCHED)
    failed_routing = dict(ALL_PASS, routing=False, answer=None)
    review = reviews.record_review(db.session, ticket, failed_routing, "应派异地就医结算中心", reviewer=supervisor, now=now)
    clean = reviews.record_review(db.session, passed, ALL_PASS, "", reviewer=supervisor, now=now)
    later = now + timedelta(days=1)
    assert reviews.appeal_refusal(db.session, clean, agent, later) == "该质检结果全部合格，无需申诉"
    assert reviews.appeal_refusal(db.session, review, users["staff_dybz"], later) == "只能对自己登记的工单的质检结果申诉"
    assert "已超过期限" in reviews.appeal_refusal(db.session, review, agent, now + timedelta(days=reviews.APPEAL_DAYS, hours=1))
    with pytest.raises(NotAllowed):
        reviews.file_appeal(db.session, review, "理由", agent=users["staff_dybz"], now=later)
    with pytest.raises(ValidationFailed) as empty:
        reviews.file_appeal(db.session, review, "  ", agent=agent, now=later)
    assert "reason" in empty.value.fields
    appeal = reviews.file_appeal(db.session, review, "来电人说的是本地住院，派待遇保障科没错", agent=agent, now=later)
    assert appeal.state_title == "申诉待复核" and review.appeal is appeal
    assert db.session.scalars(reviews.pending_appeals_query()).all() == [appeal]
    with pytest.raises(InvalidTransition, match="已经申诉过"):
        reviews.file_appeal(db.session, review, "再申诉一次", agent=agent, now=later)

    decide = lambda decision, note="", verdicts=ALL_PASS, comment="", by=admin: reviews.decide_appeal(  # noqa: E731
        db.session, appeal, decision, note, verdicts=verdicts, comment=comment, decider=by, now=later)
    with pytest.raises(NotAllowed, match="原质检人以外"):
        decide("upheld", "派错了", by=supervisor)
    with pytest.raises(NotAllowed):
        decide("upheld", "派错了", by=agent)
    with pytest.raises(ValidationFailed, match="维持原结果的理由"):
        decide("upheld")
    with pytest.raises(ValidationFailed, match="与原结果相同"):
        decide("revised", verdicts=failed_routing, comment="仍然派错")
    with pytest.raises(ValidationFailed, match="请选择"):
        decide("")
    assert appeal.decided_at is None
    decide("revised", "核实录音，来电人在本地住院", verdicts=ALL_PASS)
    assert (appeal.decision, appeal.decided_by, appeal.revised_review.score) == ("revised", admin, 100)
    assert appeal.state_title == "已改判" and appeal.revised_review.reviewer is admin
    assert reviews.agent_scores(db.session, now.strftime("%Y-%m"))[agent.id].average == 100.0  # the latest counts
    assert db.session.scalars(reviews.pending_appeals_query()).all() == []
    with pytest.raises(InvalidTransition, match="已经复核过"):
        decide("upheld", "再看一次")
    # the review appealed is no longer the ticket's latest: a new failed review would be appealed instead
    assert reviews.appeal_refusal(db.session, review, agent, later) == "该质检结果已经申诉过"
    newer = reviews.record_review(db.session, ticket, dict(ALL_PASS, record=False), "记录不全", reviewer=supervisor,
                                  now=later)
    assert reviews.appeal_refusal(db.session, appeal.revised_review, agent, later) == "该质检结果全部合格，无需申诉"
    assert reviews.appeal_refusal(db.session, newer, agent, later) is None


def test_the_appeal_pages_the_agent_files_and_another_supervisor_decides(db, users, auth, client, now, today):
    colleague = make_user(db, "supervisor2", Role.SUPERVISOR)
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, title="派错单位的")
    review = reviews.record_review(db.session, ticket, dict(ALL_PASS, routing=False), "应派异地就医结算中心",
                                   reviewer=users["supervisor"], now=now)
    db.session.commit()
    month = now.strftime("%Y-%m")
    auth.login("agent")
    mine = client.get(f"/reviews/mine?month={month}").get_data(as_text=True)
    assert f'action="/reviews/{review.id}/appeal"' in mine and "天内可以申诉一次" in mine
    refused = client.post(f"/reviews/{review.id}/appeal", data={"reason": ""}, follow_redirects=True)
    assert "请写明申诉理由" in refused.get_data(as_text=True)
    response = client.post(f"/reviews/{review.id}/appeal", data={"reason": "来电人在本地住院，派待遇保障科没错"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reviews/mine?month={month}")
    mine = client.get(f"/reviews/mine?month={month}").get_data(as_text=True)
    assert "申诉待复核" in mine and f'action="/reviews/{review.id}/appeal"' not in mine
    auth.logout()

    auth.login("supervisor")  # the reviewer sees the appeal but may not decide it
    page = client.get(f"/reviews/?month={month}").get_data(as_text=True)
    assert "待复核申诉（1）" in page and "需由其他班长复核" in page and "保存复核" not in page
    assert 'data-counter="appeals">工单质检<span class="badge" title="待处理">1</span>' in page  # the menu badge
    auth.logout()
    auth.login("supervisor2")
    page = client.get(f"/reviews/?month={month}").get_data(as_text=True)
    assert f'id="appeal-{review.appeal.id}"' in page and "来电人在本地住院" in page and "保存复核" in page
    response = client.post(f"/reviews/appeals/{review.appeal.id}", data={
        "decision": "revised", "record": "1", "caller": "1", "classification": "1", "routing": "1",
        "note": "核实录音，派单无误", "next": f"/reviews/?month={month}#appeals"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert f"已复核申诉：{ticket.number}，已改判" in text and "待复核申诉" not in text
    assert colleague.id == review.appeal.decided_by_id
    auth.logout()
    auth.login("agent")
    mine = client.get(f"/reviews/mine?month={month}").get_data(as_text=True)
    assert "已改判</span> 改为 100 分：核实录音，派单无误" in mine and "平均 <b>100.0</b> 分" in mine
    detail = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "申诉（" in detail and "已改判" in detail


def test_a_supervisor_who_took_the_call_cannot_decide_their_own_appeal(db, users, now):
    taking_calls = make_user(db, "supervisor2", Role.SUPERVISOR)
    ticket = tickets.register_ticket(db.session, tickets.TicketInput(
        channel="hotline_12393", type="consult", content="来电咨询异地就医备案"), actor=taking_calls, now=now).ticket
    review = reviews.record_review(db.session, ticket, dict(ALL_PASS, record=False), "未记录参保地",
                                   reviewer=users["supervisor"], now=now)
    appeal = reviews.file_appeal(db.session, review, "来电人没说参保地", agent=taking_calls, now=now)
    with pytest.raises(NotAllowed, match="不能复核自己的申诉"):
        reviews.decide_appeal(db.session, appeal, "revised", "", verdicts=ALL_PASS, comment="",
                              decider=taking_calls, now=now)
    reviews.decide_appeal(db.session, appeal, "upheld", "应追问参保地", verdicts={}, comment="",
                          decider=users["admin"], now=now)
    assert appeal.decision == "upheld" and appeal.decided_by == users["admin"]


def test_an_administrator_edits_the_checklist_and_reviews_follow_it(db, users, auth, client, now, today):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    earlier = reviews.record_review(db.session, ticket, dict(ALL_PASS, caller=False), "未记录区县",
                                    reviewer=users["supervisor"], now=now)
    db.session.commit()
    auth.login("admin")
    page = client.get("/admin/review-items").get_data(as_text=True)
    assert "来电人信息规范（姓名、号码、区县）" in page and "派往承办单位的工单" in page
    refused = client.post("/admin/review-items", data={"title": "", "applies_to": "all"})
    assert refused.status_code == 400 and "请填写检查内容" in refused.get_data(as_text=True)
    duplicate = client.post("/admin/review-items", data={"title": "承办单位选择正确", "applies_to": "all"})
    assert duplicate.status_code == 400 and "已有相同的质检项目" in duplicate.get_data(as_text=True)
    assert client.post("/admin/review-items", data={"title": "服务用语规范，无推诿", "applies_to": "all"}
                       ).status_code == 302
    caller = next(i for i in reviews.checklist(db.session) if i.key == "caller")
    assert client.post(f"/admin/review-items/{caller.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()

    added = next(i for i in reviews.checklist(db.session) if i.title == "服务用语规范，无推诿")
    assert reviews.applicable_items(db.session, ticket) == ["record", "classification", "routing", added.key]
    with pytest.raises(ValidationFailed) as missing:
        reviews.record_review(db.session, ticket, ALL_PASS, "", reviewer=users["supervisor"], now=today)
    assert set(missing.value.fields) == {added.key}  # the new item needs a verdict too
    review = reviews.record_review(db.session, ticket, dict(ALL_PASS, **{added.key: False}), "对来电人说“这事不归我们管”",
                                   reviewer=users["supervisor"], now=today)
    assert review.score == 75 and "caller" not in review.checks  # switched off: no longer checked
    db.session.commit()
    auth.logout()
    auth.login("agent")
    mine = client.get(f"/reviews/mine?month={now:%Y-%m}").get_data(as_text=True)
    assert "服务用语规范，无推诿" in mine and "来电人信息规范（姓名、号码、区县）" in mine  # the earlier review names it
    assert earlier.checks["caller"] is False
    auth.logout()
    auth.login("admin")
    audit_page = client.get("/admin/audit").get_data(as_text=True)
    assert "新增质检项目" in audit_page and "停用质检项目" in audit_page


def test_the_checklist_keeps_one_item_for_every_ticket(db, users):
    admin = users["admin"]
    for item in reviews.checklist(db.session):
        if item.applies_to == "all" and item.key != "record":
            reviews.set_item_active(db.session, item, False, actor=admin)
    record = next(i for i in reviews.checklist(db.session) if i.key == "record")
    with pytest.raises(ValidationFailed, match="至少要保留一项"):
        reviews.set_item_active(db.session, record, False, actor=admin)
