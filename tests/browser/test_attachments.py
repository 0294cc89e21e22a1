"""附件 in Chromium: choose two files, upload, open one, remove one with a reason; a refused file says why."""
from __future__ import annotations

from tests.attachment_files import PDF, PROGRAM
from tests.browser.conftest import sign_in, transfer_accepted_with_files


def _first_ticket(page, live_server):
    page.goto(f"{live_server}/tickets/")
    page.locator("table.grid tbody a[href*='/tickets/']").first.click()
    page.wait_for_load_state("networkidle")


def test_files_are_uploaded_opened_and_removed_on_the_ticket_page(live_server, page):
    sign_in(page, live_server, "supervisor")
    _first_ticket(page, live_server)
    chooser = page.get_by_label("上传附件")
    chooser.set_input_files([
        {"name": "医院收费票据.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "来电记录.txt", "mimeType": "text/plain", "buffer": "来电人反映住院费用未报销".encode()},
    ])
    with page.expect_navigation():
        page.get_by_role("button", name="上传", exact=True).click()
    assert "已上传附件：医院收费票据.pdf、来电记录.txt" in page.locator(".flash-success").inner_text()  # (a notice may come first)
    link = page.get_by_role("link", name="医院收费票据.pdf")
    response = page.request.get(live_server + link.get_attribute("href"))
    assert response.ok and response.body() == PDF and response.headers["content-type"] == "application/pdf"
    history = page.locator("table.events").inner_text()
    assert "上传附件" in history and "来电记录.txt" in history

    page.locator("tr", has_text="来电记录.txt").locator("summary", has_text="删除").click()
    page.get_by_label("删除来电记录.txt的原因").fill("重复上传")
    with page.expect_navigation():
        page.get_by_label("删除来电记录.txt的原因").press("Enter")  # the keyboard is enough
    assert "已删除附件：来电记录.txt" in page.locator(".flash-success").inner_text()
    assert page.get_by_role("link", name="来电记录.txt").count() == 0
    assert "来电记录.txt：重复上传" in page.locator("table.events").inner_text()


def test_a_program_renamed_to_pdf_is_refused_with_a_message(live_server, page):
    sign_in(page, live_server, "supervisor")
    _first_ticket(page, live_server)
    page.get_by_label("上传附件").set_input_files(
        [{"name": "发票.pdf", "mimeType": "application/pdf", "buffer": PROGRAM}])
    with page.expect_navigation():
        page.get_by_role("button", name="上传", exact=True).click()
    assert "“发票.pdf”的内容不是PDF文件" in page.locator(".flash-error").inner_text()
    assert page.get_by_role("link", name="发票.pdf").count() == 0


def test_a_reply_carries_only_the_file_ticked_with_the_keyboard(live_server, page):
    """随答复发送: the department ticks the 答复函 (Tab, Space) and not its own photo; the reply lists what went."""
    transfer_accepted_with_files(page, live_server, "13912345604", "12345转来：住院报销三个月未到账，要求书面答复")
    legend = page.locator("fieldset.reply-files legend").inner_text()
    assert "12345转办、来电人（工单进度查询）可随答复取回" in legend and "可能向群众公开" in legend
    page.fill("#reply-content", "经核实，报销款已于本周发放，答复函随附。")
    page.locator("#reply-content").press("Tab")  # the first file's box, then Space ticks it
    assert page.evaluate("document.activeElement.type") == "checkbox"
    assert "答复函.pdf" in page.evaluate("document.activeElement.parentElement.textContent")
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.get_by_role("button", name="提交答复").click()
    sent = page.locator("p.small", has_text="随答复发送：")
    assert sent.inner_text() == "随答复发送：答复函.pdf"
    assert "已随答复发送" in page.locator("table.files tr", has_text="答复函.pdf").inner_text()
    assert "已随答复发送" not in page.locator("table.files tr", has_text="核查照片.jpg").inner_text()
