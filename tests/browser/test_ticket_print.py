"""A ticket printed (交办单): who printed it and when, the ticket and its record, without the forms."""
from __future__ import annotations

from tests.browser.conftest import sign_in


def test_a_printed_ticket_has_no_forms_and_says_who_printed_it(live_server, page):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/tickets/")
    page.locator("table.grid tbody a[href*='/tickets/']").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="打印").is_visible()
    assert not page.locator(".print-only").is_visible()
    page.emulate_media(media="print")
    assert page.locator(".print-only").is_visible()
    assert "由 赵班长 打印" in page.locator(".print-only").inner_text()
    assert not page.locator("section.actions").is_visible() and not page.locator(".topbar").is_visible()
    assert not page.get_by_role("button", name="打印").is_visible()
    # no form shows, the upload form included (its display:flex won over .no-print in print)
    assert not any(form.is_visible() for form in page.locator("form").all())
    assert page.locator("h2", has_text="办理记录").is_visible() and page.locator("h2", has_text="诉求内容").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
