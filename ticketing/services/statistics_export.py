"""工单统计 as an Excel workbook (openpyxl): the summary, each breakdown and the days, one sheet each."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from ticketing.services import spreadsheet
from ticketing.services.assists import AssistMonth
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.statistics import PETITION_NOTE, AgentMonth, HandlerMonth, MonthStatistics, PetitionMonth, Share


def _header(sheet, titles: list[str]) -> None:
    spreadsheet.append(sheet, titles)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _breakdown(book: Workbook, title: str, key_title: str, rows: list[Share]) -> None:
    sheet = book.create_sheet(title)
    _header(sheet, [key_title, "件数", "占比", "上月", "较上月"])
    for row in rows:
        spreadsheet.append(sheet, [row.title, row.count, row.share, row.previous, row.change])
        sheet.cell(row=sheet.max_row, column=3).number_format = "0.0%"
    sheet.column_dimensions["A"].width = 24


def workbook_bytes(stats: MonthStatistics, *, scope: str, as_of: str, handlers: list[HandlerMonth] = (),
                   agents: list[AgentMonth] = (), assist_rows: list[AssistMonth] = (),
                   petitions: PetitionMonth | None = None) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "概况"
    spreadsheet.append(summary, [f"{stats.month} 工单统计（{scope}）", f"截至 {as_of}"])
    summary["A1"].font = Font(bold=True, size=14)
    _header(summary, ["项目", "件数"])
    for title, value in (("受理", stats.total), ("上月受理", stats.previous_total), ("较上月", stats.change),
                         ("已办结", stats.closed), ("其中直接办结", stats.on_the_spot),
                         ("其中告知法定途径", stats.legal_channel), ("转出（12345、退回信访部门）", stats.transferred_out)):
        spreadsheet.append(summary, [title, value])
    spreadsheet.append(summary, ["说明", "按受理时间（北京时间）所在月份统计；合并的重复工单不计；已办结等为导出时的状态"])
    if stats.previous_until is not None:
        spreadsheet.append(summary, ["上月", "本月尚未结束：上月为上月同期，至 "
                                     + stats.previous_until.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")])
    summary.column_dimensions["A"].width = 22
    _breakdown(book, "按诉求类型", "类型", stats.by_type)
    _breakdown(book, "按来源渠道", "来源", stats.by_channel)
    _breakdown(book, "按业务分类", "业务分类", stats.by_category)
    _breakdown(book, "按区县", "区县", stats.by_region)
    days = book.create_sheet("按日")
    _header(days, ["日期", "星期", "件数"])
    for day, count in stats.by_day:
        spreadsheet.append(days, [day.isoformat(), "一二三四五六日"[day.weekday()], count])
    days.column_dimensions["A"].width = 12
    if handlers:  # a department's own view
        people = book.create_sheet("本单位经办人")
        _header(people, ["经办人", "本月答复", "其中按时", "按时率", "当前在办"])
        for h in handlers:
            name = h.user.display_name + ("（已停用）" if not h.user.active else "")
            spreadsheet.append(people, [name, h.replied, h.replied_on_time,
                                        h.replied_on_time / h.replied if h.replied else None, h.in_hand])
            people.cell(row=people.max_row, column=4).number_format = "0.0%"
        people.column_dimensions["A"].width = 20
    if agents:  # the whole centre's view
        sheet = book.create_sheet("话务员工作量")
        _header(sheet, ["话务员", "登记", "其中直接办结", "直接办结率", "无效来电", "人工派发", "回访", "其中联系上",
                        "联系上比例", "转出（12345、退回信访部门）", "合并", "来电催办", "质检", "质检平均分"])
        for a in agents:
            name = a.user.display_name + ("（已停用）" if not a.user.active else "")
            spreadsheet.append(sheet, [name, a.registered, a.on_the_spot, a.on_the_spot_rate, a.invalid_calls,
                                       a.dispatched, a.callbacks, a.reached, a.reached_rate, a.transferred_out, a.merged, a.followed_up, a.reviewed, a.review_average])
            for column in (4, 9):
                sheet.cell(row=sheet.max_row, column=column).number_format = "0.0%"
        sheet.column_dimensions["A"].width = 20
    if assist_rows:
        sheet = book.create_sheet("协办")
        _header(sheet, ["承办单位", "被请协办", "已反馈", "其中按时", "按时反馈率", "撤回", "已终止", "未反馈", "平均反馈用时（小时）",
                        "本单位发起"])
        for r in assist_rows:
            spreadsheet.append(sheet, [r.department.name, r.received, r.answered, r.on_time, r.on_time_rate,
                                       r.withdrawn, r.lapsed, r.waiting, r.answer_hours, r.asked])
            sheet.cell(row=sheet.max_row, column=5).number_format = "0.0%"
        spreadsheet.append(sheet, ["说明", "按发起协办的时间所在月份统计；按时反馈率 = 在反馈时限内反馈的 ÷（被请协办 − 撤回 − 反馈时限前已终止的），尚未反馈的计为未按时"])
        sheet.column_dimensions["A"].width = 20
    if petitions is not None and petitions.shown:
        sheet = book.create_sheet("信访件")
        _header(sheet, ["项目", "数值"])
        for title, value, is_rate in petitions.rows():
            spreadsheet.append(sheet, [title, value])
            if is_rate:
                sheet.cell(row=sheet.max_row, column=2).number_format = "0.0%"
        spreadsheet.append(sheet, ["说明", PETITION_NOTE])
        sheet.column_dimensions["A"].width = 26
    out = BytesIO()
    book.save(out)
    return out.getvalue()
