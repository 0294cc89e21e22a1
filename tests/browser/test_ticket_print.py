"""A ticket printed (交办单): who printed it and when, the ticket and its record, without the forms."""
from __future__ import annotations

import re

from tests.browser.conftest import sign_in


def test_a_printed_ticket_has_no_forms_and_says_who_printed_it(live_server, page):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/tickets/")
    page.locator("table.grid tbody a[href*='/tickets/']").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="打印").is_visible()
    stamp = page.locator(".ticket-head p.print-only")
    assert not stamp.is_visible()
    page.emulate_media(media="print")
    assert stamp.is_visible()
    assert "办理单" in stamp.inner_text() and "由 赵班长 打印" in stamp.inner_text()
    assert not page.locator("section.actions").is_visible() and not page.locator(".topbar").is_visible()
    assert not page.get_by_role("button", name="打印").is_visible()
    # no form shows, the upload form included (its display:flex won over .no-print in print)
    assert not any(form.is_visible() for form in page.locator("form").all())
    assert page.locator("h2", has_text="办理记录").is_visible() and page.locator("h2", has_text="诉求内容").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000


def test_a_printed_list_keeps_its_deadlines_whole_and_says_what_and_when(live_server, page):
    """A print review: the 时限 column was cut off at the paper's right edge, a deadline printed as 剩余2天9小时 with
    no year, and a list printed no date; 热点诉求 printed only its first group's tickets."""
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/tickets/?status=dispatched")
    page.emulate_media(media="print")
    assert page.get_by_text("查询条件：已派发").is_visible()  # the filters' form is not printed, its choice is
    stamp = page.locator(".print-stamp")
    assert stamp.is_visible() and "工单查询" in stamp.inner_text() and "由 赵班长 打印" in stamp.inner_text()
    assert page.evaluate("getComputedStyle(document.querySelector('.table-scroll')).overflowX") == "visible"
    printed = page.locator("table.grid tbody span.print-only").first
    assert printed.is_visible() and re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d", printed.inner_text())
    assert not page.locator("table.grid tbody .deadline").first.is_visible()  # 剩余… is the screen's
    assert not page.locator("table.grid input[type=checkbox]").first.is_visible()
    page.emulate_media(media="screen")

    page.goto(f"{live_server}/supervise/hotspots")
    page.evaluate("""document.querySelector('main').insertAdjacentHTML('beforeend',
        '<details id="group-2"><summary>逐件查看</summary>第二组</details>'
        + '<details id="remove-form" class="remove"><summary>删除</summary><form></form></details>')""")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("#group-2").get_attribute("open") is not None  # printed open
    assert page.locator("#remove-form").get_attribute("open") is None  # a folded form stays folded
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator("#group-2").get_attribute("open") is None
