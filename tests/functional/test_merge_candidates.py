"""可能重复的工单 on a ticket's page: the same caller or similar text, merged with one click."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import clock

TEXT = "单位给我断缴了三个月职工医保，现在住院没法报销，要求单位补缴，来电人情绪激动"


def test_an_agent_sees_earlier_repeats_and_merges_with_one_click(db, client, users, auth):
    received = clock.now_utc() - timedelta(hours=3)
    earlier = make_ticket(db, users, received, content=TEXT, caller_phone="13911112222", category="CB",
                          department="CBZJ", status=TicketStatus.DISPATCHED)
    repeat = make_ticket(db, users, received + timedelta(hours=1), content=TEXT + "，第二次来电", caller_phone="13911112222",
                         category="CB")
    later = make_ticket(db, users, received + timedelta(hours=2), content=TEXT + "，第三次来电", caller_phone="13588889999",
                        category="CB")
    db.session.commit()
    auth.login("agent")
    page = client.get(f"/tickets/{repeat.number}").get_data(as_text=True)
    assert f'data-fragment-url="/tickets/{repeat.number}/similar"' in page  # fetched once the page is shown
    html = client.get(f"/tickets/{repeat.number}/similar").get_data(as_text=True)
    assert "可能重复的工单" in html and earlier.number in html and later.number in html
    assert "同一来电号码，相似度" in html
    assert "较晚登记：请在该工单上合并到本工单" in html  # the later one merges into this one, not the reverse
    assert html.count("合并到此工单</button>") == 1
    response = client.post(f"/tickets/{repeat.number}/actions/merge", data={"into": earlier.number},
                           follow_redirects=True)
    assert f"已合并：{repeat.number}" in response.get_data(as_text=True)
    db.session.refresh(repeat)
    assert repeat.status == TicketStatus.MERGED.value and repeat.merged_into_id == earlier.id


def test_another_callers_similar_ticket_is_shown_but_not_offered_for_merging(db, client, users, auth):
    received = clock.now_utc() - timedelta(hours=3)
    earlier = make_ticket(db, users, received, content=TEXT, caller_phone="13911112222", caller_name="张先生",
                          category="CB")
    other = make_ticket(db, users, received + timedelta(hours=1), content=TEXT + "，邻居也是这样", caller_phone="13588889999",
                        caller_name="李女士", category="CB")
    db.session.commit()
    auth.login("agent")
    html = client.get(f"/tickets/{other.number}/similar").get_data(as_text=True)
    assert earlier.number in html and "合并到此工单</button>" not in html
    assert "来电人不同，电话和姓名都不同：不合并，各自答复和回访" in html


def test_department_staff_do_not_get_the_panel(db, client, users, auth):
    received = clock.now_utc() - timedelta(hours=3)
    make_ticket(db, users, received, content=TEXT, status=TicketStatus.ACCEPTED)
    second = make_ticket(db, users, received + timedelta(hours=1), content=TEXT, status=TicketStatus.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    assert "data-fragment-url" not in client.get(f"/tickets/{second.number}").get_data(as_text=True)
    response = client.get(f"/tickets/{second.number}/similar")
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
