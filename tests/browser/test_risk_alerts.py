"""风险提示 in a real browser: the call form warns as the agent types, Alt+U marks the call urgent, and the
supervisor finds it at the head of 督办 and decides on it from the ticket page."""
from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS, sign_in


def test_the_agent_is_warned_marks_the_call_urgent_and_the_supervisor_sees_it(live_server, browser, page):
    sign_in(page, live_server, "agent")
    assert page.locator("#risk-alert").is_hidden()
    page.fill("#caller_phone", "13700001111")
    page.locator("#content").focus()
    page.keyboard.type("来电人情绪激动，说母亲住院押金交不起，医保迟迟不给报，再这样就不想活了")
    page.wait_for_selector("#risk-alert:not([hidden])")
    alert = page.locator("#risk-alert").inner_text()
    assert "人身安全" in alert and "报告值班长" in alert and "标为紧急（Alt+U）" in alert
    assert not page.locator('input[name="urgency"][value="urgent"]').is_checked()
    page.keyboard.press("Alt+U")
    assert page.locator('input[name="urgency"][value="urgent"]').is_checked()
    assert "已标为紧急" in page.locator("#risk-alert").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "risk-alert.png"))
    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    number = re.search(r"12393-\d{8}-\d{6}", page.locator(".flash-success").inner_text()).group(0)

    # a second call in other words, registered as normal: the supervisor decides on it
    page.goto(f"{live_server}/agent/calls/new")
    page.fill("#caller_phone", "13700002222")
    page.fill("#content", "村里十几户的报销都被卡着，大家商量好了下周集体上访")
    page.wait_for_selector("#risk-alert:not([hidden])")
    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    second = re.search(r"12393-\d{8}-\d{6}", page.locator(".flash-success").inner_text()).group(0)

    supervisor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    sign_in(supervisor, live_server, "supervisor")
    supervisor.goto(f"{live_server}/supervise/")
    risks = supervisor.locator("#risks")
    assert number in risks.inner_text() and second in risks.inner_text()
    assert "已升为紧急" in risks.locator("tr", has_text=number).inner_text()
    assert "待定" in risks.locator("tr", has_text=second).inner_text()
    risks.locator("tr", has_text=second).get_by_role("link", name="查看或解除").click()
    supervisor.wait_for_load_state("networkidle")
    assert "群体性" in supervisor.locator("#risk-flag").inner_text()
    with supervisor.expect_navigation():
        supervisor.locator("#risk-flag").get_by_role("button", name="升为紧急").click()
    assert f"已升为紧急：{second}" in supervisor.locator(".flash-success").inner_text()
    assert "（已按紧急件办理）" in supervisor.locator("#risk-flag").inner_text()
    supervisor.context.close()
