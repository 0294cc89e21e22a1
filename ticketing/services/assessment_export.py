"""按月考核 as an Excel workbook (openpyxl): the ranked figures and the weights used."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from ticketing.services import spreadsheet
from ticketing.services.assessment import WEIGHT_KEYS, Figures, Report
from ticketing.services.deadlines import LOCAL_TZ

COLUMNS: list[tuple[str, callable]] = [
    ("排名", lambda r: r.rank),
    ("承办单位编码", lambda r: r.department_code),
    ("承办单位", lambda r: r.department_name),
    ("收件数", lambda r: r.received),
    ("核减件数", lambda r: r.contested),
    ("应签收", lambda r: r.accept_due),
    ("按时签收", lambda r: r.accept_on_time),
    ("签收及时率", lambda r: r.accept_rate),
    ("应办结", lambda r: r.reply_due),
    ("按时办结", lambda r: r.reply_on_time),
    ("按时办结率", lambda r: r.on_time_rate),
    ("超期件数", lambda r: r.overdue),
    ("退回件数", lambda r: r.returned),
    ("退回率", lambda r: r.return_rate),
    ("延期件数", lambda r: r.extended),
    ("重办件数", lambda r: r.reopened),
    ("平均办理时长（小时）", lambda r: r.handling_hours),
    ("回访联系上", lambda r: r.reached),
    ("满意+基本满意", lambda r: r.satisfied),
    ("满意率", lambda r: r.satisfaction_rate),
    ("已解决", lambda r: r.solved),
    ("解决率", lambda r: r.resolution_rate),
    ("综合得分", lambda r: r.score),
    ("上月得分", lambda r: r.previous_score),
    ("得分变化", lambda r: r.score_change),
    ("名次变化", lambda r: r.rank_change),
]
RATES = {"签收及时率", "按时办结率", "退回率", "满意率", "解决率"}


def _cell(value):
    """A rate, score or change without a denominator is "—" (rates stay fractions shown as percentages)."""
    if value is None:
        return "—"
    return value


def workbook_bytes(report: Report, rows: list[Figures]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "考核结果"
    state = (f"已发布 {report.issued.issued_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}" if report.is_issued
             else f"未发布（实时，截至 {report.as_of.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}）")
    spreadsheet.append(sheet, [f"{report.month} 月度考核", state])
    sheet["A1"].font = Font(bold=True, size=14)
    spreadsheet.append(sheet, [title for title, _ in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        spreadsheet.append(sheet, [_cell(getter(row)) for title, getter in COLUMNS])
        for (title, _), cell in zip(COLUMNS, sheet[sheet.max_row]):
            if title in RATES and isinstance(cell.value, float):
                cell.number_format = "0.0%"
    sheet.freeze_panes = "D3"
    for index, (title, _) in enumerate(COLUMNS, start=1):
        # as wide as the title and as the longest text below it (土默特左旗医疗保障局 was cut by the figures beside it)
        texts = [cell.value for (cell,) in sheet.iter_rows(min_row=3, min_col=index, max_col=index)
                 if isinstance(cell.value, str)]
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = min(
            40, max([8, len(title) * 2 + 2] + [len(text) * 2 + 2 for text in texts]))

    weights = book.create_sheet("计分权重")
    spreadsheet.append(weights, ["指标", "权重"])
    for key, title in WEIGHT_KEYS.items():
        spreadsheet.append(weights, [title, report.weights.get(key, 0)])
    spreadsheet.append(weights, ["说明", "综合得分 = 各有分母指标的加权平均 × 100；分母为 0 的指标不参与计算，其余权重按比例放大"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
