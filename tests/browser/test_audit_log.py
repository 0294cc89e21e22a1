"""操作日志 in a real browser: a setting changed on 运行设置 is at the top of the log, with who changed it."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_an_administrators_change_shows_in_the_log(live_server, page):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/settings")
    hours = page.locator("#near_deadline_hours")
    new_value = "36" if hours.input_value() != "36" else "48"
    hours.fill(new_value)
    with page.expect_navigation():
        page.get_by_role("button", name="保存设置").click()
    with page.expect_navigation():
        page.get_by_role("link", name="操作日志").click()
    first = page.locator("table.grid tbody tr").first
    assert "修改运行设置" in first.inner_text() and "（admin）" in first.inner_text()
    assert f"设置项：临近到期提醒（小时）；原值：24；值：{new_value}" in first.inner_text()
    page.select_option("select[name=action]", label="新建用户")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert "修改运行设置" not in page.locator("table.grid tbody").inner_text()
