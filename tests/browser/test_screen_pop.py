"""来电弹屏 in Chromium: the telephone platform opens the call form with the number and the call's id; the
number's history shows at once, the cursor waits in 姓名, and the saved ticket keeps the call's id."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import register_call, sign_in


def test_the_screen_pop_fills_the_form_and_shows_the_callers_history(live_server, page):
    sign_in(page, live_server, "agent")
    earlier = register_call(page, "13700002222", "来电人咨询父亲的门诊慢特病待遇认定需要准备哪些材料")

    page.goto(f"{live_server}/agent/calls/new?phone=013700002222&call_id=CTI-20261203-0077")
    page.wait_for_function(f"document.getElementById('history').innerText.includes('{earlier}')")  # nothing typed
    assert page.locator("#caller_phone").input_value() == "13700002222"
    assert page.locator("#call_reference").input_value() == "CTI-20261203-0077"
    expect(page.locator("#caller_name")).to_be_focused()
    page.keyboard.type("赵先生")
    page.locator("#content").focus()
    page.keyboard.type("来电人再次咨询门诊慢特病认定，问材料交到哪里")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    number = re.search(r"12393-\d{8}-\d{6}", page.locator(".flash-success").inner_text()).group(0)
    page.goto(f"{live_server}/tickets/{number}")
    assert "来电流水号 CTI-20261203-0077" in page.locator("main").inner_text()


def test_a_name_filled_in_while_the_agent_is_in_the_field_is_replaced_by_typing(live_server, page):
    sign_in(page, live_server, "agent")
    expect(page.locator("#caller_phone")).to_be_focused()  # autofocus is applied after load
    page.keyboard.type("13904710001")
    page.keyboard.press("Tab")  # into 姓名 before the last call's name arrives
    page.wait_for_function("document.getElementById('caller_name').value !== ''")
    page.keyboard.type("何先生")  # the caller gave another name: it replaces the one filled in
    assert page.locator("#caller_name").input_value() == "何先生"


def test_a_repeat_callers_name_and_district_are_filled_in_to_confirm(live_server, page):
    sign_in(page, live_server, "agent")
    expect(page.locator("#caller_phone")).to_be_focused()  # autofocus is applied after load
    page.keyboard.type("13904710001")  # a demo caller about the pharmacy (李先生, 赛罕区)
    page.keyboard.press("Tab")
    page.wait_for_function("document.getElementById('caller_name').value !== ''")
    assert page.locator("#caller_name").input_value() == "李先生"
    assert page.locator("#region").input_value() == "赛罕区"
    note = page.locator("#caller-known")
    assert note.is_visible() and "登记的姓名、区县，请与来电人核对" in note.inner_text()
    page.locator("#content").focus()
    page.keyboard.type("来电人又问药店的事")  # typing the content does not fill anything again
    page.locator("#caller_name").fill("李建国")
    page.wait_for_selector("#suggestions .sugg")
    assert page.locator("#caller_name").input_value() == "李建国"
