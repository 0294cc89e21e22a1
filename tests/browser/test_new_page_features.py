"""This session's page features driven by keyboard in a real browser (a browser walk): 退回12345 says so, a long reason
is said once, partial answers are marked, 重置密码 shows the rule, the 派发 form follows the category, a disabled
handler is marked on the ticket page."""
from __future__ import annotations

from tests.browser.conftest import register_call, sign_in, signed_out


def _register(page, base, phone, content, **fields) -> str:
    page.goto(f"{base}/agent/calls/new")
    return register_call(page, phone, content, **fields)


def test_return_to_12345_says_returned_not_transferred(live_server, page):
    sign_in(page, live_server, "agent")
    number = _register(page, live_server, "13800002222", "小区路灯坏了很久没人修，要求处理",
                       channel="transfer_12345", reference="ZB-2026-0099")
    page.goto(f"{live_server}/tickets/{number}")
    reason = page.get_by_label("退回 12345 的理由")
    reason.fill("路灯维修属住建部门，不属于医保业务")
    with page.expect_navigation():
        reason.press("Enter")
    said = page.locator(".flash-success").inner_text()
    assert said.startswith("已退回12345"), said


def test_an_overlong_reason_is_said_once(live_server, page):
    sign_in(page, live_server, "agent")
    number = _register(page, live_server, "13800003333", "小区路灯坏了很久没人修", channel="transfer_12345",
                       reference="ZB-2026-0100")
    page.goto(f"{live_server}/tickets/{number}")
    page.get_by_label("退回 12345 的理由").fill("不属于医保" * 500)
    with page.expect_navigation():
        page.get_by_label("退回 12345 的理由").press("Enter")
    said = page.locator(".flash-error").inner_text()
    assert said.count("最多 2000 字") == 1, said


def test_answers_matching_fewer_words_are_marked_partial_too(live_server, page):
    sign_in(page, live_server, "agent")
    page.locator("#content").focus()
    words = "我想问一下医保码怎么激活，还有异地就医备案怎么办理"

    def whole(response) -> bool:  # the suggestions asked for the whole question, not for its first words
        return response.url.endswith("/agent/assist") and words in (response.request.post_data or "")

    with page.expect_response(whole) as asked:
        page.keyboard.type(words)
    # the answers to the whole question shown (typing slowed down, the first words' came in first)
    shown = [[str(a["id"]), bool(a["partial"])] for a in asked.value.json()["answers"]]
    page.wait_for_function("""shown => JSON.stringify([...document.querySelectorAll('#answers .answer')]
        .map(b => [b.dataset.id, !!b.querySelector('small')])) === JSON.stringify(shown)""", arg=shown)
    marks = [("部分匹配" in t) for t in page.locator("#answers .answer").all_inner_texts()]
    assert True in marks
    # the category's filler answers (异地急诊抢救: 3 of the 9 words) follow the marked best matches unmarked
    assert marks == sorted(marks), page.locator("#answers").inner_text()  # a worse match is never unmarked


def test_reset_password_page_shows_the_rule(live_server, page):
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/users")
    page.locator("tr", has_text="agent2").get_by_role("link", name="重置密码").click()
    page.wait_for_load_state()
    assert "两类" in page.locator("main").inner_text()


def test_dispatch_reason_follows_the_category_chosen(live_server, page):
    sign_in(page, live_server, "agent")
    # a risk phrase keeps the classifier's ticket in 待派发
    number = _register(page, live_server, "13800004444", "我在赛罕区，个人账户余额被扣了，我不想活了",
                       region="赛罕区")
    page.goto(f"{live_server}/tickets/{number}")
    form = page.locator("form[action$='/dispatch'], form[action*='dispatch']").first
    assert "赛罕区" in form.inner_text()
    form.locator("select[name=category]").select_option("JJ")  # 欺诈骗保举报: rule 90 → 基金监管科
    department = form.locator("select[name=department] option:checked").inner_text()
    reason = form.locator("#dispatch-department-reason").inner_text()
    assert department == "基金监管科" and "非举报" not in reason, (department, reason)


def test_a_disabled_handler_is_marked_on_the_ticket_page(live_server, browser, page):
    sign_in(page, live_server, "agent")
    number = _register(page, live_server, "13800005555", "住院报销比例偏低，要求核实", category="DY")
    signed_out(page)
    sign_in(page, live_server, "staff_dybz2")
    page.goto(f"{live_server}/tickets/{number}")
    with page.expect_navigation():
        page.get_by_role("button", name="签收").press("Enter")
    signed_out(page)
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/users")
    with page.expect_navigation():
        page.locator("tr", has_text="staff_dybz2").get_by_role("button", name="停用").click()
    try:
        page.goto(f"{live_server}/tickets/{number}")
        assert "（已停用）" in page.locator(".meta").first.inner_text()
    finally:
        page.goto(f"{live_server}/admin/users")
        with page.expect_navigation():
            page.locator("tr", has_text="staff_dybz2").get_by_role("button", name="启用").click()
