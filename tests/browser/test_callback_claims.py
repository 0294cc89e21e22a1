"""正在回访 in Chromium, on a clock the test moves: the open page of a callback renews the agent's claim while the
agent works on it; once the page has been left untouched for the claim's minutes it gives the call back at once (it
had held the citizen back from every other agent through a lunch break), and takes it again at the agent's next key."""
from __future__ import annotations

import time
from datetime import datetime

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def _posted(page, posts: list, sent: int) -> list:
    """The page's posts to the claim, once ``sent`` of them have been answered and reached the test (an event comes in
    while Playwright waits, on a loaded machine well after the tick that sent it), and 300 ms more for one too many."""
    deadline = time.monotonic() + 15
    while len(posts) < sent and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    page.wait_for_timeout(300)
    return posts


def test_an_open_callback_page_keeps_the_call_only_while_it_is_used(live_server, browser, page):
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/agent/callbacks")
    number = page.locator("table.grid tbody a[href*='/tickets/']").first.inner_text()
    page.clock.install(time=datetime.now())
    posts = []
    # answered, not only sent: the give-back is done on the server before anyone else looks (a CI run looked first)
    page.on("response", lambda r: posts.append(r.request.post_data or "") if r.url.endswith("/callback-claim") else None)
    page.goto(f"{live_server}/tickets/{number}?queue=callbacks")
    mine = page.locator("#callback-mine")
    expect(mine).to_contain_text("您正在回访此件")
    page.clock.fast_forward("04:01")
    assert _posted(page, posts, 1) == [""]  # in use (opened just now): renewed
    for sent in (2, 3, 4):  # 16 minutes untouched: renewed twice more, then given back (each answered before the
        page.clock.fast_forward("04:00")  # next tick: compressed into a second, a renewal overtook the give-back)
        _posted(page, posts, sent)
    assert posts == ["", "", "", "give_back=1"]
    expect(mine).to_contain_text("此件已交还，其他话务员现在可以回访")

    supervisor = browser.new_context(locale="zh-CN").new_page()  # anyone else sees the ticket free at once
    sign_in(supervisor, live_server, "supervisor")
    supervisor.goto(f"{live_server}/tickets/{number}")
    assert supervisor.locator("#callback-claimed").count() == 0
    supervisor.context.close()

    page.clock.fast_forward("04:00")
    assert len(_posted(page, posts, 4)) == 4  # idle: nothing more
    page.keyboard.press("Shift")  # back at the page: the call is taken again at once
    expect(mine).to_contain_text("您正在回访此件")
    assert _posted(page, posts, 5)[4:] == [""]
