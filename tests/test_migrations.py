"""Migrations build the whole schema from an empty database, and match the models."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ticketing.extensions import db as _db
from ticketing.models.base import include_in_autogenerate


def test_upgrade_from_empty_matches_models(db):
    # the session fixture already ran downgrade(base) + upgrade() on this engine
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_in_autogenerate})
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_indexes_for_lists_and_reports_exist(db):
    inspector = sa.inspect(_db.engine)
    names = {ix["name"] for ix in inspector.get_indexes("ticket")}
    assert {"ix_ticket_department_status_reply_due", "ix_ticket_status_reply_due", "ix_ticket_received_at",
            "ix_ticket_caller_phone_received"} <= names
    unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("ticket")}
    assert ("channel", "external_id") in unique or any(
        ix["unique"] and ix["column_names"] == ["channel", "external_id"] for ix in inspector.get_indexes("ticket"))


def test_fulltext_index_exists_for_the_engine(db):
    inspector = sa.inspect(_db.engine)
    if _db.engine.dialect.name == "postgresql":
        assert "ix_ticket_search_tsv" in {ix["name"] for ix in inspector.get_indexes("ticket")}
    else:
        assert "ticket_fts" in inspector.get_table_names()


def _again_from(revision: str) -> None:
    """Commit what the test made, migrate down to ``revision`` and up again, so its data goes through the later
    migrations as an installed database's would."""
    from flask_migrate import downgrade, upgrade

    _db.session.commit()
    _db.session.remove()
    try:
        downgrade(revision=revision)
    finally:
        upgrade()


def test_the_handler_migration_gives_accepted_tickets_the_person_who_accepted_them(db, users, now):
    from tests.factories import make_ticket
    from ticketing.models import Ticket, TicketStatus

    accepted = make_ticket(db, users, now, status=TicketStatus.ACCEPTED).number
    waiting = make_ticket(db, users, now, status=TicketStatus.DISPATCHED).number
    staff_id = users["staff_dybz"].id
    _again_from("17ba5854498d")  # before the column existed
    handlers = dict(_db.session.execute(sa.select(Ticket.number, Ticket.handler_id)).all())
    assert handlers == {accepted: staff_id, waiting: None}


def test_the_last_contact_migration_takes_each_tickets_latest_contact(db, users, now):
    from datetime import timedelta

    from tests.factories import make_ticket
    from ticketing.models import Ticket, TicketStatus
    from ticketing.services import notices

    contacted = make_ticket(db, users, now, status=TicketStatus.ACCEPTED)
    for minutes in (30, 90):
        notices.record_contact(_db.session, contacted, purpose="progress", method="phone", reached=True, note="已告知进展",
                               actor=users["staff_dybz"], now=now + timedelta(minutes=minutes))
    untouched = make_ticket(db, users, now, status=TicketStatus.ACCEPTED).number
    number = contacted.number
    _again_from("e3f2dd06dfae")  # before the column existed
    last = dict(_db.session.execute(sa.select(Ticket.number, Ticket.last_contact_at)).all())
    assert last == {number: now + timedelta(minutes=90), untouched: None}


def test_postgresql_keeps_statistics_on_the_department_the_assessment_joins_on(db):
    """Without them PostgreSQL guessed a twentieth of a month's receipts and the live 月度考核 took minutes
    (docs/assessment.md). They help only while the expression is the one the assessment query writes."""
    if _db.engine.dialect.name != "postgresql":
        return
    from ticketing.models import TicketEvent
    from ticketing.services.assessment import _department_code

    written = str(_department_code(TicketEvent).compile(
        dialect=_db.engine.dialect, compile_kwargs={"literal_binds": True})).replace("ticket_event.", "")
    with _db.engine.connect() as connection:
        connection.execute(sa.text(f"CREATE STATISTICS st_written_now ON ({written}) FROM ticket_event"))
        kept, now = (connection.execute(sa.text(
            "SELECT pg_get_statisticsobjdef_expressions(oid) FROM pg_statistic_ext WHERE stxname = :name"),
            {"name": name}).scalar() for name in ("st_ticket_event_department_code", "st_written_now"))
        connection.rollback()
    assert kept is not None and kept == now


def test_a_request_left_on_a_ticket_that_left_the_departments_ends(db, users, now):
    from tests.factories import make_ticket
    from ticketing.models import Ticket, TicketStatus

    def stale(status, count):
        ticket = make_ticket(db, users, now, status=status)
        ticket.extension_state, ticket.extension_count = "requested", count
        return ticket.number

    closed, closed_after_one, waiting = (stale(TicketStatus.CLOSED, 0), stale(TicketStatus.REPLIED, 1),
                                         stale(TicketStatus.ACCEPTED, 0))
    _again_from("8e4a6c2f1b57")
    states = dict(_db.session.execute(sa.select(Ticket.number, Ticket.extension_state)).all())
    assert states == {closed: None, closed_after_one: "approved", waiting: "requested"}


def test_postgresql_plans_each_statement_for_its_own_values(db):
    """psycopg prepares a statement run 5 times on a connection; a generic plan would not use the statistics above."""
    if _db.engine.dialect.name != "postgresql":
        return
    with _db.engine.connect() as connection:
        assert connection.execute(sa.text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        assert connection.execute(sa.text("SHOW jit")).scalar() == "off"


def test_landlines_stored_without_their_dash_are_written_as_intake_writes_them(db, users, now):
    from tests.factories import make_ticket
    from ticketing.models import Ticket, TicketStatus

    def called_from(phone):
        ticket = make_ticket(db, users, now, status=TicketStatus.DISPATCHED)
        ticket.caller_phone = phone  # as the code before stored it
        return ticket.number

    numbers = {called_from(typed): written for typed, written in (
        ("04716612345", "0471-6612345"), ("01062345678", "010-62345678"), ("0471-6612345", "0471-6612345"),
        ("04716612345-801", "0471-6612345-801"),  # (0471)6612345-801 as stored before
        ("13800138000", "13800138000"), ("0471661234", "0471661234"), (None, None))}
    _again_from("a3c5e7f9b2d4")
    assert dict(_db.session.execute(sa.select(Ticket.number, Ticket.caller_phone)).all()) == numbers


def test_tickets_written_in_traditional_characters_are_indexed_again_for_a_folded_search(db, users, now):
    from tests.factories import make_ticket
    from ticketing.models import Ticket, User
    from ticketing.services import search

    ticket = make_ticket(db, users, now, content="異地就醫備案以後還是不能直接結算")
    as_indexed_before = "異地 就醫 備案 以後 還是 不能 直接 結算"  # the words the code before cut, unfolded
    if _db.engine.dialect.name != "postgresql":
        _db.session.execute(sa.text("INSERT INTO ticket_fts(ticket_fts, rowid, search_text) VALUES ('delete', :id, :t)"),
                            {"id": ticket.id, "t": ticket.search_text})
        _db.session.execute(sa.text("INSERT INTO ticket_fts(rowid, search_text) VALUES (:id, :t)"),
                            {"id": ticket.id, "t": as_indexed_before})
    ticket.search_text = as_indexed_before
    number = ticket.number

    agent_id = users["agent"].id

    def found(q):
        agent = _db.session.get(User, agent_id)
        query = search.ticket_query(_db.session, agent, search.TicketFilters(q=q), now)
        return [t.number for t in _db.session.scalars(query)]

    _db.session.commit()
    assert found("异地就医") == []  # the search folds the query; the old words are traditional
    _again_from("a7d9c1e3f5b2")
    assert _db.session.scalar(sa.select(Ticket.search_text).where(Ticket.number == number)).startswith("异地")
    assert found("异地就医") == [number] == found("異地就醫")
    assert found("結算") == [number]


def test_the_mailbox_levels_go_back_apart_when_migrated_down(db, users, now):
    """The same source id from the national and the centre's own 局长信箱 broke the downgrade (a review): the
    level's tickets go back under mailbox_director with the level before the id."""
    from tests.factories import make_ticket
    from ticketing.models import Ticket

    own = make_ticket(db, users, now, channel="mailbox_director", external_id="20261201").number
    national = make_ticket(db, users, now, channel="mailbox_director_national", external_id="20261201").number
    _again_from("6b84cebc6c84")  # before the levels were channels (then up again: they stay where they went)
    rows = {number: (channel, external_id) for number, channel, external_id in _db.session.execute(
        sa.select(Ticket.number, Ticket.channel, Ticket.external_id))}
    assert rows == {own: ("mailbox_director", "20261201"), national: ("mailbox_director", "national:20261201")}
