"""插入答复口径 in Chromium: choosing a standard answer puts its text into the reply, at the cursor."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def _a_ticket_with_answers(page, live_server):
    """A ticket of 待遇保障科 whose category has 答复口径 (accepting it first when needed)."""
    page.goto(f"{live_server}/inbox/?state=todo")
    links = [a.get_attribute("href") for a in page.locator("table.grid tbody a[href*='/tickets/']").all()][:20]
    for href in links:
        page.goto(live_server + href)
        accept = page.get_by_role("button", name="签收", exact=True)
        if accept.count():
            with page.expect_navigation():
                accept.click()
        menu = page.locator("select[data-insert-into=reply-content]")
        if menu.count():
            return menu
    raise AssertionError("no ticket of the department has standard answers in the demo data")


def test_choosing_a_standard_answer_fills_the_reply(live_server, page):
    sign_in(page, live_server, "staff_dybz")
    menu = _a_ticket_with_answers(page, live_server)
    box = page.locator("#reply-content")
    box.fill("您好，")
    option = menu.locator("option").nth(1)
    title, text = option.inner_text(), option.get_attribute("value")
    menu.select_option(label=title)
    assert box.input_value() == "您好，" + text
    assert menu.input_value() == ""  # ready for the next one
    assert page.evaluate("document.activeElement.id") == "reply-content"


def test_the_cursor_starts_in_the_step_the_ticket_waits_for(live_server, page):
    sign_in(page, live_server, "staff_dybz")
    page.goto(f"{live_server}/inbox/?state=todo")
    href = page.locator("table.grid tbody tr", has_text="已派发").first.locator("a[href*='/tickets/']").first.get_attribute("href")
    page.goto(live_server + href)
    expect(page.get_by_role("button", name="签收", exact=True)).to_be_focused()  # Enter accepts
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#reply-content")).to_be_focused()  # then the reply, typed at once


def test_the_answers_are_walked_with_the_arrow_keys_and_one_inserted_with_enter(live_server, page):
    sign_in(page, live_server, "staff_dybz")
    menu = _a_ticket_with_answers(page, live_server)
    box = page.locator("#reply-content")
    menu.focus()
    page.keyboard.press("ArrowDown")  # the first answer: chosen, not yet inserted
    assert box.input_value() == "" and page.evaluate("document.activeElement.tagName") == "SELECT"
    if menu.locator("option").count() > 2:
        page.keyboard.press("ArrowDown")
    chosen = menu.input_value()
    page.keyboard.press("Enter")
    assert box.input_value() == chosen and page.evaluate("document.activeElement.id") == "reply-content"


def test_searching_the_knowledge_base_beside_the_reply_inserts_an_answer(live_server, page):
    sign_in(page, live_server, "staff_dybz")
    _a_ticket_with_answers(page, live_server)
    box = page.locator("#reply-content")
    box.fill("您好，")
    search = page.get_by_label("搜索知识库口径")
    search.fill("生育津贴")
    search.press("Enter")  # searches; the reply is not submitted
    hit = page.locator(".answer-hits button", has_text="生育津贴申领")
    hit.wait_for()
    assert box.input_value() == "您好，"
    hit.click()
    assert box.input_value().startswith("您好，生育津贴一般由用人单位")
