"""信访复查 in Chromium: a supervisor records a petitioner's request for 复查 on an answered petition, finds it on
督办, lands in the opinion form with the cursor on its first choice, and records the opinion with the keyboard."""
from __future__ import annotations

from datetime import date

from tests.browser.conftest import draft_kept, sign_in, signed_out


def test_a_supervisor_records_a_recheck_and_its_opinion(live_server, page):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/tickets/?channel=petition_bureau&status=closed")
    numbers = page.locator("table.grid a[href^='/tickets/']").all_inner_texts()
    for number in numbers:  # one answered over 30 days ago, not told the legal channel (which has no 复查)
        page.goto(f"{live_server}/tickets/{number}")
        form = page.locator("#petition-review-form")
        if form.count() and (date.fromisoformat(form.locator("#petition-requested-on").input_value())
                             - date.fromisoformat(form.locator("#petition-received-on").input_value())).days > 30:
            break
    assert "登记复查请求" in form.inner_text()
    stale = page.context.new_page()  # a second tab still showing the 复查 form
    stale.goto(f"{live_server}/tickets/{number}")
    form.get_by_label("复查机关").fill("省医疗保障局")
    reason = form.get_by_label("请求的事项和理由")
    reason.fill("信访人认为住院费用报销比例计算有误，不服处理意见")
    with page.expect_navigation():
        reason.press("Control+Enter")  # received the answer the day it was written: more than 30 days ago
    assert "已超过请求复查的期限" in page.locator(".flash-error").inner_text()
    form = page.locator("#petition-review-form")  # what was typed comes back, the dates' defaults too
    assert "已恢复" in form.locator(".draft-notice").inner_text()
    assert form.get_by_label("请求的事项和理由").input_value() == "信访人认为住院费用报销比例计算有误，不服处理意见"
    assert form.get_by_label("复查机关").input_value() == "省医疗保障局"
    today = form.get_by_label("收到复查请求的日期").input_value()
    form.get_by_label("信访人收到处理意见的日期").fill(today)  # the letter reached the petitioner late
    with page.expect_navigation():
        form.get_by_label("请求的事项和理由").press("Control+Enter")
    assert f"已登记复查请求：{number}，省医疗保障局应于" in page.locator(".flash-success").inner_text()
    assert "待出具意见" in page.locator("table.petition-reviews").inner_text()
    stale.locator("#petition-reason").fill("旧页面上打了一半的复查理由")  # kept as the 复查 form's draft
    draft_kept(stale, {"reason": "旧页面上打了一半的复查理由"})
    stale.close()

    page.goto(f"{live_server}/supervise/")
    row = page.locator("#petition_reviews tr", has_text=number)
    assert "信访人请求复查：省医疗保障局" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name="录入意见").click()
    page.wait_for_function("document.activeElement.name === 'decision'")  # the cursor on 维持原意见
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("原处理意见事实清楚，适用政策正确，予以维持")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert f"已录入复查意见（维持原意见）：{number}" in page.locator(".flash-success").inner_text()
    table = page.locator("table.petition-reviews").inner_text()
    assert "维持原意见" in table and "予以维持" in table
    review = page.locator("#petition-review-form")
    assert "登记复核请求" in review.inner_text()  # 复核 may follow, without the 复查 form's draft
    assert review.locator(".draft-notice").count() == 0 and review.get_by_label("请求的事项和理由").input_value() == ""
    signed_out(page)
