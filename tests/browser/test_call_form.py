"""The agent's call form, driven with the keyboard only, in a real browser."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, draft_kept, sign_in


def test_log_a_call_with_the_keyboard_and_accept_the_suggestion(live_server, page):
    sign_in(page, live_server, "agent")
    assert page.url.endswith("/agent/calls/new")
    # the phone field has the focus (autofocus, applied after load): type, Tab through the form as an agent does
    expect(page.locator("#caller_phone")).to_be_focused()
    page.keyboard.type("13912345678")
    page.keyboard.press("Tab")
    # the phone's history is looked up at once; the suggestions wait for the content, not for a model
    page.wait_for_function("document.getElementById('suggestions').innerText.includes('输入诉求内容后给出分类建议')")
    page.keyboard.type("王女士")
    page.locator("#content").focus()
    page.keyboard.type("来电人反映父亲在外省住院，想办理异地就医备案，问怎么备案才能直接结算，不用回来手工报销")
    # the classifier's suggestion appears without reloading the page
    page.wait_for_selector("#suggestions .sugg.best")
    best = page.locator("#suggestions .sugg.best").get_attribute("data-code")
    assert best == "YD"
    assert "依据词" in page.locator("#suggestions").inner_text()
    page.keyboard.press("Alt+7")  # accept the first suggestion
    assert page.locator("#category").input_value() == "YD"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "call-form.png"))
    page.locator("#title").focus()
    page.keyboard.type("异地就医备案咨询")
    page.keyboard.press("Enter")  # Enter saves
    page.wait_for_load_state("networkidle")
    message = page.locator(".flash-success").inner_text()
    number = re.search(r"12393-\d{8}-\d{6}", message).group(0)
    page.goto(f"{live_server}/tickets/{number}")
    html = page.content()
    assert "异地就医" in html and "异地就医结算中心" in html  # category accepted, routed to its department


def test_validation_error_keeps_what_was_typed(live_server, page):
    sign_in(page, live_server, "agent")
    page.fill("#caller_phone", "1381234")
    page.fill("#caller_name", "李先生")
    page.fill("#content", "咨询门诊慢特病怎么认定")
    page.locator("#content").press("Control+Enter")
    page.wait_for_load_state("networkidle")
    assert "电话号码格式不正确" in page.content()
    assert page.locator("#caller_name").input_value() == "李先生"
    assert page.locator("#content").input_value() == "咨询门诊慢特病怎么认定"
    expect(page.locator("#caller_phone")).to_be_focused()  # the cursor waits where the error is


def test_an_empty_call_says_so_and_puts_the_cursor_in_the_content(live_server, page):
    sign_in(page, live_server, "agent")
    page.fill("#caller_name", "李先生")
    with page.expect_navigation():
        page.locator("#caller_name").press("Enter")
    assert "提交的内容有误，请按提示修改" in page.locator(".flash-error").inner_text()
    expect(page.locator("#content")).to_be_focused()
    assert page.locator("#caller_name").input_value() == "李先生"


def test_search_the_standard_answers_from_the_call_form_and_answer_on_the_spot(live_server, page):
    sign_in(page, live_server, "agent")
    page.fill("#content", "来电咨询住院费用报销比例")  # the suggestion's answers are about reimbursement
    page.wait_for_selector("#answers .answer")
    page.keyboard.press("Alt+K")  # the agent needs another answer: search the 知识库
    assert page.evaluate("document.activeElement.id") == "answer-search"
    page.keyboard.type("生育津贴")
    page.wait_for_function("document.querySelector('#answers').innerText.includes('生育津贴申领')")
    page.locator("#answers .answer", has_text="生育津贴申领").click()
    answer = page.locator("#answer")
    assert answer.is_visible() and "生育津贴一般由用人单位" in answer.input_value()
    assert page.evaluate("document.activeElement.id") == "answer"
    assert page.locator("#category").input_value() == "SY"  # the answer's category is the ticket's
    page.fill("#answer-search", "医保码")  # the caller asks a second thing: its answer goes after the first
    page.wait_for_function("document.querySelector('#answers').innerText.includes('医保码亲情账户')")
    page.locator("#answers .answer", has_text="医保码亲情账户").first.click()
    both = answer.input_value()
    assert both.startswith("生育津贴一般由用人单位") and both.count("\n") >= 1 and "亲情" in both
    assert page.locator("#category").input_value() == "SY"  # the first answer's category stays
    page.fill("#answer-search", "")
    page.locator("#answer-search").press("Enter")  # an empty search goes back to the suggested category's answers
    page.wait_for_function("!document.querySelector('#answers').innerText.includes('生育津贴申领')")
    page.locator("#answer").focus()
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")  # in 当场答复内容: answered and closed, not saved as a ticket to dispatch
    message = page.locator(".flash-success").inner_text()
    number = re.search(r"12393-\d{8}-\d{6}", message).group(0)
    page.goto(f"{live_server}/tickets/{number}")
    text = page.locator("main").inner_text()
    assert "直接办结" in text and "生育津贴一般由用人单位" in text


def test_another_category_after_a_suggestion_takes_its_own_department(live_server, page):
    sign_in(page, live_server, "agent")
    page.fill("#content", "来电人反映父亲在外省住院，想办理异地就医备案，问怎么备案才能直接结算")
    page.wait_for_selector("#suggestions .sugg.best")
    page.keyboard.press("Alt+7")
    assert page.locator("#category").input_value() == "YD" and page.locator("#department").input_value() != ""
    page.select_option("#category", "CB")  # the agent knows better: the department follows the category again
    assert page.locator("#department").input_value() == ""


def test_the_knowledge_page_copies_an_answer(live_server, page):
    sign_in(page, live_server, "staff_dybz")
    page.goto(f"{live_server}/answers/?q=门诊慢特病")
    first = page.locator(".answers-found li").first
    assert "门诊慢特病认定" in first.inner_text() and first.locator("mark").count() > 0
    first.get_by_role("button", name="复制口径").click()
    # read in the poll that sees the change: the button says so for 2 s only, then shows its label again
    said = page.wait_for_function("""() => { const said = document.querySelector('[data-copy]').textContent;
        return said !== '复制口径' && said; }""").json_value()
    assert said in ("已复制", "复制失败，请手动选择")


def test_a_form_sent_twice_at_once_goes_once(live_server, page):
    """A second submit while the first is on its way is dropped in the page: without that the server got both, and
    one call made two tickets. (Counted by a listener that runs after the page's own, as the browser would send.)"""
    sign_in(page, live_server, "agent")
    page.fill("#caller_phone", "13912345600")
    page.fill("#content", "来电人咨询生育津贴怎么申领，需要哪些材料")
    page.select_option("#category", "SY")
    with page.expect_navigation():
        sent = page.evaluate("""() => {
            let sent = 0;
            window.addEventListener("submit", (event) => { if (!event.defaultPrevented) sent += 1; });
            const form = document.getElementById("content").form, save = form.querySelector("button.primary");
            form.requestSubmit(save);
            form.requestSubmit(save);
            return sent; }""")
    assert sent == 1
    assert "已登记" in page.locator(".flash-success").inner_text() and "刚才已登记" not in page.content()


def test_the_suggested_type_is_preselected_until_the_agent_chooses(live_server, page):
    """诉求类型 pre-filled from the classifier (the type sets the deadline); Alt+1 chooses 咨询, and it stays."""
    sign_in(page, live_server, "agent")
    page.keyboard.type("13912345699")
    page.locator("#content").focus()
    page.keyboard.type("我要投诉医保服务大厅窗口工作人员态度恶劣，推诿扯皮，让我来回跑了三趟，要求严肃处理")
    page.wait_for_function("document.querySelector('input[name=type][value=complaint]').checked")
    assert "已按建议预选：投诉" in page.locator("#type-label").inner_text()
    page.keyboard.press("Alt+1")
    assert page.locator("input[name=type][value=consult]").is_checked()
    assert "已按建议预选" not in page.locator("#type-label").inner_text()
    page.locator("#content").focus()
    page.keyboard.type("，窗口还说不归他们管")
    page.wait_for_timeout(1200)  # the suggestions come back for the longer text
    assert page.locator("input[name=type][value=consult]").is_checked()  # the agent's choice stays


def test_clicking_the_type_already_checked_is_a_choice(live_server, page):
    """咨询 is checked by default: a click on it fires no change event, and the suggestion then switched it (a review)."""
    sign_in(page, live_server, "agent")
    page.keyboard.type("13912345698")
    page.locator("input[name=type][value=consult]").click()
    page.locator("#content").focus()
    page.keyboard.type("我要投诉医保服务大厅窗口工作人员态度恶劣，推诿扯皮，让我来回跑了三趟，要求严肃处理")
    page.wait_for_selector("#suggestions .sugg.best")
    page.wait_for_timeout(800)
    assert page.locator("input[name=type][value=consult]").is_checked()
    assert "已按建议预选" not in page.locator("#type-label").inner_text()


def test_a_draft_put_back_with_the_default_type_still_takes_the_suggestion(live_server, page):
    """A restored draft turned the pre-fill off for the whole call, and a complaint was saved as 咨询 (a walk)."""
    sign_in(page, live_server, "agent")
    page.keyboard.type("13912345697")
    page.fill("#caller_name", "赵先生")
    draft_kept(page, {"caller_name": "赵先生"})  # the draft is kept as it is typed
    page.goto(f"{live_server}/agent/callbacks")
    page.goto(f"{live_server}/agent/calls/new")
    assert "已恢复" in page.locator("#call-form .draft-notice").inner_text()
    page.locator("#content").focus()
    page.keyboard.type("我要投诉医保服务大厅窗口工作人员态度恶劣，推诿扯皮，让我来回跑了三趟，要求严肃处理")
    page.wait_for_function("document.querySelector('input[name=type][value=complaint]').checked")


def test_clearing_a_restored_draft_that_chose_a_type_lets_the_suggestion_fill_it_again(live_server, page):
    """A draft with 建议 chosen put back, then 清除: the new call's type was left to the default 咨询 (noted, mended)."""
    sign_in(page, live_server, "agent")
    page.keyboard.type("13912345696")
    page.locator("input[name=type][value=suggestion]").check()
    draft_kept(page, {"type=suggestion": True})  # the draft is kept as it is typed
    page.goto(f"{live_server}/agent/callbacks")
    page.goto(f"{live_server}/agent/calls/new")
    notice = page.locator("#call-form .draft-notice")
    assert page.locator("input[name=type][value=suggestion]").is_checked()
    notice.get_by_role("button", name="清除").click()
    assert page.locator("input[name=type][value=consult]").is_checked()
    page.locator("#content").focus()
    page.keyboard.type("我要投诉医保服务大厅窗口工作人员态度恶劣，推诿扯皮，让我来回跑了三趟，要求严肃处理")
    page.wait_for_function("document.querySelector('input[name=type][value=complaint]').checked")
    assert "已按建议预选：投诉" in page.locator("#type-label").inner_text()


def test_clearing_a_draft_leaves_an_empty_form_that_a_late_suggestion_does_not_fill(live_server, page):
    """A suggestion on its way when 清除 was clicked came back and pre-selected 投诉 on the emptied form, with its
    hint, and the cursor was left on the page's body (a walk)."""
    sign_in(page, live_server, "agent")
    page.keyboard.type("13912345695")
    page.locator("#content").fill("我要投诉医保服务大厅窗口工作人员态度恶劣，推诿扯皮，让我来回跑了三趟，要求严肃处理")
    page.wait_for_function("document.querySelector('input[name=type][value=complaint]').checked")
    page.wait_for_timeout(500)  # the draft is kept as it is typed
    page.goto(f"{live_server}/agent/callbacks")
    page.goto(f"{live_server}/agent/calls/new")
    held = []
    page.route("**/agent/assist", lambda route: held.append(route))  # the next suggestion waits
    page.locator("#content").press("End")
    page.keyboard.type("。")
    page.wait_for_timeout(600)
    assert held, "the suggestion for the restored text was asked for"
    page.locator("#call-form .draft-notice").get_by_role("button", name="清除").click()
    for route in held:
        route.continue_()  # comes back after the form was cleared
    page.wait_for_timeout(800)
    page.unroute("**/agent/assist")
    assert page.locator("input[name=type][value=consult]").is_checked()
    assert page.locator("#type-suggested").inner_text() == ""
    expect(page.locator("#caller_phone")).to_be_focused()
