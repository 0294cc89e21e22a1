"""工单质检: supervisors check agents' registered tickets item by item; the agent reads the verdicts; the
month's averages reach 工单统计."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock, reviews, statistics, tickets
from ticketing.services.errors import ValidationFailed

S = TicketStatus
ALL_PASS = {key: True for key in reviews.ITEMS}


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=1))
    return now + timedelta(days=1)


def test_the_items_that_apply_are_checked_and_scored(db, users, now):
    sent = make_ticket(db, users, now, status=S.DISPATCHED)
    assert reviews.applicable_items(sent) == ["record", "caller", "classification", "routing"]
    spot = make_ticket(db, users, now, type="consult")
    tickets.answer_on_the_spot(db.session, spot, "已当场答复", actor=users["agent"], now=now)
    assert reviews.applicable_items(spot) == ["record", "caller", "classification", "answer"]
    waiting = make_ticket(db, users, now)
    assert reviews.applicable_items(waiting) == ["record", "caller", "classification"]

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
    assert client.post(f"/reviews/{ticket.number}", data=dict.fromkeys(reviews.ITEMS, "1")).status_code == 403
    auth.logout()
    auth.login("staff_dybz")  # the department sees neither the verdicts nor the pages
    assert "工单质检" not in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert client.get("/reviews/mine").status_code == 403
