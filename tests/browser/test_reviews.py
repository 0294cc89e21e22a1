"""工单质检 in Chromium: the supervisor draws the agent's sample, fails one item with a comment, the agent
reads it under 我的质检 and appeals, and the administrator (not the reviewer) decides the appeal."""
from __future__ import annotations

from tests.browser.conftest import draft_kept, sign_in


def test_a_supervisor_reviews_a_sampled_ticket_and_the_agent_reads_and_appeals_it(live_server, browser, page):
    sign_in(page, live_server, "supervisor")
    with page.expect_navigation():
        page.get_by_role("link", name="工单质检").click()
    row = page.locator("#summary tr", has_text="话务员小李")
    with page.expect_navigation():
        row.get_by_role("link", name="抽检").click()
    form = page.locator("form.review").first
    number = form.locator("a").first.inner_text()
    items = form.locator(".check").count()  # 3 to 4, by what the ticket went through
    form.locator("input[name=classification][value='0']").check()
    page.wait_for_timeout(600)  # the draft is kept 300 ms after a change
    with page.expect_navigation():  # saved without the comment a failed item needs: refused
        form.get_by_role("button", name="保存质检").click()
    assert "有不合格项时请写明问题" in page.locator(".flash-error").inner_text()
    form = page.locator(f"#review-{number}")
    # the 不合格 mark is still there (it came back 合格, and the next save recorded 100 分: a supervisor's day)
    assert form.locator("input[name=classification][value='0']").is_checked()
    comment = form.get_by_label(f"{number} 问题说明")
    comment.fill("诉求是异地就医备案，误选为待遇报销")
    with page.expect_navigation():
        comment.press("Enter")
    assert f"已质检 {number}：{round(100 * (items - 1) / items)} 分" in page.locator(".flash-success").inner_text()
    assert number in page.locator("#done").inner_text()
    assert page.locator(f"#review-{number}").count() == 0  # out of the sample

    agent = browser.new_page()
    sign_in(agent, live_server, "agent")
    with agent.expect_navigation():
        agent.get_by_role("link", name="我的质检").click()
    text = agent.locator("table.grid").inner_text()
    assert number in text and "诉求是异地就医备案，误选为待遇报销" in text and "诉求类型与业务分类正确" in text
    row = agent.locator("table.grid tr", has_text=number)
    row.get_by_text("申诉", exact=True).click()  # opens the form under the row's 申诉
    reason = row.get_by_label(f"{number} 申诉理由")
    reason.fill("来电人问的是住院报销比例，不是备案")
    draft_kept(agent, {"reason": "来电人问的是住院报销比例，不是备案"})  # the draft is kept 300 ms after typing stops
    with agent.expect_navigation():
        agent.get_by_role("link", name="工单查询").click()  # called away before sending it
    with agent.expect_navigation():
        agent.get_by_role("link", name="我的质检").click()
    row = agent.locator("table.grid tr", has_text=number)
    reason = row.get_by_label(f"{number} 申诉理由")
    assert reason.is_visible() and reason.input_value() == "来电人问的是住院报销比例，不是备案"  # unfolded, kept
    with agent.expect_navigation():
        row.get_by_role("button", name="提交申诉").click()
    assert f"已提交申诉：{number}" in agent.locator(".flash-success").inner_text()
    assert "申诉待复核" in agent.locator("table.grid tr", has_text=number).inner_text()
    agent.close()

    page.reload()  # the reviewer's menu counts the appeal, which someone else must decide
    assert page.locator("[data-counter=appeals] .badge").inner_text() == "1"
    assert "需由其他班长复核" in page.locator("#appeals").inner_text()
    admin = browser.new_page()
    sign_in(admin, live_server, "admin")
    admin.goto(f"{live_server}/reviews/")
    appeal = admin.locator("#appeals form.review", has_text=number)
    assert "来电人问的是住院报销比例，不是备案" in appeal.inner_text()
    appeal.get_by_label("维持原结果").check()
    appeal.get_by_label(f"{number} 复核意见").fill("诉求内容写的是办理备案")
    with admin.expect_navigation():
        appeal.get_by_role("button", name="保存复核").click()
    assert f"已复核申诉：{number}，维持原结果" in admin.locator(".flash-success").inner_text()
    assert admin.locator("#appeals").count() == 0
    admin.close()
