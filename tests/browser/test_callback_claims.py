"""正在回访 in Chromium, on a clock the test moves: the open page of a callback renews the agent's claim while the
agent works on it, stops once the page has been left untouched for the claim's minutes (it had held the citizen
back from every other agent through a lunch break), and takes the call again at the agent's next key."""
from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_an_open_callback_page_renews_the_claim_only_while_it_is_used(live_server, page):
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/agent/callbacks")
    number = page.locator("table.grid tbody a[href*='/tickets/']").first.inner_text()
    page.clock.install(time=datetime.now())
    renewals = []
    page.on("request", lambda r: renewals.append(r.url) if r.url.endswith("/callback-claim") else None)
    page.goto(f"{live_server}/tickets/{number}?queue=callbacks")
    mine = page.locator("#callback-mine")
    expect(mine).to_contain_text("您正在回访此件")
    page.clock.fast_forward("04:01")
    page.wait_for_timeout(300)
    assert len(renewals) == 1  # in use (opened just now): renewed
    for _ in range(3):  # 16 minutes untouched: the next ticks renew nothing
        page.clock.fast_forward("04:00")
    page.wait_for_timeout(300)
    assert len(renewals) == 3 and "本页长时间无操作，已停止为您保留此件" in mine.inner_text()
    page.clock.fast_forward("04:00")
    page.wait_for_timeout(300)
    assert len(renewals) == 3
    page.keyboard.press("Shift")  # back at the page: the call is taken again at once
    expect(mine).to_contain_text("您正在回访此件")
    assert len(renewals) == 4
