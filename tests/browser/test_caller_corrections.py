"""更正来电人信息 in Chromium, with the keyboard: a refused correction comes back as typed, a good one is saved."""
from __future__ import annotations

from tests.browser.conftest import draft_kept, register_call, sign_in


def test_an_agent_corrects_a_mistyped_number_and_loses_nothing_on_a_mistake(live_server, page):
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/agent/calls/new")
    number = register_call(page, "13612340001", "来电人咨询门诊慢特病备案需要哪些材料，回电号码请核对")
    page.goto(f"{live_server}/tickets/{number}")
    summary = page.locator("#correct-caller summary")
    summary.focus()
    page.keyboard.press("Enter")  # a <details> opens from the keyboard
    phone = page.get_by_label("联系电话", exact=True)
    assert phone.input_value() == "13612340001"
    phone.fill("1361234000")  # a digit short
    page.get_by_label("更正原因").fill("来电人再次来电核实号码")
    draft_kept(page, {"caller_phone": "1361234000"})
    with page.expect_navigation():
        page.get_by_label("更正原因").press("Enter")
    assert "电话号码格式不正确" in page.locator(".flash").first.inner_text()
    # what was typed is back, in the unfolded form: the number to mend, the reason not to type again
    assert page.locator("#correct-caller").get_attribute("open") is not None
    assert phone.input_value() == "1361234000" and page.get_by_label("更正原因").input_value() == "来电人再次来电核实号码"
    assert "13612340001" in page.locator("section.panel dl.kv").first.inner_text()  # nothing saved

    phone.fill("13612340002")
    with page.expect_navigation():
        phone.press("Enter")
    assert f"已更正来电人信息：{number}" in page.locator(".flash-success").inner_text()
    assert "13612340002" in page.locator("section.panel dl.kv").first.inner_text()
    events = page.locator("table.events").inner_text()
    assert "更正联系电话：来电人再次来电核实号码" in events and "13612340001 → 13612340002" in events
    page.reload()  # saved: the draft is gone, the form holds the new number
    assert page.locator(".draft-notice").count() == 0 and phone.input_value() == "13612340002"
