"""可能重复的工单 in Chromium: a second call from the same number shows the first ticket, merged with one click."""
from __future__ import annotations

from tests.browser.conftest import register_call, sign_in


def test_a_repeat_call_is_merged_into_the_first_from_its_page(live_server, page):
    sign_in(page, live_server, "agent")
    first = register_call(page, "13566667777", "来电人反映在市中心医院住院花了两万多，出院结算时没有按职工医保报销，要求说明原因")
    second = register_call(page, "13566667777", "来电人再次来电，催问市中心医院住院费用为什么没有按职工医保报销")

    page.goto(f"{live_server}/tickets/{second}")
    panel = page.locator(".similar")
    panel.locator("h3", has_text="可能重复的工单").wait_for()  # fetched after the page was shown
    row = panel.locator("li", has_text=first)
    assert "同一来电号码" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("button", name="合并到此工单").click()
    assert f"已合并：{second}" in page.locator(".flash-success").inner_text()
    assert page.get_by_role("link", name=first).count() >= 1  # 已合并到 …
