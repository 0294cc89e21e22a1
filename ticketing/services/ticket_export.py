"""工单查询 as an Excel workbook (openpyxl): the tickets a user's filters find, as far as they may see them.

Names, phone numbers and ID numbers are masked as in the lists, whoever exports, and so are the
phone and ID numbers written inside a title or what the citizen said: a workbook leaves the system
and is not covered by the record of who viewed a caller's details.
At most MAX_ROWS tickets go into one workbook; the first row says when more were found.
"""
from __future__ import annotations

from datetime import datetime
from io import BytesIO

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session, selectinload

from ticketing.models import Ticket, TicketStatus
from ticketing.services import inbox, spreadsheet
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.validation import mask_name, mask_numbers_in_text, mask_phone

MAX_ROWS = 10_000


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def _deadline_shown(ticket: Ticket) -> datetime | None:
    """The deadline the list page shows (the ``deadline`` macro): the one worked to while open, the reply's once
    answered, none for a ticket merged, transferred or closed without a reply. The export gave every finished
    ticket its last deadline as if still pending, and no mark of a late answer (an export review)."""
    if ticket.status_enum.is_open:
        return ticket.current_due_at
    if ticket.replied_at and ticket.reply_due_at:
        return ticket.reply_due_at
    if ticket.status in (TicketStatus.MERGED.value, TicketStatus.CLOSED.value, TicketStatus.TRANSFERRED_OUT.value):
        return None
    return ticket.current_due_at


def _answered_late(ticket: Ticket) -> bool:
    return (not ticket.status_enum.is_open and ticket.replied_at is not None and ticket.reply_due_at is not None
            and ticket.replied_at > ticket.reply_due_at)


COLUMNS: list[tuple[str, int, object]] = [  # title, width, value(ticket, overdue)
    ("工单号", 24, lambda t, overdue: t.number),
    ("受理时间", 17, lambda t, overdue: _local(t.received_at)),
    ("来源", 12, lambda t, overdue: t.channel_title),
    ("诉求类型", 8, lambda t, overdue: t.type_title),
    ("紧急程度", 8, lambda t, overdue: t.urgency_title),
    ("业务分类", 16, lambda t, overdue: t.category.name if t.category else ""),
    ("承办单位", 18, lambda t, overdue: t.department.name if t.department else ""),
    ("经办人", 10, lambda t, overdue: t.handler.display_name if t.handler else ""),
    ("状态", 10, lambda t, overdue: t.status_enum.title),
    ("时限", 17, lambda t, overdue: _local(_deadline_shown(t))),
    ("答复时间", 17, lambda t, overdue: _local(t.replied_at)),
    ("是否超期", 8, lambda t, overdue: "已超期" if overdue else "答复超时" if _answered_late(t) else ""),
    ("风险提示", 14, lambda t, overdue: "、".join(kind.title for kind in t.risk_kinds)),
    ("来电人", 8, lambda t, overdue: mask_name(t.caller_name)),
    ("来电号码", 13, lambda t, overdue: mask_phone(t.caller_phone)),
    ("所属区县", 12, lambda t, overdue: t.region or ""),
    ("标题", 30, lambda t, overdue: mask_numbers_in_text(t.title)),
    ("诉求内容", 60, lambda t, overdue: mask_numbers_in_text(t.content)),
]


def workbook_bytes(session: Session, query: sa.Select, *, now: datetime, description: str) -> tuple[bytes, int]:
    """The workbook for ``query`` (a ticket query, already limited to what the user may see); and its row count.

    是否超期 is the query page's own overdue filter (`inbox.overdue_condition`), computed in the same SELECT.
    """
    overdue = sa.case((inbox.overdue_condition(now), True), else_=False).label("overdue")
    rows = session.execute(query.add_columns(overdue)
                           .options(selectinload(Ticket.category), selectinload(Ticket.department), selectinload(Ticket.handler))
                           .limit(MAX_ROWS + 1)).all()
    more = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]
    book = Workbook()
    sheet = book.active
    sheet.title = "工单"
    note = f"导出于 {_local(now)}；{description}；共 {len(rows)} 件"
    if more:
        note += f"（符合条件的工单超过 {MAX_ROWS} 件，只导出了按受理时间最新的 {MAX_ROWS} 件，请缩小查询条件）"
    spreadsheet.append(sheet, [note])
    sheet["A1"].font = Font(bold=True)
    spreadsheet.append(sheet, [title for title, _, _ in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for ticket, is_overdue in rows:
        spreadsheet.append(sheet, [value(ticket, is_overdue) for _, _, value in COLUMNS])
    for index, (_, width, _) in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=2, column=index).column_letter
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B3"
    sheet.auto_filter.ref = f"A2:{sheet.cell(row=2, column=len(COLUMNS)).column_letter}{sheet.max_row}"
    out = BytesIO()
    book.save(out)
    return out.getvalue(), len(rows)
