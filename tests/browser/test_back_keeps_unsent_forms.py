"""Back to a page after leaving it (not after sending it) keeps what was typed or ticked there: only a form sent
keeps no browser state (a diff review of the walk's Back fix, 6 Dec 2026)."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_back_to_an_unsent_standard_answer_keeps_its_words(live_server, page):
    """An administrator writing a new 答复口径 clicks away (to check a category) and comes Back: the words typed
    were put back by the browser; now every posting form is autocomplete=off, and this form has no draft."""
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/answers")
    page.fill("#content", "门诊慢特病认定需提供二级以上医院的诊断证明和近半年病历")
    page.goto(f"{live_server}/admin/categories")
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert page.locator("#content").input_value() == "门诊慢特病认定需提供二级以上医院的诊断证明和近半年病历"


def test_back_to_the_dispatch_queue_keeps_the_tickets_ticked(live_server, page):
    """An agent ticks tickets on 待派发 for 批量派发, opens one to read it and comes Back: the ticks are gone."""
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/agent/triage")
    boxes = page.locator("input[name=numbers]")
    assert boxes.count() >= 1
    boxes.first.check()
    page.goto(f"{live_server}/agent/calls/new")
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=numbers]").first.is_checked()
