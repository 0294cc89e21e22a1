"""A supervisor's day (a browser walk, 6 Dec 2026): a ticket owing its 延期告知, printed from 督办's 待告知来电人. The screen's links
and buttons are left out of the paper, but the words around them were not: the notice printed
"…尚未告知来电人，。", the 时限 line ended on a lone "·" (the hidden 打印 button), and a "工单质检" heading was printed
with nothing under it (only the form, which is not printed, followed it)."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_a_printed_ticket_owing_a_notice_has_no_dangling_punctuation(live_server, page):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervise/")
    page.locator("#notices tbody a[href*='/tickets/']").first.click()
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    notice = page.locator(".notice-owed").first.inner_text().strip()
    assert "，。" not in notice and not notice.endswith("，"), notice
    meta = page.locator(".ticket-head .meta", has_text="时限").inner_text().strip()
    assert not meta.endswith("·"), meta
    heading = page.locator("h2#reviews")
    if heading.count() and heading.is_visible():
        assert page.locator(".review-result").count(), "工单质检 printed with nothing under it"
