"""Accessibility found missing by a review with a screen reader, zoom and forced colours (4 Dec 2026): what the
marks, badges, tables and radio groups say to a screen reader, the skip link, and the contrast of the colours."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import tickets

S = TicketStatus
STATIC = Path(__file__).resolve().parents[2] / "ticketing" / "static"


def _contrast(fg: str, bg: str) -> float:
    def lum(colour):
        rgb = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    high, low = sorted((lum(fg), lum(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_colours_of_text_reach_4_5_to_1():
    css = (STATIC / "app.css").read_text()
    var = dict(re.findall(r"--(\w+):(#[0-9a-f]{6})", css))
    assert _contrast(var["muted"], "#f4f6f9") >= 4.5 and _contrast(var["muted"], "#eef2f6") >= 4.5
    assert _contrast(var["warn"], "#ffffff") >= 4.5 and _contrast(var["warn"], "#fff1f0") >= 4.5
    badge = re.search(r"\.badge \{[^}]*background:(#[0-9a-f]{6}); color:#fff", css).group(1)
    assert _contrast("#ffffff", badge) >= 4.5
    urged = re.search(r"\.tag\.urged \{ background:(#[0-9a-f]{6}); color:(#[0-9a-f]{6})", css)
    assert _contrast(urged.group(2), urged.group(1)) >= 4.5
    assert "#777" not in css
    # the focus ring: dark with a white one inside on the light pages, amber on the dark top bar
    assert "outline:3px solid #0b3d91; outline-offset:2px; box-shadow:0 0 0 2px #fff;" in css
    assert ".topbar a:focus, .topbar button:focus { outline:2px solid #ffb300;" in css
    assert _contrast("#0b3d91", "#f4f6f9") >= 3 and _contrast("#ffb300", "#123b63") >= 3
    assert ".tag, .badge { border:1px solid transparent; }" in css  # forced colours keep the chips' shape


def test_the_assessment_pages_grey_is_dark_enough(client, users, auth, march):
    auth.login("supervisor")
    html = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert "#777" not in html and ".assessment .muted { color:#5a6573; }" in html


def test_every_page_starts_with_a_skip_link_to_main(client, users, auth):
    auth.login("agent")
    html = client.get("/agent/calls/new").get_data(as_text=True)
    body = html[html.index("<body"):]
    assert body.index('<a class="skip-link" href="#main">跳到主要内容</a>') < body.index('<header class="topbar">')
    assert '<main id="main" tabindex="-1">' in html
    assert 'class="active" aria-current="page" data-nav="agent.new_call"' in html  # the page's own menu item
    assert html.count('aria-current="page"') == 1


def test_marks_say_what_they_mean_and_badges_say_how_many(db, client, users, auth, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, urgency="urgent", title="住院报销" + "很长的标题" * 12)
    tickets.urge(db.session, ticket, "请尽快办理", actor=users["supervisor"], now=now + timedelta(hours=1))
    tickets.record_follow_up(db.session, ticket, "说没人联系", actor=users["agent"], now=now + timedelta(hours=2))
    make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    auth.login("staff_dybz")
    html = client.get("/inbox/?state=accepted").get_data(as_text=True)
    table = html[html.index('class="table-scroll"'):]
    row = table[table.index(f">{ticket.number}</a>"):]
    row = row[:row.index("</tr>")]
    assert '<span class="tag urgent"><span aria-hidden="true">急</span><span class="sr-only">紧急</span></span>' in row
    assert '<span class="tag urged"><span aria-hidden="true">督</span><span class="sr-only">督办</span></span>' in row
    assert '<span aria-hidden="true">催1</span><span class="sr-only">群众来电催办 1 次，最近 ' in row
    assert f'<td class="title-cell" title="{ticket.title}">' in row  # the whole title on hover where it is cut
    # the menu's and the tabs' counters: "（1 件待处理）" read after the number
    assert re.search(r'data-counter="inbox">本单位工单<span class="badge" title="待处理">(\d+)</span>'
                     r'<span class="sr-only badge-said">（\1 件待处理）</span>', html)
    todo_js = (STATIC / "todo.js").read_text()
    assert 'said.className = "sr-only badge-said"' in todo_js  # the refreshed counters say it too


def test_the_inbox_tab_is_the_current_page_and_names_the_title(client, users, auth):
    auth.login("staff_dybz")
    html = client.get("/inbox/?state=dispatched").get_data(as_text=True)
    assert "<title>待签收 · 本单位工单 · 12393 医保热线工单系统</title>" in html
    assert 'href="/inbox/?state=dispatched" class="active" aria-current="page"' in html
    assert html.count('aria-current="page"') == 2  # the menu's 本单位工单 and the tab
    # the list scrolls in its own box at 200 % zoom, and its header cells are column headers
    assert '<div class="table-scroll" role="region" aria-label="工单列表" tabindex="0">' in html
    assert '<th scope="col">工单号</th>' in html and "<th>" not in html[html.index('class="table-scroll"'):]


def test_the_supervisors_tables_have_names_and_row_headers(db, client, users, auth, now):
    make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    auth.login("supervisor")
    html = client.get("/supervise/").get_data(as_text=True)
    assert '<div class="table-scroll" role="region" aria-labelledby="load-heading" tabindex="0"><table class="grid load" aria-labelledby="load-heading">' in html
    assert '<h2 id="load-heading">各承办单位在办' in html
    assert '<th scope="row"><a href="/supervise/?department=DYBZ" title="只看该单位">' in html
    assert '<th scope="col" class="num">在办</th>' in html
    assert 'aria-labelledby="overdue-heading"' in html or 'aria-labelledby="near-heading"' in html \
        or 'aria-labelledby="unaccepted-heading"' in html or re.search(r'aria-labelledby="[a-z_]+-heading" tabindex="0"><table class="grid supervise"', html)
    assert re.search(r'<span class="badge">\d+</span><span class="sr-only">（\d+ 件）</span>', html)


def test_the_statistics_name_rows_and_mark_weekends_in_words(client, users, auth, march):
    auth.login("supervisor")
    html = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    assert '<h2 id="by-type-heading">按诉求类型</h2>' in html
    assert 'role="region" aria-labelledby="by-type-heading" tabindex="0"><table class="grid" aria-labelledby="by-type-heading">' in html
    assert '<th scope="col" class="num">件数</th>' in html and '<th scope="row">' in html
    assert '<caption class="sr-only">本月概况</caption>' in html
    # 7 and 8 March 2026 are a Saturday and a Sunday: said under the day, not by the bar's colour alone
    assert 'class="weekend">7<tspan' in html and ">六</tspan>" in html and ">日</tspan>" in html
    assert 'class="weekend">9<' not in html


def test_the_ranking_names_each_row_by_its_department(client, users, auth, march):
    auth.login("supervisor")
    html = client.get("/assessment/?month=2026-03").get_data(as_text=True)
    assert '<table class="grid" id="ranking" aria-labelledby="ranking-heading">' in html
    assert '<th scope="col">承办单位</th>' in html
    assert re.search(r'<th scope="row"><a href="/assessment/[^"]*DYBZ[^"]*">待遇保障科</a>', html), html[html.index('id="ranking"'):][:3000]


def test_radio_groups_have_names(db, client, users, auth, now):
    auth.login("agent")
    html = client.get("/agent/calls/new").get_data(as_text=True)
    # (the group's name says when the type was pre-selected from the classifier's suggestion)
    assert ('<span class="label" id="type-label">诉求类型（Alt+1…6）<span id="type-suggested" class="small muted"></span>'
            '</span><div class="radios" role="radiogroup" aria-labelledby="type-label">') in html
    assert '<span class="label" id="urgency-label">紧急程度</span><div class="radios" role="radiogroup" aria-labelledby="urgency-label">' in html
    assert 'aria-live' not in html[html.index('<aside class="panel assist"'):html.index("</aside>")].split(">")[0]
    assert '<p id="assist-status" class="sr-only" role="status"></p>' in html
    assert '<p id="accept-status" class="small" role="status"></p>' in html
    # the hint is read with its field
    assert 'aria-describedby="content-hint"' in html and '<small class="hint" id="content-hint">' in html
    # the page's own shortcuts at its foot
    foot = html[html.index('<footer class="foot">'):]
    for key in ("U", "K", "D", "X", "7"):
        assert f"<kbd>{key}</kbd>" in foot, key

    ticket = make_ticket(db, users, now, status=S.REPLIED)
    db.session.commit()
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    for name, label in (("reached", "是否联系上来电人"), ("satisfaction", "满意度"), ("solved", "问题是否解决")):
        assert (f'<span role="radiogroup" aria-labelledby="callback-{name}-label"><span id="callback-{name}-label" '
                f'class="sr-only">{label}</span>') in page
    # 联系来电人's 已告知 / 未联系上 is a named group too
    worked = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.commit()
    auth.logout()
    auth.login("staff_dybz")
    contact = client.get(f"/tickets/{worked.number}").get_data(as_text=True)
    assert ('<span role="radiogroup" aria-labelledby="contact-reached-label"><span id="contact-reached-label" '
            'class="sr-only">是否已告知来电人</span>') in contact

    auth.logout()
    auth.login("supervisor")
    page = client.get(f"/reviews/?month={now:%Y-%m}&agent=agent").get_data(as_text=True)
    assert re.search(r'<div class="check" role="radiogroup" aria-labelledby="review-\d+-routing-label">'
                     r'<span id="review-\d+-routing-label">承办单位选择正确</span>：', page)
    page = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    if 'name="routing"' in page:  # a supervisor may review from the ticket page too
        assert '<div class="check" role="radiogroup" aria-labelledby="review-routing-label">' in page


def test_the_rule_preview_has_ids_of_its_own(client, users, auth):
    auth.login("admin")
    html = client.get("/admin/rules").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for name in ("category", "region", "channel", "ticket_type"):
        assert re.search(f'id="preview-{name}"[^>]* name="{name}"', html) and re.search(f'id="{name}"[^>]* name="{name}"', html)
