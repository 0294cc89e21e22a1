"""知识库 as a page and as JSON for the call form; every role that answers citizens has it in the menu."""
from __future__ import annotations

import re


def test_the_page_finds_answers_marks_the_words_and_offers_a_copy(db, client, users, auth):
    auth.login("agent")
    assert 'href="/answers/"' in client.get("/tickets/").get_data(as_text=True)  # in the menu
    html = client.get("/answers/").get_data(as_text=True)
    assert "知识库" in html and "输入来电人的问题或关键词" in html
    html = client.get("/answers/?q=异地就医怎么备案").get_data(as_text=True)
    assert re.search(r"找到 \d+ 条。", html) and "<mark>备案</mark>" in html and 'data-copy="answer-' in html
    assert html.index("<mark>异地</mark><mark>就医</mark><mark>备案</mark>渠道") < html.index("未<mark>备案</mark>的")
    html = client.get("/answers/?q=<script>alert(1)</script>备案").get_data(as_text=True)
    assert "<script>alert" not in html  # the query is escaped where it is shown
    html = client.get("/answers/?q=火星移民").get_data(as_text=True)
    assert "没有找到相关口径" in html
    html = client.get("/answers/?category=YD").get_data(as_text=True)
    assert "异地就医备案渠道" in html and "未备案的异地就医" in html and "生育津贴申领" not in html


def test_more_answers_than_the_page_lists_are_counted(db, client, users, auth, monkeypatch):
    monkeypatch.setattr("ticketing.views.knowledge.SHOWN", 2)
    auth.login("agent")
    html = client.get("/answers/?category=YD").get_data(as_text=True)
    found = int(re.search(r"找到 (\d+) 条，列出最相关的 2 条", html).group(1))
    assert found > 2 and html.count('data-copy="answer-') == 2
    assert len(client.get("/answers/search.json?category=YD").get_json()["items"]) == 2


def test_the_call_form_searches_through_json(db, client, users, auth):
    auth.login("agent")
    assert 'id="answer-search" data-search-url="/answers/search.json"' in client.get("/agent/calls/new").get_data(as_text=True)
    items = client.get("/answers/search.json?q=生育津贴").get_json()["items"]
    assert [(i["category"], i["title"], i["partial"]) for i in items] == [("SY", "生育津贴申领", False)]
    assert client.get("/answers/search.json").get_json() == {"items": []}


def test_staff_and_supervisors_have_it_and_strangers_do_not(db, client, users, auth):
    for username in ("staff_dybz", "supervisor"):
        auth.login(username)
        assert 'href="/answers/"' in client.get("/answers/").get_data(as_text=True)
        auth.logout()
    assert client.get("/answers/search.json?q=备案").status_code in (302, 401)


def test_a_consultation_answered_on_the_spot_needs_a_category(db, client, users, auth):
    """An on-the-spot review: with the model unsure, 采用 an answer and 直接办结 closed the ticket with no category,
    and a closed ticket is never dispatched, so nobody gave it one."""
    import sqlalchemy as sa

    from ticketing.models import StandardAnswer, Ticket

    auth.login("agent")
    answer = db.session.scalar(sa.select(StandardAnswer).where(StandardAnswer.title == "个人账户余额查询"))
    call = {"caller_phone": "13912340009", "type": "consult", "urgency": "normal", "channel": "hotline_12393",
            "content": "这个月扣的钱咋不对", "answer": answer.content, "submit": "answer"}
    refused = client.post("/agent/calls/new", data=call)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "当场办结的工单须有业务分类" in html and "这个月扣的钱咋不对" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0
    assert client.post("/agent/calls/new", data=call | {"category": "ZH"}).status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.status == "closed" and ticket.category.code == "ZH"
