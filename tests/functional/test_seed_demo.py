"""flask seed-demo: every state on first start, nothing new the second time; create-user from stdin."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ticketing.models import AssistRequest, Department, ReviewAppeal, Ticket, TicketStatus, User
from ticketing.services import assessment, clock, demo, inbox, petition_reviews
from ticketing.services.reference_data import ensure_reference_data


def test_seed_demo_covers_every_state_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--password", "demo-pass-123"])
    assert first.exit_code == 0, first.output
    assert "演示账号" in first.output and "demo-pass-123" in first.output
    statuses = set(db.session.scalars(sa.select(Ticket.status).distinct()))
    assert statuses == {s.value for s in TicketStatus}
    departments = db.session.scalars(sa.select(Department.code)).all()
    staff = db.session.scalars(sa.select(User.username).where(User.role == "staff")).all()
    assert len(staff) == len(departments) + 1  # one demo user per department, and a colleague in 待遇保障科
    working = db.session.scalars(sa.select(User.username).join(Ticket, Ticket.handler_id == User.id)
                                 .where(Ticket.status == TicketStatus.ACCEPTED.value)).all()
    assert {"staff_dybz", "staff_dybz2"} <= set(working)  # 转交 has happened in the demo
    # the months before last are issued, as a centre would have; last month is still live
    this_month = assessment.month_of(clock.now_utc())
    months = [assessment.shift_month(this_month, -k) for k in (2, 1)]
    assert [assessment.issued_report(db.session, m) is not None for m in months] == [True, False]
    report = assessment.month_report(db.session, months[1], now=clock.now_utc())
    assert sum(row.received for row in report.rows) > 0
    assert any(row.previous_score is not None for row in report.rows)  # 较上月 has figures
    counts = (db.session.scalar(sa.select(sa.func.count(Ticket.id))), db.session.scalar(sa.select(sa.func.count(User.id))))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "新建 0 件" in second.output and "未改动" in second.output
    assert (db.session.scalar(sa.select(sa.func.count(Ticket.id))),
            db.session.scalar(sa.select(sa.func.count(User.id)))) == counts


@pytest.mark.parametrize("now", [datetime(2026, 12, 3, 6, 10), datetime(2026, 10, 8, 1, 0), datetime(2026, 5, 5, 23, 0)],
                         ids=["2026-12-03", "after-national-day", "may-day-holiday"])
def test_every_state_is_on_show_whatever_the_date(db, now):
    # which random walks succeed depends on the working-day calendar around now; the rare states are made on purpose
    ensure_reference_data(db.session)
    demo.ensure_demo_users(db.session, "demo-pass-123")
    demo.seed_demo_tickets(db.session, now=now.replace(tzinfo=timezone.utc))
    statuses = set(db.session.scalars(sa.select(Ticket.status).distinct()))
    assert statuses == {s.value for s in TicketStatus}
    # the colleague in 待遇保障科 works some tickets, handed over by the first
    handlers = db.session.scalars(sa.select(User.username).join(Ticket, Ticket.handler_id == User.id)
                                  .where(Ticket.status == TicketStatus.ACCEPTED.value)).all()
    if handlers.count("staff_dybz") + handlers.count("staff_dybz2") >= 2:
        assert "staff_dybz2" in handlers and "staff_dybz" in handlers
    # 工单质检: one review short of full marks, appealed by the agent and upheld by the administrator
    appeals = db.session.scalars(sa.select(ReviewAppeal)).all()
    assert [(a.agent.username, a.decision, a.decided_by.username, a.review.reviewer.username) for a in appeals] == [
        ("agent", "upheld", "admin", "supervisor")]
    # work past its deadline (督办's 已超期 and the browser test of 批量督办 start from it)
    moment = now.replace(tzinfo=timezone.utc)
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id)).where(inbox.overdue_condition(moment))) >= 3
    # 待告知: an approved extension the citizen has not been told of (the browser tests start from it)
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id)).where(inbox.notices_owed_condition())) >= 1
    # 协办: 待遇保障科 asked two departments; one answered, and 参保征缴科 has one to answer now
    requests = db.session.scalars(sa.select(AssistRequest).order_by(AssistRequest.id)).all()
    assert [(r.department.code, r.state) for r in requests] == [("CBZJ", "open"), ("YYFW", "answered"), ("CBZJ", "open")]
    assert all(r.ticket.department.code == "DYBZ" and r.requested_by.username == "staff_dybz" for r in requests)
    # 信访复查: a petitioner contests a recent answer, waiting for its opinion on 督办 (when one was answered lately)
    recent = db.session.scalar(sa.select(sa.func.count(Ticket.id)).where(
        Ticket.channel == "petition_bureau", Ticket.replied_at > moment - timedelta(days=25)))
    waiting = db.session.scalars(petition_reviews.waiting_query()).all()
    assert len(waiting) == (1 if recent else 0) and all(t.channel == "petition_bureau" for t in waiting)


def test_seed_reference_makes_a_new_installation_usable_without_demo_data(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-reference"])
    assert first.exit_code == 0, first.output
    assert "承办单位新建" in first.output and "业务分类新建 14 条" in first.output
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0  # no demo tickets
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0  # and no demo users
    renamed = db.session.scalar(sa.select(Department).where(Department.code == "DYBZ"))
    renamed.name = "待遇保障处"  # an administrator's change
    db.session.commit()
    second = runner.invoke(args=["seed-reference"])
    assert second.exit_code == 0 and "业务分类新建 0 条" in second.output and "承办单位新建 0 条" in second.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Department.name).where(Department.code == "DYBZ")) == "待遇保障处"


def test_create_user_reads_the_password_from_stdin(app, db, reference):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "li", "--role", "staff", "--department", "DYBZ"], input="long-password-1\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "li"))
    assert user.check_password("long-password-1") and user.department.code == "DYBZ"
    refused = runner.invoke(args=["create-user", "wang", "--role", "staff"], input="long-password-1\n")
    assert refused.exit_code != 0 and "--department" in refused.output


def test_with_a_model_each_demo_ticket_keeps_its_suggestion(app, db, monkeypatch):
    """The agent's category is recorded against the model's suggestion: the 督办 page's 30-day table has figures."""
    from tests.functional.api.conftest import StubClassifier, StubHolder
    from ticketing.models import CategoryLabel
    from ticketing.services import clock, learning

    stub = StubClassifier(0.9)  # DY for texts about 住院/报销, QT otherwise
    monkeypatch.setitem(app.extensions, "classifier", StubHolder(stub))
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", "demo-pass-123", "--tickets", "60"])
    assert result.exit_code == 0, result.output
    assert stub.calls >= 60
    labels = db.session.scalars(sa.select(CategoryLabel)).all()
    assert labels and all(label.suggested_category.code in {"DY", "QT"} for label in labels)
    kept = sum(label.suggested_category_id == label.to_category_id for label in labels)
    assert 0 < kept < len(labels)  # the stub is right about some categories and wrong about the rest
    outcomes = learning.suggestion_outcomes(db.session, clock.now_utc(), days=120)
    assert sum(row["total"] for row in outcomes) == len(labels)
    assert sum(row["accepted"] for row in outcomes) == kept


def test_create_user_checks_like_the_admin_page_and_is_logged(app, db, reference):
    from ticketing.models import AdminEvent

    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "zhao", "--role", "agent"], input="short\n")
    assert short.exit_code != 0 and "密码至少 8 位" in short.output
    assert runner.invoke(args=["create-user", "zhao", "--role", "agent"], input="long-password-1\n").exit_code == 0
    again = runner.invoke(args=["create-user", "zhao", "--role", "agent"], input="long-password-1\n")
    assert again.exit_code != 0 and "用户名 zhao 已存在" in again.output
    unknown = runner.invoke(args=["create-user", "qian", "--role", "staff", "--department", "NOPE"],
                            input="long-password-1\n")
    assert unknown.exit_code != 0 and "承办单位无效" in unknown.output
    events = db.session.scalars(sa.select(AdminEvent)).all()
    assert [(e.action, e.actor_label, e.details["username"]) for e in events] == [("user created", "系统", "zhao")]


def test_seed_demo_refuses_a_centres_own_database(app, db):
    """make run with a production DATABASE_URL left in the shell wrote demo accounts and invented citizens into it."""
    from tests.conftest import make_user
    from ticketing.models import Role

    make_user(db, "admin", Role.ADMIN)  # an operator's first account, made with create-user
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", "demo-pass-123", "--tickets", "5"])
    assert result.exit_code == 1 and "不是演示数据库" in result.output and "--force" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_a_fresh_database_gives_the_county_bureaus_their_parent(db):
    """The bureau was looked up before the first pass created it, so 上级单位 was empty in a fresh database."""
    ensure_reference_data(db.session)
    db.session.commit()
    departments = {d.code: d for d in db.session.scalars(sa.select(Department))}
    assert departments["SHQ"].parent is departments["RXZX"] and departments["TMTZ"].parent is departments["RXZX"]
