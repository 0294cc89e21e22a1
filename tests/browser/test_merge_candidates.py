"""可能重复的工单 in Chromium: a second call from the same number shows the first ticket, merged with one click."""
from __future__ import annotations

import re

from tests.browser.conftest import sign_in


def test_a_repeat_call_is_merged_into_the_first_from_its_page(live_server, page):
    sign_in(page, live_server, "agent")
    page.fill("#caller_phone", "13566667777")
    page.fill("#content", "来电人反映在市中心医院住院花了两万多，出院结算时没有按职工医保报销，要求说明原因")
    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    first = re.search(r"12393-\d{8}-\d{6}", page.locator(".flash-success").inner_text()).group(0)
    page.fill("#caller_phone", "13566667777")
    page.fill("#content", "来电人再次来电，催问市中心医院住院费用为什么没有按职工医保报销")
    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    second = re.search(r"12393-\d{8}-\d{6}", page.locator(".flash-success").inner_text()).group(0)

    page.goto(f"{live_server}/tickets/{second}")
    panel = page.locator(".similar")
    panel.locator("h3", has_text="可能重复的工单").wait_for()  # fetched after the page was shown
    row = panel.locator("li", has_text=first)
    assert "同一来电号码" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("button", name="合并到此工单").click()
    assert f"已合并：{second}" in page.locator(".flash-success").inner_text()
    assert page.get_by_role("link", name=first).count() >= 1  # 已合并到 …
