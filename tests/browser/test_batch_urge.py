"""批量督办 in a real browser: 全选 ticks a section's tickets, one note urges them all."""
from __future__ import annotations

import re

from tests.browser.conftest import sign_in


def test_the_supervisor_urges_every_overdue_ticket_of_a_department_at_once(live_server, page):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervise/")
    section = page.locator("section#overdue")
    boxes = section.locator("input[type=checkbox][name=numbers]")
    count = boxes.count()
    assert count >= 2
    section.get_by_label("全选").check()
    assert all(boxes.nth(i).is_checked() for i in range(count))
    boxes.first.uncheck()  # one left out
    page.get_by_label("已超期 批量督办意见").fill("本周内必须答复，逾期通报")
    with page.expect_navigation():
        section.get_by_role("button", name="批量督办所选").click()
    message = page.locator(".flash-success").inner_text()
    assert re.search(rf"已督办 {count - 1} 件", message)
    urged = page.locator("section#urged tbody tr", has_text="本周内必须答复，逾期通报")
    assert urged.count() == count - 1


def test_the_supervision_page_fits_a_1366_pixel_screen(live_server, page):
    """Ten columns and two forms a row (督办, 改派) without scrolling sideways on the common office screen."""
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervise/")
    assert page.locator("section#overdue tbody tr").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
