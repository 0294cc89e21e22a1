"""Chinese full-text search: jieba words, indexed per engine, every query word must match."""
from __future__ import annotations

from datetime import timedelta

import pytest

from ticketing.models import User
from ticketing.services import search, tickets


def _register(db, users, now, content, title=""):
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content=content, title=title)
    return tickets.register_ticket(db.session, data, actor=users["agent"], now=now, route_now=False).ticket


@pytest.fixture()
def corpus(db, users, now):
    made = {
        "yd": _register(db, users, now, "父亲在外省住院，异地就医备案以后还是不能直接结算，只能回来手工报销"),
        "mt": _register(db, users, now, "门诊慢特病认定要带哪些材料，高血压糖尿病的两病用药怎么报销", title="慢特病认定"),
        "cb": _register(db, users, now, "灵活就业断缴三个月了，现在补缴医保有没有滞纳金"),
        "pz": _register(db, users, now, "医保电子凭证激活不了，APP一直提示网络错误"),
    }
    db.session.commit()
    return made


def _found(db, user: User, now, q: str) -> set[str]:
    query = search.ticket_query(db.session, user, search.TicketFilters(q=q), now)
    return {t.number for t in db.session.scalars(query)}


@pytest.mark.parametrize(("q", "expected"), [
    ("异地就医", {"yd"}),           # a dictionary word inside 异地就医备案
    ("直接结算", {"yd"}),
    ("报销", {"yd", "mt"}),          # a word in two tickets
    ("报销 慢特病", {"mt"}),         # every word must occur
    ("慢特病认定", {"mt"}),          # the title is searched too
    ("补缴", {"cb"}),
    ("医保电子凭证", {"pz"}),
    ("ＡＰＰ", {"pz"}),              # full width and case folded
    ("生育津贴", set()),
])
def test_search_in_chinese(db, users, now, corpus, q, expected):
    assert _found(db, users["agent"], now, q) == {corpus[k].number for k in expected}


def test_search_by_ticket_number_and_staff_scope(db, users, now, corpus, reference):
    assert _found(db, users["agent"], now, corpus["cb"].number) == {corpus["cb"].number}
    tickets.dispatch(db.session, corpus["yd"], reference["YDJS"], actor=users["agent"], now=now + timedelta(minutes=1))
    db.session.commit()
    assert _found(db, users["staff_dybz"], now, "报销") == set()  # not their department's tickets


def test_search_page_and_api_list_use_it(db, client, users, auth, now, corpus):
    auth.login("agent")
    html = client.get("/tickets/?q=异地就医").get_data(as_text=True)
    assert corpus["yd"].number in html and corpus["cb"].number not in html


def test_traditional_and_simplified_find_each_other(db, users, now, corpus):
    written_in_traditional = _register(db, users, now, "醫保電子憑證綁定家人以後，門診費用能不能用家人的帳戶支付")
    db.session.commit()
    assert _found(db, users["agent"], now, "医保电子凭证") == {corpus["pz"].number, written_in_traditional.number}
    assert _found(db, users["agent"], now, "醫保電子憑證") == {corpus["pz"].number, written_in_traditional.number}
    assert _found(db, users["agent"], now, "門診 家人") == {written_in_traditional.number}
