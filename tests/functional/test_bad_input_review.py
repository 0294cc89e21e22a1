"""Bad input reviewed on every form (a bad-input review): refused with a Chinese message, nothing saved or lost."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import AssessmentContest, Ticket, TicketReview, TicketStatus
from ticketing.services import actions, clock, reviews
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import ValidationFailed

SETTINGS = {**{f"share_{t}": "50" for t in ("consult", "help", "complaint", "report", "suggestion", "praise")},
            "return_window_working_days": "3", "near_deadline_hours": "24", "callback_attempts": "3",
            "callback_retry_minutes": "120", "assist_working_days": "3", "hotspot_similarity": "0.5"}


def test_settings_with_a_signalling_nan_is_a_message_not_a_500(db, users, auth, client):
    auth.login("admin")
    response = client.post("/admin/settings", data=SETTINGS | {"hotspot_similarity": "sNaN"})
    assert response.status_code == 400 and "0.3 到 0.9" in response.get_data(as_text=True)


def test_a_superscript_digit_in_the_query_string_is_not_a_500(db, users, auth, client):
    auth.login("supervisor")
    for path in ("/supervise/hotspots?days=²", "/supervise/hotspots?min_size=²", "/reviews/?size=²"):
        assert client.get(path).status_code == 200, path


def test_zero_width_only_text_is_refused_like_an_empty_one(db, users, now, auth, client, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=1))
    ticket = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    db.session.commit()
    auth.login("staff_dybz")
    client.post(f"/tickets/{ticket.number}/actions/reply", data={"content": "\u200b\u200b"})
    assert db.session.get(Ticket, ticket.id).status == "accepted"  # it is 'replied', with an invisible answer
    auth.logout()
    auth.login("agent")
    response = client.post("/agent/calls/new", data={"caller_phone": "13912345678", "channel": "hotline_12393",
                                                     "type": "consult", "urgency": "normal", "content": "\ufeff"})
    assert response.status_code == 400 and db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 1


def test_a_full_width_id_number_is_read_as_typed(db, users, auth, client):
    auth.login("agent")
    full_width = "４４０３０１１９９００１０１１２３４"  # 440301199001011234, valid, typed in full-width mode
    response = client.post("/agent/calls/new", data={"caller_phone": "１３９１２３４５６７８", "channel": "hotline_12393",
                                                     "type": "consult", "urgency": "normal", "content": "医保报销",
                                                     "caller_id_number": full_width})
    assert response.status_code == 302, re.findall(r'class="error"[^>]*>(.*?)<', response.get_data(as_text=True))
    assert db.session.scalar(sa.select(Ticket)).caller_id_number == "440301199001011234"


def test_contest_and_review_texts_have_a_limit(db, users, now, auth, client, march):
    auth.login("staff_dybz")
    client.post("/assessment/2026-03/contests", data={"ticket": march["late"].number, "reason": "理" * 100000})
    assert db.session.scalar(sa.select(AssessmentContest)) is None  # saved, and shown whole on the ticket page
    auth.logout()
    auth.login("supervisor")
    data = {key: "0" for key in reviews.item_titles(db.session)} | {"comment": "评" * 100000}
    client.post(f"/reviews/{march['late'].number}", data=data)
    assert db.session.scalar(sa.select(TicketReview)) is None


def test_an_announcement_with_a_role_that_is_not_offered_says_so_in_chinese(db, users, auth, client):
    auth.login("supervisor")
    html = client.post("/announcements/", data={"title": "通知", "content": "内容", "roles": "bogus"}).get_data(as_text=True)
    assert "is not a valid choice" not in html


def test_an_extension_date_in_the_basic_iso_form_is_the_end_of_that_day_too():
    assert actions.parse_until("20260330") == actions.parse_until("2026-03-30")  # it was 00:00, a day short
    assert f"{actions.parse_until('2026-03-30').astimezone(LOCAL_TZ):%H:%M:%S}" == "23:59:59"


def test_a_bad_date_shown_on_approving_names_that_field(db, users, now):
    ticket = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    with pytest.raises(ValidationFailed) as refused:
        actions.perform_action(db.session, ticket, "approve_extension", {"until_shown": "abc"},
                               actor=users["supervisor"], now=now)
    assert set(refused.value.fields) == {"until_shown"}
