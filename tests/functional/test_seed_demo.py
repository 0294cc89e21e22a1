"""flask seed-demo: every state on first start, nothing new the second time; create-user from stdin."""
from __future__ import annotations

import sqlalchemy as sa

from ticketing.models import Department, Ticket, TicketStatus, User


def test_seed_demo_covers_every_state_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--password", "demo-pass-123"])
    assert first.exit_code == 0, first.output
    assert "演示账号" in first.output and "demo-pass-123" in first.output
    statuses = set(db.session.scalars(sa.select(Ticket.status).distinct()))
    assert statuses == {s.value for s in TicketStatus}
    departments = db.session.scalars(sa.select(Department.code)).all()
    staff = db.session.scalars(sa.select(User.username).where(User.role == "staff")).all()
    assert len(staff) == len(departments)  # one demo user per department
    counts = (db.session.scalar(sa.select(sa.func.count(Ticket.id))), db.session.scalar(sa.select(sa.func.count(User.id))))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "新建 0 件" in second.output and "未改动" in second.output
    assert (db.session.scalar(sa.select(sa.func.count(Ticket.id))),
            db.session.scalar(sa.select(sa.func.count(User.id)))) == counts


def test_create_user_reads_the_password_from_stdin(app, db, reference):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "li", "--role", "staff", "--department", "DYBZ"], input="long-password-1\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "li"))
    assert user.check_password("long-password-1") and user.department.code == "DYBZ"
    refused = runner.invoke(args=["create-user", "wang", "--role", "staff"], input="long-password-1\n")
    assert refused.exit_code != 0 and "--department" in refused.output
