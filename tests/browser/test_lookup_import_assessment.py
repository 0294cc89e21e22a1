"""In a real browser against gunicorn: a citizen's progress lookup, a background file import, the 月度考核 page."""
from __future__ import annotations

import sqlite3

from tests.browser.conftest import ARTIFACTS, sign_in, signed_out


def _ticket_with_phone(server_env) -> tuple[str, str]:
    path = server_env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT number, caller_phone FROM ticket WHERE caller_phone IS NOT NULL AND status = 'replied' "
            "ORDER BY id LIMIT 1").fetchone()


def test_citizen_looks_up_a_ticket_with_the_keyboard_without_signing_in(live_server, server_env, page):
    number, phone = _ticket_with_phone(server_env)
    page.goto(f"{live_server}/login")
    with page.expect_navigation():
        page.get_by_role("link", name="工单进度查询").click()
    assert page.url == f"{live_server}/progress"
    # the number field has the focus: type the number without dashes, Tab, the phone, Enter
    page.wait_for_function("document.activeElement && document.activeElement.id === 'number'")
    page.keyboard.type(number.replace("-", ""))
    page.keyboard.press("Tab")
    page.keyboard.type(phone)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    result = page.get_by_role("region", name="查询结果")
    text = result.inner_text()
    assert number in text and "已答复" in text and "答复内容" in text
    assert phone not in page.content()  # the page never repeats the phone number
    # printed, the 答复期限 stays (a diff review: a print rule for the lists' deadlines hid it)
    due = result.locator(".deadline")
    assert due.is_visible()
    page.emulate_media(media="print")
    assert due.is_visible() and due.inner_text().startswith("20")
    page.emulate_media(media="screen")
    # a wrong phone gets the one message for every miss
    page.fill("#number", number)
    page.fill("#phone", "13000000000")
    with page.expect_navigation():
        page.locator("#phone").press("Enter")
    assert "未找到与该工单号和电话号码匹配的工单" in page.content()


def test_a_file_imported_from_the_page_runs_in_the_background_and_shows_its_result(live_server, page, tmp_path):
    letters = tmp_path / "市长信箱.csv"
    letters.write_text(
        "mail_id,title,query,query_date\n"
        "BR-1,异地就医备案,我父亲在外省住院，异地就医备案怎么办理？,2026-11-02\n"
        "BR-2,门诊慢特病,门诊慢特病认定要准备什么材料？,2026-11-03\n"
        "BR-3,,,2026-11-03\n", encoding="utf-8")
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/imports/")
    page.select_option("#channel", "mailbox_mayor")
    page.set_input_files("#file", str(letters))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并设置列映射").click()
    assert "/mapping" in page.url
    with page.expect_navigation():
        page.get_by_role("button", name="开始导入").click()
    # the progress page refreshes itself until the import is done
    page.wait_for_selector('#import-status[data-state="done"]', timeout=60000)
    page.wait_for_load_state()  # the page that says done is read whole, not as far as its parser has come
    text = page.locator("#import-status").inner_text()
    assert "新建 2 件" in text and "拒收 1 行" in text
    rejected = page.locator("table.grid tbody tr")
    assert rejected.count() == 1 and "BR-3" in rejected.first.inner_text()  # the rejected row, with its reason
    page.goto(f"{live_server}/imports/")
    assert "已完成" in page.locator("#recent-imports").inner_text()


def test_supervisor_reviews_the_monthly_assessment(live_server, page):
    sign_in(page, live_server, "supervisor")
    with page.expect_navigation():
        page.get_by_role("link", name="月度考核").click()
    assert "月度考核" in page.locator("h1").inner_text()
    ranking = page.locator("table.grid").first
    assert ranking.locator("tbody tr").count() >= 1
    assert page.locator("svg").count() >= 1  # the score chart is drawn by the page itself
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assessment.png"), full_page=True)
    # department staff see their own department only
    signed_out(page)
    sign_in(page, live_server, "staff_dybz")
    page.goto(f"{live_server}/assessment/")
    rows = page.locator("table.grid").first.locator("tbody tr")
    assert rows.count() == 1 and "待遇保障科" in rows.first.inner_text()


def test_enter_in_a_contests_note_decides_nothing(live_server, server_env, page):
    """Enter in 审核意见 chose 同意核减, the form's first button, for a supervisor typing why she refused it (a
    supervisor's month-end review); the decision cannot be undone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    with sqlite3.connect(server_env["DATABASE_URL"].removeprefix("sqlite:///")) as connection:
        # a ticket left unaccepted past its deadline (the demo keeps one): a contest needs something counted against
        number, dispatched = connection.execute(
            "SELECT t.number, e.created_at FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id WHERE "
            "e.action = 'dispatch' AND json_extract(e.data, '$.department') = 'DYBZ' AND t.status = 'dispatched' "
            "AND t.accept_due_at < datetime('now') ORDER BY e.id DESC LIMIT 1").fetchone()
    month = datetime.fromisoformat(dispatched).replace(tzinfo=ZoneInfo("UTC")).astimezone(
        ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    sign_in(page, live_server, "staff_dybz")
    page.goto(f"{live_server}/assessment/{month}/contests")
    page.get_by_label("申诉工单号").fill(number)
    page.get_by_label("申诉理由").fill("系统故障导致未能按时签收")
    with page.expect_navigation():
        page.get_by_label("申诉理由").press("Enter")
    signed_out(page)
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/assessment/{month}/contests")
    note = page.get_by_label(f"{number} 审核意见")
    note.fill("未接通不属于核减情形，驳回")
    note.press("Enter")
    page.wait_for_timeout(500)
    row = page.locator("tr", has=page.get_by_label(f"{number} 审核意见"))
    assert "待审核" in row.inner_text() and note.input_value() == "未接通不属于核减情形，驳回"
    with page.expect_navigation():
        row.get_by_role("button", name="驳回").click()
    assert f"已驳回申诉：{number}" in page.locator(".flash-success").inner_text()
