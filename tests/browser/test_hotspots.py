"""热点诉求 in Chromium: the supervisor opens it from the menu, finds the demo's pharmacy whose settlement
fails (six callers in two days), reads its tickets and urges the open ones with one note."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_the_supervisor_finds_the_demo_hotspot_and_urges_it(live_server, page):
    sign_in(page, live_server, "supervisor")
    with page.expect_navigation():
        page.get_by_role("link", name="热点诉求").click()
    first = page.locator("section.hotspot").first
    assert "康佳大药房" in first.locator("h2").inner_text()
    summary = first.locator("p").first.inner_text()
    callers = int(summary.split("位来电人")[0].strip())
    assert callers >= 3 and "赛罕区" in summary
    assert first.locator("details table tbody tr").count() == callers  # one ticket per caller here
    note = first.get_by_label("热点 1 督办意见")
    note.fill("康佳大药房医保结算异常，请统一核查并答复")
    with page.expect_navigation():
        note.press("Enter")
    assert "已督办" in page.locator(".flash-success").inner_text()
    assert page.url.endswith("#hotspot-1")
    number = first.locator("details table tbody tr a").first.inner_text()
    page.goto(f"{live_server}/tickets/{number}")
    assert "康佳大药房医保结算异常，请统一核查并答复" in page.content()
