"""信访复查、复核 on the pages and in the API: the supervisor records the petitioner's request on the answered
petition's page, follows it on 督办 (counted in its badge once late), records the opinion, and the matter is shown as
concluded after 复核, also beside the same caller's next ticket."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket, page_section
from ticketing.models import TicketStatus
from ticketing.services import clock

S = TicketStatus


def test_recheck_and_reexamination_on_the_pages(db, client, users, auth, now, monkeypatch):
    petition = make_ticket(db, users, now, status=S.CLOSED, channel="petition_bureau", title="住院报销不服",
                           caller_phone="13912345678")
    ordinary = make_ticket(db, users, now, status=S.CLOSED)
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=10))
    auth.login("supervisor")
    assert 'id="petition-review-form"' not in client.get(f"/tickets/{ordinary.number}").get_data(as_text=True)
    page = client.get(f"/tickets/{petition.number}").get_data(as_text=True)
    form = page[page.index('id="petition-review-form"'):]
    form = form[:form.index("</form>")]
    assert "登记复查请求" in form and "信访工作条例第三十五条" in form
    assert 'name="answer_received_on" id="petition-received-on" value="2026-03-02" min="2026-03-02"' in form
    assert 'value="2026-03-12" max="2026-03-12"' in form

    html = client.post(f"/tickets/{petition.number}/actions/request_petition_review", follow_redirects=True,
                       data={"reviewing_body": "省医疗保障局", "reason": "认为报销比例算错",
                             "answer_received_on": "2026-01-05", "requested_on": "2026-03-12"}).get_data(as_text=True)
    assert "不能早于处理意见出具之日" in html and 'id="petition-reviews"' not in html  # nothing saved
    html = client.post(f"/tickets/{petition.number}/actions/request_petition_review", follow_redirects=True,
                       data={"reviewing_body": "省医疗保障局", "reason": "认为报销比例算错，联系电话 13912345678",
                             "answer_received_on": "2026-03-04", "requested_on": "2026-03-12"}).get_data(as_text=True)
    assert f"已登记复查请求：{petition.number}，省医疗保障局应于 2026-04-11 前出具复查意见" in html
    table = html[html.index('id="petition-reviews"'):]
    table = table[:table.index("</table>")]
    assert "省医疗保障局" in table and "待出具意见" in table and "2026-04-11" in table
    assert "信访人 2026-03-04 收到处理意见，2026-03-12 请求复查" in table
    assert 'id="petition-opinion-form" data-draft-key="recheck"' in html and 'id="petition-review-form"' not in html

    supervise = client.get("/supervise/").get_data(as_text=True)
    section = page_section(supervise, "petition_reviews")
    assert "信访复查、复核待出具意见（1）" in section and petition.number in section
    assert "信访人请求复查：省医疗保障局" in section and "复查意见 04-11 前" in section and "已超期" not in section
    assert "row-overdue" not in section
    assert client.get("/todo.json").get_json()["counts"]["supervise"] == 0

    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=41))  # 12 April: a day late
    section = page_section(client.get("/supervise/").get_data(as_text=True), "petition_reviews")
    assert "已超期" in section and 'class="row-overdue' in section and f"/tickets/{petition.number}?back=" in section
    assert client.get("/todo.json").get_json()["counts"]["supervise"] == 1
    html = client.post(f"/tickets/{petition.number}/actions/decide_petition_review", follow_redirects=True,
                       data={"opinion": "维持原处理意见", "decided_on": "2026-04-10"}).get_data(as_text=True)
    assert "请选择复查结论" in html and 'id="petition-opinion-form"' in html
    html = client.post(f"/tickets/{petition.number}/actions/decide_petition_review", follow_redirects=True,
                       data={"decision": "upheld", "opinion": "维持原处理意见",
                             "decided_on": "2026-04-10"}).get_data(as_text=True)
    assert f"已录入复查意见（维持原意见）：{petition.number}" in html
    assert "<b>维持原意见</b>：维持原处理意见" in html and "超期出具" not in html  # dated within its 30 days
    form = html[html.index('id="petition-review-form"'):]
    assert "登记复核请求" in form[:form.index("</form>")] and 'value="2026-04-10" min="2026-04-10"' in form
    assert "复核机关（复查机关的上一级机关）" in form and "原办理机关" not in form[:form.index("</form>")]
    assert client.get("/todo.json").get_json()["counts"]["supervise"] == 0

    html = client.post(f"/tickets/{petition.number}/actions/request_petition_review", follow_redirects=True,
                       data={"reviewing_body": "国家医疗保障局", "reason": "仍不服",
                             "answer_received_on": "2026-04-10", "requested_on": "2026-04-12"}).get_data(as_text=True)
    assert "已登记复核请求" in html
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=50))
    html = client.post(f"/tickets/{petition.number}/actions/decide_petition_review", follow_redirects=True,
                       data={"decision": "changed", "opinion": "撤销原处理意见，责成重新核算",
                             "decided_on": "2026-04-20"}).get_data(as_text=True)
    assert "已复核终结" in html and "不再受理" in html
    assert 'href="#reopen-form">重办</a>' in html  # the answer was changed: the page offers 重办
    assert 'id="petition-review-form"' not in html and 'id="petition-opinion-form"' not in html
    auth.logout()

    later = make_ticket(db, users, now + timedelta(days=50), channel="petition_bureau", caller_phone="13912345678")
    db.session.commit()
    auth.login("agent")  # the same caller rings again: the call form says the matter was concluded
    said = client.post("/agent/assist", json={"text": "还是住院报销的事", "phone": "13912345678"}).get_json()
    assert said["concluded_petitions"] == [petition.number]
    assert client.post("/agent/assist", json={"text": "住院报销", "phone": "13800000001"}).get_json()[
        "concluded_petitions"] == []
    auth.logout()
    auth.login("supervisor")
    page = client.get(f"/tickets/{later.number}").get_data(as_text=True)
    assert f'该来电人的信访事项 <a href="/tickets/{petition.number}">{petition.number}</a> 已经复核终结' in page
    assert "petition-concluded-before" not in client.get(f"/tickets/{petition.number}").get_data(as_text=True)
    same_caller = page
    same_caller = same_caller[same_caller.index('id="same-caller"'):]
    assert petition.number in same_caller[:same_caller.index("</ul>")]
    assert "信访已复核终结" in same_caller[:same_caller.index("</ul>")]


def recheck_recorded(db, client, users, auth, now, monkeypatch, body: str):
    """An answered petition whose 复查 request (to ``body``) the supervisor recorded on its page three days on; the
    supervisor is still signed in."""
    petition = make_ticket(db, users, now, status=S.REPLIED, channel="petition_bureau")
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=3))
    auth.login("supervisor")
    client.post(f"/tickets/{petition.number}/actions/request_petition_review",
                data={"reviewing_body": body, "reason": "不服", "requested_on": "2026-03-05"})
    return petition


def test_agents_and_departments_see_the_record_but_not_the_forms(db, client, users, auth, now, monkeypatch):
    petition = recheck_recorded(db, client, users, auth, now, monkeypatch, "省医疗保障局")
    auth.logout()
    for user in ("agent", "staff_dybz"):
        auth.login(user)
        page = client.get(f"/tickets/{petition.number}").get_data(as_text=True)
        assert 'id="petition-reviews"' in page and "省医疗保障局" in page
        assert 'id="petition-opinion-form"' not in page
        response = client.post(f"/tickets/{petition.number}/actions/decide_petition_review",
                               data={"decision": "upheld", "opinion": "维持"}, follow_redirects=True)
        assert "无权执行" in response.get_data(as_text=True)
        auth.logout()


def test_a_request_recorded_by_mistake_is_withdrawn_on_the_page(db, client, users, auth, now, monkeypatch):
    petition = recheck_recorded(db, client, users, auth, now, monkeypatch, "市医疗保障局")
    page = client.get(f"/tickets/{petition.number}").get_data(as_text=True)
    assert "复查请求登记有误或信访人已撤回" in page
    html = client.post(f"/tickets/{petition.number}/actions/withdraw_petition_review", data={"reason": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写撤销复查登记的原因" in html and 'id="petition-reviews"' in html  # nothing lost
    html = client.post(f"/tickets/{petition.number}/actions/withdraw_petition_review", follow_redirects=True,
                       data={"reason": "复查机关应为省医疗保障局"}).get_data(as_text=True)
    assert f"已撤销复查复核登记：{petition.number}" in html
    assert 'id="petition-review-form"' in html  # may be recorded again
    table = html[html.index('id="petition-reviews"'):]
    assert "已撤销登记：复查机关应为省医疗保障局" in table[:table.index("</table>")]  # kept, marked
    assert "撤销复查登记（市医疗保障局）：复查机关应为省医疗保障局" in html  # in the ticket's history


def test_statistics_show_and_export_the_months_petitions(db, client, users, auth, now, monkeypatch):
    from io import BytesIO

    from openpyxl import load_workbook

    petition = make_ticket(db, users, now, status=S.CLOSED, channel="petition_bureau")
    make_ticket(db, users, now, status=S.CLOSED)
    db.session.commit()
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(days=10))
    auth.login("supervisor")
    client.post(f"/tickets/{petition.number}/actions/request_petition_review",
                data={"reviewing_body": "省医疗保障局", "reason": "不服", "requested_on": "2026-03-05"})
    page = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    section = page_section(page, "petitions")
    assert "信访件（信访工作条例）" in section
    assert '<th scope="row">收到信访件</th><td class="num">1</td>' in section
    assert '<th scope="row">按期办结率</th><td class="num">100.0%</td>' in section
    assert '<th scope="row">本月收到复查请求</th><td class="num">1</td>' in section
    assert '<th scope="row">复查改变率</th><td class="num">—</td>' in section
    assert 'id="petitions"' not in client.get("/statistics/?month=2026-02").get_data(as_text=True)
    assert 'id="petitions"' not in client.get("/statistics/?month=2026-03&department=DYBZ").get_data(as_text=True)
    book = load_workbook(BytesIO(client.get("/statistics/export.xlsx?month=2026-03").data))
    sheet = book["信访件"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["收到信访件"] == 1 and values["按时受理率"] == 1.0 and values["复查待出具意见"] == 1
    assert sheet.cell(row=5, column=2).number_format == "0.0%"
