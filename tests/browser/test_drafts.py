"""What was typed survives the end of a session: drafts kept in the browser, and sign-in leading back to the form."""
from __future__ import annotations

import re

from tests.browser.conftest import PASSWORD, sign_in

CONTENT = "来电人反映母亲在外省住院，想办理异地就医备案，问能不能在手机上备案，备案后多久能直接结算"


def _type_a_call(page):
    page.fill("#caller_phone", "13987654321")
    page.fill("#caller_name", "赵女士")
    page.fill("#content", CONTENT)
    page.check("input[name=type][value=help]")
    page.wait_for_timeout(500)  # the draft is written 300 ms after the last key


def test_a_call_typed_when_the_session_ended_is_sent_after_signing_in_again(live_server, page):
    sign_in(page, live_server, "agent")
    _type_a_call(page)
    page.context.clear_cookies()  # the session ends (idle sign-out, a restart of the servers…)
    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    assert "/login" in page.url and "登录已超时" in page.locator(".flash").inner_text()

    page.fill("#username", "agent")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/agent/calls/new")  # back at the form, not at the POST-only address
    assert "已恢复" in page.locator(".draft-notice").inner_text()
    assert page.locator("#content").input_value() == CONTENT
    assert page.locator("#caller_name").input_value() == "赵女士"
    assert page.locator("input[name=type][value=help]").is_checked()

    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    number = re.search(r"12393-\d{8}-\d{6}", page.locator(".flash-success").inner_text()).group(0)
    assert page.locator(".draft-notice").count() == 0 and page.locator("#content").input_value() == ""
    page.goto(f"{live_server}/agent/calls/new")  # saved: nothing comes back
    assert page.locator(".draft-notice").count() == 0 and page.locator("#content").input_value() == ""
    page.goto(f"{live_server}/tickets/{number}")
    assert "赵女士" in page.content() and "求助" in page.content()


def test_a_draft_comes_back_after_a_click_elsewhere_and_can_be_cleared(live_server, page):
    sign_in(page, live_server, "agent")
    _type_a_call(page)
    with page.expect_navigation():
        page.get_by_role("link", name="工单查询").click()
    page.goto(f"{live_server}/agent/calls/new")
    assert page.locator("#content").input_value() == CONTENT
    page.locator(".draft-notice").get_by_role("button", name="清除").click()
    assert page.locator("#content").input_value() == "" and page.locator("#caller_name").input_value() == ""
    page.reload()
    assert page.locator(".draft-notice").count() == 0 and page.locator("#content").input_value() == ""


def test_drafts_stay_with_their_user(live_server, page):
    sign_in(page, live_server, "agent")
    _type_a_call(page)
    page.context.clear_cookies()
    sign_in(page, live_server, "supervisor")  # a colleague at the same computer
    page.goto(f"{live_server}/agent/calls/new")
    assert page.locator(".draft-notice").count() == 0 and page.locator("#content").input_value() == ""
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('ticketing-draft:')).length") == 0

    _type_a_call(page)
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()  # signing out removes the user's drafts
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('ticketing-draft:')).length") == 0


def test_a_staff_reply_refused_for_an_ended_session_comes_back_on_the_ticket(live_server, page):
    sign_in(page, live_server, "staff_ydjs")
    page.goto(f"{live_server}/inbox/")
    numbers = [n.strip() for n in page.locator("table.grid tbody a[href*='/tickets/']").all_inner_texts()]
    for number in numbers:  # the first ticket the department can answer now, or sign for and then answer
        page.goto(f"{live_server}/tickets/{number}")
        if page.get_by_role("button", name="签收").count():
            with page.expect_navigation():
                page.get_by_role("button", name="签收").click()
        if page.locator("textarea[name=content]").count():
            break
    else:
        raise AssertionError(f"no ticket to answer among {numbers}")
    page.fill("textarea[name=content]", "经核实，已为您办理异地就医备案，可在就医地直接结算。")
    page.wait_for_timeout(500)
    page.context.clear_cookies()
    with page.expect_navigation():
        page.get_by_role("button", name="提交答复").click()
    assert "/login" in page.url
    page.fill("#username", "staff_ydjs")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/tickets/{number}")
    assert page.locator("textarea[name=content]").input_value() == "经核实，已为您办理异地就医备案，可在就医地直接结算。"
    with page.expect_navigation():
        page.get_by_role("button", name="提交答复").click()
    assert "已答复" in page.locator(".flash-success").inner_text()


def test_a_remembered_user_whose_session_ended_gets_the_form_back_to_send_again(live_server, page):
    page.goto(f"{live_server}/login")
    page.fill("#username", "supervisor")
    page.fill("#password", PASSWORD)
    page.check("#remember")  # 保持登录
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_server}/agent/calls/new")
    _type_a_call(page)
    page.context.clear_cookies(name="session")  # the session ends; the 保持登录 cookie stays
    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/agent/calls/new")  # signed in again by the cookie, and back at the form
    assert "页面已过期（登录曾超时），请重新提交" in page.locator(".flash-warning").first.inner_text()
    assert page.locator("#content").input_value() == CONTENT and page.locator(".draft-notice").count() == 1
    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    assert "已登记" in page.locator(".flash-success").inner_text()
