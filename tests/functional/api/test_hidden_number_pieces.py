"""A fraud report's masked number cannot be completed by searching for its hidden digits (a staff walk, 6 Dec 2026):
the search index cuts 139 2468 5678 into three words, and q=2468 found the report for its department."""
from __future__ import annotations

from tests.factories import make_ticket
from ticketing.models import TicketStatus


def _listed(client, auth, who, query):
    auth.login(who)
    html = client.get(f"/tickets/?{query}").get_data(as_text=True)
    auth.logout()
    return html


def test_the_hidden_middle_digits_of_a_reporters_number_are_not_searchable(db, client, auth, users, now):
    fraud = make_ticket(db, users, now, status=TicketStatus.ACCEPTED, category="JJ", type="report",
                        caller_phone="13912345678", caller_name="李举报",
                        content="举报某药店串换药品，我的电话 139 2468 5678，请为我保密。")
    db.session.commit()
    auth.login("staff_dybz")
    page = client.get(f"/tickets/{fraud.number}").get_data(as_text=True)
    auth.logout()
    assert "2468" not in page  # the department reads 139****5678
    # ... and so must not be able to test candidates for the four digits it cannot read
    assert fraud.number not in _listed(client, auth, "staff_dybz", "q=2468")
    assert fraud.number in _listed(client, auth, "agent", "q=2468")
