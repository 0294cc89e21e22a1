"""通知公告 in a real browser: a supervisor publishes an important notice; the agent's next page counts it and
names it at the top, the agent reads it with the keyboard, and the supervisor sees the receipt."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, sign_in


def test_publish_an_important_notice_read_it_and_see_the_receipt(live_server, browser, page):
    supervisor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    sign_in(supervisor, live_server, "supervisor")
    sign_in(page, live_server, "agent")  # the agent's call form is open before the notice exists
    badge = page.locator('a[data-counter="announcements"] .badge')
    before = int(badge.inner_text()) if badge.count() else 0  # the demo's own notices
    supervisor.goto(f"{live_server}/announcements/")
    supervisor.fill("#title", "医保App今晚22点起停机维护两小时")
    supervisor.fill("#content", "停机期间无法查询个人账户和办理备案，来电请告知次日再办理。")
    supervisor.locator('input[name="roles"][value="staff"]').check()
    supervisor.locator("#important").check()
    with supervisor.expect_navigation():
        supervisor.get_by_role("button", name="发布").click()
    assert "通知公告已发布" in supervisor.locator(".flash-success").inner_text()

    page.reload()  # the next page the agent opens names the important notice
    assert int(badge.inner_text()) == before + 1
    banner = page.locator(".important-notices")
    assert "医保App今晚22点起停机维护两小时" in banner.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "announcement-banner.png"))
    with page.expect_navigation():
        banner.get_by_role("link", name="医保App今晚22点起停机维护两小时").click()
    expect(page.get_by_role("button", name="已阅")).to_be_focused()  # the button waits for Enter (autofocus is applied after load)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "您已阅" in page.content()
    page.goto(f"{live_server}/agent/calls/new")
    assert "医保App今晚22点起停机维护两小时" not in page.content()
    assert (int(badge.inner_text()) if badge.count() else 0) == before

    supervisor.goto(f"{live_server}/announcements/sent")
    supervisor.get_by_role("link", name="医保App今晚22点起停机维护两小时").click()
    supervisor.wait_for_load_state("networkidle")
    receipts = supervisor.locator("#receipts").inner_text()
    assert "1 /" in receipts and "人已阅" in receipts and "未阅" in receipts
    supervisor.context.close()
