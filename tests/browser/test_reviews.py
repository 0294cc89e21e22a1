"""工单质检 in Chromium: the supervisor draws the agent's sample, fails one item with a comment, and the
agent reads it under 我的质检."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_a_supervisor_reviews_a_sampled_ticket_and_the_agent_reads_it(live_server, browser, page):
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
    agent.close()
