"""来电催办 in Chromium: the caller rings again; the call form's phone history opens the ticket at its
催办 form, with the cursor in it, and the keyboard records it."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import register_call, sign_in


def test_a_repeat_call_is_recorded_from_the_call_forms_phone_history(live_server, page):
    sign_in(page, live_server, "agent")
    number = register_call(page, "13700001111", "来电人反映母亲的门诊慢特病待遇认定申请交了一个月没有结果，要求尽快办理")

    page.goto(f"{live_server}/agent/calls/new")  # the same caller, the next day
    expect(page.locator("#caller_phone")).to_be_focused()  # autofocus is applied after load
    page.keyboard.type("13700001111")
    page.keyboard.press("Tab")
    link = page.locator("#history a.follow-up")
    link.wait_for()
    assert number in page.locator("#history").inner_text()
    with page.expect_popup() as opened:
        link.click()
    ticket_page = opened.value
    ticket_page.wait_for_load_state()
    assert ticket_page.url.endswith(f"/tickets/{number}#follow-up-form")
    ticket_page.wait_for_function("document.activeElement.id === 'follow-up-note'")  # the cursor is in the form
    ticket_page.keyboard.type("来电人再次来电询问认定进度")
    with ticket_page.expect_navigation():
        ticket_page.keyboard.press("Control+Enter")
    assert f"已记录来电催办：{number}" in ticket_page.locator(".flash-success").inner_text()
    assert "群众来电催办 1 次" in ticket_page.locator(".followed-up").inner_text()
    assert "来电人再次来电询问认定进度" in ticket_page.locator("table.events").inner_text()
