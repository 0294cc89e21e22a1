"""无效来电 in a real browser: the agent started typing, the call turned out to be a nuisance; Alt+X records it,
the form is empty for the next call (its draft is not put back), and the number is named when it rings again."""
from __future__ import annotations

from tests.browser.conftest import draft_kept, sign_in


def test_a_nuisance_call_is_recorded_with_the_keyboard_and_named_next_time(live_server, page):
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/agent/calls/new?phone=13566667777&call_id=CALL-0001")
    page.locator("#content").fill("来电人一直辱骂")
    draft_kept(page, {"content": "来电人一直辱骂"})  # the draft is kept as it is typed
    page.keyboard.press("Alt+X")
    assert page.evaluate("document.activeElement.id") == "invalid-kind"
    page.select_option("#invalid-kind", "nuisance")
    with page.expect_navigation():
        page.get_by_role("button", name="记录无效来电").click()
    assert "已记录无效来电（骚扰、辱骂或恶意来电）" in page.locator(".flash-success").inner_text()
    assert page.locator("#content").input_value() == "" and page.locator(".draft-notice").count() == 0

    page.goto(f"{live_server}/agent/calls/new?phone=13566667777")
    page.wait_for_selector("#nuisance:not([hidden])")
    assert "该号码近 30 天有 1 次骚扰来电记录" in page.locator("#nuisance").inner_text()
