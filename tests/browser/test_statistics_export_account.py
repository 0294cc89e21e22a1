"""In a real browser against gunicorn: 工单统计, 导出 Excel from 工单查询, 修改密码 and the sign-in lock."""
from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, PASSWORD, sign_in, signed_out


def test_supervisor_reads_the_months_statistics_and_follows_a_category(live_server, page):
    sign_in(page, live_server, "supervisor")
    with page.expect_navigation():
        page.get_by_role("link", name="工单统计").click()
    assert page.locator("h1").inner_text().startswith("工单统计")
    assert page.locator("svg.chart rect").count() >= 28  # one bar per day of the month, drawn by the page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "statistics.png"), full_page=True)
    category = page.locator("section", has_text="按业务分类").locator("tbody a").first
    name = category.inner_text()
    with page.expect_navigation():
        category.click()
    assert "/tickets/" in page.url and "category=" in page.url
    assert page.locator("select[name=category] option:checked").inner_text() == name


def test_the_ticket_query_exports_what_it_finds(live_server, page):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/tickets/?type=complaint")
    shown = page.locator("table.grid tbody tr").count()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    assert "查询条件：投诉" in sheet["A1"].value
    types = [row[3] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert types and set(types) == {"投诉"} and len(types) >= shown


def test_a_user_changes_their_password_with_the_keyboard(live_server, page):
    sign_in(page, live_server, "agent2")
    with page.expect_navigation():
        page.get_by_role("link", name="修改密码").click()
    expect(page.locator("#current")).to_be_focused()  # the current password field has the focus (autofocus)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type("short")
    page.keyboard.press("Tab")
    page.keyboard.type("short")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "密码至少 8 位" in page.content()
    page.fill("#password", "second-new-pass-9")
    page.fill("#confirm", "second-new-pass-9")
    page.fill("#current", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "密码已修改" in page.content()
    signed_out(page)
    sign_in(page, live_server, "agent2", "second-new-pass-9")
    assert page.url.endswith("/agent/calls/new")


def test_five_wrong_passwords_lock_the_account(live_server, page):
    for _ in range(5):
        sign_in(page, live_server, "staff_yljz", "wrong-password")
        assert "连续输错 5 次，账号将锁定 15 分钟" in page.content()  # the same for a name that does not exist
    sign_in(page, live_server, "staff_yljz")  # the right password waits for the lock to end
    assert "/login" in page.url and "账号已锁定" in page.content()
