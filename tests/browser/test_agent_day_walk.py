"""A keyboard walk of an agent's, a department's and a supervisor's day (6 Dec 2026), in Chromium: a caller's earlier
tickets found by the number, Back after a save bringing nothing back to send twice, a screen pop taking no earlier
caller's draft, every mistake of a call named at once, the extension's date in the history, whole department names
in the assessment workbook, a readable 改派 list on 督办."""
from __future__ import annotations

from io import BytesIO

import openpyxl

from tests.browser.conftest import draft_kept, register_call, sign_in, signed_out


def test_ticket_search_finds_a_callers_tickets_by_the_number(live_server, page):
    """A caller says "I rang last week": 工单查询 has no field for the caller's number (phone= is taken only from the
    address), and the number typed into its box (Alt+F) searches the words only: 没有符合条件的工单."""
    sign_in(page, live_server, "agent")
    number = register_call(page, "13955501234", "咨询门诊慢特病认定需要什么材料，医院开的诊断证明可以吗")
    page.goto(f"{live_server}/tickets/")
    page.get_by_label("来电号码").fill("139 5550 1234")
    with page.expect_navigation():
        page.get_by_label("来电号码").press("Enter")
    assert number in page.locator("main table").inner_text()


def test_back_after_saving_a_call_does_not_bring_the_saved_call_back(live_server, page):
    """Back after 保存: the browser put the saved call's words (and its category) back into the empty form, with
    no sign they were saved, and Enter made a second ticket of them once the 30 seconds had passed."""
    sign_in(page, live_server, "agent")
    register_call(page, "13955502345", "我的生育津贴什么时候发放，已经申请两个月了还没有到账")
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert page.locator("#content").input_value() == ""


def test_back_after_recording_a_follow_up_does_not_bring_its_words_back(live_server, page):
    """The same with 来电催办: Back showed the recorded words in the box again, as if not yet recorded."""
    sign_in(page, live_server, "agent")
    number = register_call(page, "13955503456", "来电人咨询生育津贴的申领材料和发放时间", category="SY")
    page.goto(f"{live_server}/tickets/{number}#follow-up-form")
    page.fill("#follow-up-note", "来电人说三天了还没有人联系")
    with page.expect_navigation():
        page.locator("#follow-up-note").press("Control+Enter")
    assert "已记录来电催办" in page.locator(".flash-success").inner_text()
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert page.locator("#follow-up-note").input_value() == ""


def test_an_empty_call_with_a_bad_number_names_every_mistake_at_once(live_server, page):
    """Content left empty: only 请填写诉求内容 was said; the wrong phone and ID number came up on the next try."""
    sign_in(page, live_server, "agent")
    page.fill("#caller_phone", "1391234567")
    page.fill("#caller_id_number", "15010519900307")
    with page.expect_navigation():
        page.locator("#caller_phone").press("Enter")
    form = page.locator("#call-form").inner_text()
    assert "请填写诉求内容" in form
    assert "电话号码格式不正确" in form
    assert "身份证号应为 18 位" in form


def test_the_extension_date_is_in_the_tickets_history(live_server, page):
    """办理记录 said 申请延期 and 批准延期 with the reason only: the date asked for and granted (the new deadline)
    was in no row, though each event keeps it."""
    sign_in(page, live_server, "agent")
    number = register_call(page, "13955504567", "来电人咨询门诊慢特病待遇认定需要哪些材料", category="MT")
    signed_out(page)
    sign_in(page, live_server, "staff_dybz")
    page.goto(f"{live_server}/tickets/{number}")
    with page.expect_navigation():
        page.get_by_role("button", name="签收", exact=True).click()
    until = page.locator("input[name=until]").get_attribute("min")
    page.fill("input[name=until]", until)
    reason = page.locator("form[action*=request_extension] input[name=reason]")
    reason.fill("需要调取医院病历")
    with page.expect_navigation():
        reason.press("Enter")
    assert until in page.locator("table.events tr", has_text="申请延期").inner_text()
    signed_out(page)
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/tickets/{number}")
    with page.expect_navigation():
        page.get_by_role("button", name="批准延期").click()
    assert until in page.locator("table.events tr", has_text="批准延期").inner_text()


def test_the_assessment_export_shows_department_names_whole(live_server, page):
    """月度考核's Excel: the 承办单位 column was as wide as its title (10), so 医药价格和招标采购科 or
    土默特左旗医疗保障局 showed half, cut by the figures beside it."""
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/assessment/")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    with open(download.value.path(), "rb") as file:
        sheet = openpyxl.load_workbook(BytesIO(file.read()))["考核结果"]
    names = [row[2] for row in sheet.iter_rows(min_row=3, values_only=True) if row[2]]
    assert names
    # a Chinese character takes about two of Excel's width units
    assert sheet.column_dimensions["C"].width >= 2 * max(len(name) for name in names)


def test_a_screen_pop_whose_values_cannot_be_taken_does_not_fill_in_the_last_callers(live_server, page):
    """A screen pop is a new call. One whose number and call id could not be taken put back the draft of the call
    before (not saved: the caller hung up), so the new call stood under the last caller's number and recording id."""
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/agent/calls/new?phone=13955505678&call_id=CALL-A1")
    page.fill("#content", "来电人问医保卡丢了怎么补办")
    draft_kept(page, {"content": "来电人问医保卡丢了怎么补办"})
    page.goto(f"{live_server}/agent/calls/new?phone=abc&call_id=bad%20id")
    page.wait_for_load_state("networkidle")
    assert "未带入" in page.locator("main").inner_text()
    assert page.locator("#caller_phone").input_value() != "13955505678"
    assert page.locator("#call_reference").input_value() != "CALL-A1"


def test_the_reassign_department_list_on_the_supervisor_page_is_readable(live_server, page):
    """督办 at 1366×768: the 改派 list of each overdue ticket is 87 px wide and reads 请选择承; a department chosen
    (土默特左旗医疗保障局) is cut the same way."""
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervise/")
    select = page.locator("form[action*=reassign] select[name=department]").first
    fits = select.evaluate("""sel => {
        const span = document.createElement('span');
        span.style.font = getComputedStyle(sel).font; span.style.whiteSpace = 'nowrap';
        span.textContent = sel.options[sel.selectedIndex].text;
        document.body.appendChild(span);
        const width = span.getBoundingClientRect().width; span.remove();
        return [width, sel.clientWidth]; }""")
    assert fits[0] + 20 <= fits[1], fits
