"""An open page's counters follow new work, and it says at once when its session has ended."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def _inbox_count(page) -> int:
    badge = page.locator('[data-counter="inbox"] .badge')
    return int(badge.inner_text()) if badge.count() else 0


def test_a_department_sees_new_work_arrive_without_reloading(live_server, page, browser):
    sign_in(page, live_server, "staff_dybz")
    before = _inbox_count(page)
    total = int(page.locator("#todo-total").inner_text())  # the inbox, 待告知 and unread 通知公告
    assert page.title().startswith(f"({total}) ") or total == 0

    agent = browser.new_context(locale="zh-CN").new_page()
    sign_in(agent, live_server, "agent")
    agent.fill("#caller_phone", "13655554444")
    agent.fill("#content", "来电人反映今年住院花了三万多，出院结算时报销比例比去年低了很多，咨询住院报销比例和起付线是怎么规定的")
    agent.wait_for_selector("#suggestions .sugg.best")
    agent.keyboard.press("Alt+7")  # accept 待遇报销 → 待遇保障科
    with agent.expect_navigation():
        agent.locator("#content").press("Control+Enter")
    assert "已派发" in agent.locator(".flash-success").inner_text()
    agent.context.close()

    page.evaluate("window.refreshTodoCounts()")  # what the page does by itself every COUNTER_REFRESH_SECONDS
    page.wait_for_function(f"document.title.startsWith('({total + 1}) ')")
    assert _inbox_count(page) == before + 1

    page.context.clear_cookies()  # the session ends
    page.evaluate("window.refreshTodoCounts()")
    notice = page.locator(".session-ended")
    notice.wait_for()
    assert "登录已超时" in notice.inner_text()
    assert "/login?next=%2Finbox%2F" in notice.get_by_role("link", name="重新登录").get_attribute("href")


def test_a_page_left_alone_warns_before_signing_out_and_can_stay(live_server, page):
    sign_in(page, live_server, "staff_dybz")
    page.evaluate("window.ticketingIdle.idleFor(20)")
    assert page.locator(".idle-warning").count() == 0
    page.evaluate("window.ticketingIdle.idleFor(117)")  # SESSION_IDLE_MINUTES is 120
    warning = page.locator(".idle-warning")
    assert "约 3 分钟后将自动退出登录" in warning.inner_text()
    with page.expect_response(lambda r: "/todo.json?active=1" in r.url and r.status == 200):
        warning.get_by_role("button", name="继续使用").click()
    warning.wait_for(state="detached")  # the server's idle clock starts again, and the page's with it

    page.keyboard.press("Shift")  # typing or clicking is activity: the next refresh says so
    with page.expect_response(lambda r: "/todo.json?active=1" in r.url):
        page.evaluate("window.refreshTodoCounts()")
    with page.expect_response(lambda r: r.url.endswith("/todo.json")):  # nothing since: a plain refresh
        page.evaluate("window.refreshTodoCounts()")
