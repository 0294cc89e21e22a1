"""工单进度查询 in Chromium: the citizen looks the ticket up and downloads the 答复函 the department sent with its reply."""
from __future__ import annotations

from tests.attachment_files import PDF
from tests.browser.conftest import signed_out, transfer_accepted_with_files

PHONE = "13912345671"


def test_a_citizen_downloads_the_letter_sent_with_the_reply(live_server, page):
    number = transfer_accepted_with_files(page, live_server, PHONE,
                                          "12345转来：门诊慢特病待遇认定结果一直没有通知，要求书面答复")
    page.fill("#reply-content", "经核实，您的门诊慢特病待遇已认定，答复函随附。")
    page.locator("fieldset.reply-files label", has_text="答复函.pdf").locator("input").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交答复").click()
    signed_out(page)

    page.goto(f"{live_server}/progress")
    page.fill("#number", number)
    page.fill("#phone", PHONE)
    with page.expect_navigation():
        page.locator("#phone").press("Enter")
    result = page.get_by_role("region", name="查询结果")
    assert "随答复发送的文件" in result.inner_text() and "核查照片" not in result.inner_text()
    link = result.get_by_role("link", name="答复函.pdf")
    assert PHONE not in link.get_attribute("href") and PHONE not in page.content()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "答复函.pdf"
    assert download.value.path().read_bytes() == PDF
    # a link that has been tampered with gets a page in Chinese, with the form to look up again
    page.goto(live_server + link.get_attribute("href")[:-4] + "abcd")
    assert "下载链接无效" in page.locator(".flash-error").inner_text()
    assert page.locator("#number").is_visible()
