"""批量派发 in Chromium: tick a ticket on 待派发 and dispatch it where its category (or suggestion) routes."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_a_ticked_ticket_is_dispatched_as_suggested(live_server, page):
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/agent/triage")
    box = page.locator("input[name=numbers]").first
    number = box.get_attribute("value")
    row = page.locator("tr", has=page.locator(f"input[value='{number}']"))
    department = row.locator("td").nth(6).inner_text()
    box.check()
    with page.expect_navigation():
        page.get_by_role("button", name="按分类/建议派发所选").click()
    assert "已派发 1 件。" in page.locator(".flash-success").inner_text()
    assert page.locator(f"input[value='{number}']").count() == 0  # no longer waiting
    page.goto(f"{live_server}/tickets/{number}")
    assert f"承办：{department}" in page.locator(".ticket-head").inner_text()
