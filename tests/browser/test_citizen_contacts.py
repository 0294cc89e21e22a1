"""联系来电人 in Chromium: from the supervisor's 待告知来电人 to the ticket's form, recorded with the keyboard."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_recording_an_owed_notice_from_the_supervision_page(live_server, page):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervise/#notices")
    section = page.locator("section#notices")
    assert "待告知来电人" in section.locator("h2").inner_text()
    link = section.get_by_role("link", name="记录告知").first  # the demo leaves approved extensions untold
    number = link.get_attribute("href").split("/tickets/")[1].split("#")[0]
    with page.expect_navigation():
        link.click()
    assert page.locator(".notice-owed").count() == 1
    form = page.locator("#contact-form")
    assert form.locator("select[name=purpose]").input_value() == "extension"
    form.get_by_label("已告知（电话接通、短信或书面已送达）").check()
    note = form.get_by_label("告知或沟通的内容")
    note.fill("已电话告知新的办理时限")
    with page.expect_navigation():
        note.press("Enter")
    assert f"已记录联系来电人（已告知）：{number}" in page.locator(".flash").first.inner_text()
    assert page.locator(".notice-owed").count() == 0
    assert "已电话告知新的办理时限" in page.locator("table.contacts").inner_text()
    page.goto(f"{live_server}/supervise/")
    assert number not in page.locator("section#notices").inner_text()
