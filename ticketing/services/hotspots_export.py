"""热点诉求 as an Excel workbook (openpyxl), for the daily or weekly report to the bureau: one sheet of
groups, one of their tickets. No caller's name or phone; numbers typed into titles are masked."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from ticketing.services import spreadsheet
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.hotspots import HotspotReport
from ticketing.services.validation import mask_numbers_in_text


def _local(value) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _counts(pairs: list[tuple[str, int]]) -> str:
    return "、".join(f"{name} {n}" for name, n in pairs)


def _table(sheet, titles: list[str], widths: list[int]) -> None:
    spreadsheet.append(sheet, titles)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=sheet.max_row, column=index).column_letter].width = width
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def workbook_bytes(report: HotspotReport, *, scope: str, min_size: int) -> bytes:
    book = Workbook()
    groups = book.active
    groups.title = "热点诉求"
    spreadsheet.append(groups, [f"热点诉求（{scope}）：{_local(report.since)} 至 {_local(report.computed_at)} 受理的 "
                                f"{report.tickets_compared} 件工单中，{min_size} 位以上来电人反映的相近诉求"])
    groups["A1"].font = Font(bold=True, size=13)
    _table(groups, ["序号", "诉求（最典型的一件）", "来电人", "工单", "在办", "最早受理", "最近受理", "业务分类", "区县", "承办单位"],
           [6, 48, 8, 8, 8, 17, 17, 28, 24, 28])
    tickets = book.create_sheet("工单明细")
    _table(tickets, ["序号", "工单号", "标题", "相似度", "区县", "业务分类", "承办单位", "状态", "受理时间"],
           [6, 22, 48, 8, 12, 16, 22, 10, 17])
    for n, hotspot in enumerate(report.hotspots, start=1):
        spreadsheet.append(groups, [n, mask_numbers_in_text(hotspot.tickets[0].title), hotspot.callers,
                                    len(hotspot.tickets), hotspot.open_count, _local(hotspot.first_at), _local(hotspot.last_at),
                                    _counts(hotspot.categories), _counts(hotspot.regions), _counts(hotspot.departments)])
        for ticket in hotspot.tickets:
            spreadsheet.append(tickets, [n, ticket.number, mask_numbers_in_text(ticket.title),
                                         hotspot.similarities[ticket.id], ticket.region or "", ticket.category.name if ticket.category else "",
                                         ticket.department.name if ticket.department else "", ticket.status_enum.title,
                                         _local(ticket.received_at)])
    if not report.hotspots:
        spreadsheet.append(groups, ["", "没有符合条件的热点诉求"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
