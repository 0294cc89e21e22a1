"""协办 in Chromium: 待遇保障科 asks 医疗救助科 on a ticket it works; 医疗救助科 finds it under its 协办 tab,
lands in the opinion with the cursor there and answers with the keyboard; the opinion comes back atop the
handling department's inbox."""
from __future__ import annotations

from tests.browser.conftest import sign_in, signed_out


def test_a_department_asks_another_and_reads_its_opinion(live_server, page):
    sign_in(page, live_server, "staff_dybz")
    page.goto(f"{live_server}/inbox/?state=accepted")
    number = page.locator("table.grid a[href^='/tickets/']").first.inner_text()
    page.goto(f"{live_server}/tickets/{number}")
    form = page.locator("#request-assist-form")
    form.get_by_label("请其他单位协办").select_option("YLJZ")
    request = form.get_by_label("需要协办的事项")
    request.fill("请核实来电人是否在低保救助对象名单内")
    with page.expect_navigation():
        request.press("Control+Enter")
    assert f"已发起协办：{number}" in page.locator(".flash-success").inner_text()
    row = page.locator("table.assists tr", has_text="医疗救助科")
    assert "待反馈" in row.inner_text() and "请核实来电人是否在低保救助对象名单内" in row.inner_text()
    signed_out(page)

    sign_in(page, live_server, "staff_yljz")
    page.goto(f"{live_server}/inbox/?state=assist")
    tab = page.locator("nav.tabs a[data-counter=assists]")
    assert int(tab.locator(".badge").inner_text()) >= 1  # counted in 待处理 too
    with page.expect_navigation():
        page.locator("table.assist-queue tr", has_text=number).get_by_role("link", name=number).click()
    assert page.url.endswith(f"/tickets/{number}#assist-form")
    page.wait_for_function("document.activeElement.id === 'assist-opinion'")  # the cursor waits in the opinion
    assert "待遇保障科请本单位协办" in page.locator("#assist-form").inner_text()
    page.keyboard.type("经核实，来电人系本区低保对象，可享受医疗救助")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert f"已反馈协办意见：{number}" in page.locator(".flash-success").inner_text()
    assert page.locator("#assist-form").count() == 0
    assert "经核实，来电人系本区低保对象" in page.locator("table.assists").inner_text()
    signed_out(page)

    sign_in(page, live_server, "staff_dybz")
    page.goto(f"{live_server}/inbox/")
    opinions = page.locator(".assist-opinions")
    assert number in opinions.inner_text() and "医疗救助科" in opinions.inner_text()
