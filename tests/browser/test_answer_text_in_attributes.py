"""An answer's words stay words on the call form: a 口径 whose text carries quotes (an administrator wrote it, the
search brought it) cannot add attributes, such as an onmouseover, to the button that shows it."""
from __future__ import annotations

import json

from tests.browser.conftest import sign_in

PLANTED = '口径" onmouseover="window.__planted = 1" data-x="'


def test_quotes_in_an_answer_do_not_become_attributes(live_server, page):
    sign_in(page, live_server, "agent")
    search_url = page.locator("#answer-search").get_attribute("data-search-url")
    page.route(f"**{search_url}?q=*", lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"items": [{"id": 1, "category": "待遇保障", "title": "报销" + PLANTED, "content": PLANTED}]})))
    page.fill("#answer-search", "报销")
    page.locator("#answer-search").press("Enter")
    button = page.locator("#answers .answer")
    button.wait_for()
    assert button.get_attribute("title") == PLANTED and button.get_attribute("onmouseover") is None
    button.hover()
    assert page.evaluate("window.__planted") is None
    assert PLANTED in button.inner_text()
