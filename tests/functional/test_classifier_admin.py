"""Learning from corrections: labels recorded, outcomes per category, retraining, the admin page."""
from __future__ import annotations

from datetime import timedelta

from tests.factories import make_ticket
from ticketing.models import CategoryLabel, TicketStatus
from ticketing.services import learning, tickets

def test_person_setting_a_category_is_a_labelled_example(db, users, now):
    ticket = make_ticket(db, users, now, status=TicketStatus.REGISTERED, category="DY")
    cb = tickets._category_by_code(db.session, "CB")
    ticket.suggested_category = ticket.category  # the model had said DY
    tickets.set_category(db.session, ticket, cb, actor=users["agent"], now=now)
    labels = db.session.query(CategoryLabel).filter_by(ticket_id=ticket.id).order_by(CategoryLabel.id).all()
    assert [label.to_category.code for label in labels] == ["DY", "CB"]
    assert labels[-1].from_category.code == "DY" and labels[-1].user_id == users["agent"].id
    assert ticket.events[-1].action == "recategorise"
    examples = learning.corrected_examples(db.session)
    assert [(e.label, e.type) for e in examples] == [("CB", "complaint")]


def test_outcomes_count_accepted_and_corrected_suggestions(db, users, now):
    kept = make_ticket(db, users, now, category="DY")
    changed = make_ticket(db, users, now, category="DY")
    for ticket in (kept, changed):
        for label in db.session.query(CategoryLabel).filter_by(ticket_id=ticket.id):
            label.suggested_category = label.to_category
    tickets.set_category(db.session, changed, tickets._category_by_code(db.session, "YD"), actor=users["agent"], now=now)
    db.session.query(CategoryLabel).filter_by(ticket_id=changed.id).order_by(CategoryLabel.id.desc()).first() \
        .suggested_category = kept.category
    db.session.flush()
    rows = {row["code"]: row for row in learning.suggestion_outcomes(db.session, now)}
    # each ticket once, by its latest category (a model-operations review counted every label)
    assert rows["DY"]["total"] == 2 and rows["DY"]["accepted"] == 1 and rows["DY"]["corrected"] == 1
    # changed twice and set back to the suggestion: one ticket, accepted
    for code in ("CB", "DY"):
        tickets.set_category(db.session, kept, tickets._category_by_code(db.session, code), actor=users["agent"],
                             now=now)
    for label in db.session.query(CategoryLabel).filter_by(ticket_id=kept.id):
        label.suggested_category = tickets._category_by_code(db.session, "DY")
    db.session.flush()
    rows = {row["code"]: row for row in learning.suggestion_outcomes(db.session, now)}
    assert rows["DY"]["total"] == 2 and rows["DY"]["accepted"] == 1


def test_admin_page_without_a_model_says_intake_goes_on(db, client, users, auth):
    auth.login("admin")
    html = client.get("/admin/classifier/").get_data(as_text=True)
    assert "当前没有可用模型" in html and "尚无模型" in html
    auth.logout()
    auth.login("agent")
    assert client.get("/admin/classifier/").status_code == 403


def test_supervisor_dashboard_shows_suggestion_outcomes(db, client, users, auth):
    from ticketing.services import clock

    ticket = make_ticket(db, users, clock.now_utc() - timedelta(days=2), category="DY")  # within the last 30 days
    for label in db.session.query(CategoryLabel).filter_by(ticket_id=ticket.id):
        label.suggested_category = label.to_category
    db.session.commit()
    auth.login("supervisor")
    response = client.get("/supervise/")
    html = response.get_data(as_text=True)
    assert "自动分类建议的采纳情况" in html and "DY 待遇报销" in html and "100%" in html
