"""The agent's call form, driven with the keyboard only, in a real browser."""
from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS, sign_in


def test_log_a_call_with_the_keyboard_and_accept_the_suggestion(live_server, page):
    sign_in(page, live_server, "agent")
    assert page.url.endswith("/agent/calls/new")
    # the phone field has the focus: type, Tab through the form as an agent does
    page.keyboard.type("13912345678")
    page.keyboard.press("Tab")
    page.keyboard.type("王女士")
    page.locator("#content").focus()
    page.keyboard.type("来电人反映父亲在外省住院，想办理异地就医备案，问怎么备案才能直接结算，不用回来手工报销")
    # the classifier's suggestion appears without reloading the page
    page.wait_for_selector("#suggestions .sugg.best")
    best = page.locator("#suggestions .sugg.best").get_attribute("data-code")
    assert best == "YD"
    assert "依据词" in page.locator("#suggestions").inner_text()
    page.keyboard.press("Alt+7")  # accept the first suggestion
    assert page.locator("#category").input_value() == "YD"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "call-form.png"))
    page.locator("#title").focus()
    page.keyboard.type("异地就医备案咨询")
    page.keyboard.press("Enter")  # Enter saves
    page.wait_for_load_state("networkidle")
    message = page.locator(".flash-success").inner_text()
    number = re.search(r"12393-\d{8}-\d{6}", message).group(0)
    page.goto(f"{live_server}/tickets/{number}")
    html = page.content()
    assert "异地就医" in html and "异地就医结算中心" in html  # category accepted, routed to its department


def test_validation_error_keeps_what_was_typed(live_server, page):
    sign_in(page, live_server, "agent")
    page.fill("#caller_phone", "1381234")
    page.fill("#caller_name", "李先生")
    page.fill("#content", "咨询门诊慢特病怎么认定")
    page.locator("#content").press("Control+Enter")
    page.wait_for_load_state("networkidle")
    assert "电话号码格式不正确" in page.content()
    assert page.locator("#caller_name").input_value() == "李先生"
    assert page.locator("#content").input_value() == "咨询门诊慢特病怎么认定"
