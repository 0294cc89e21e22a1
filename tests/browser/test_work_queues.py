"""工作队列 in Chromium: a department works its 待办 from the first ticket with Alt+J, without going back to the list."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_alt_j_opens_the_next_ticket_of_the_inbox(live_server, page):
    sign_in(page, live_server, "staff_dybz")
    page.goto(f"{live_server}/inbox/")
    numbers = page.locator("table.grid tbody a[href*='?queue=todo']")
    listed = numbers.evaluate_all("links => links.map(a => a.textContent)")
    assert len(listed) >= 2
    numbers.first.click()
    page.wait_for_url(f"**/tickets/{listed[0]}?queue=todo")
    assert "第 1 / " in page.locator(".queue-bar").inner_text()
    with page.expect_navigation():
        page.keyboard.press("Alt+j")
    assert page.url.endswith(f"/tickets/{listed[1]}?queue=todo")
    assert "第 2 / " in page.locator(".queue-bar").inner_text()
    page.locator(".queue-bar a").first.click()  # 待办: back to the list
    page.wait_for_url("**/inbox/?state=todo")
