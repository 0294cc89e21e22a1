"""What happens to work when an administrator changes departments, rules and categories (an admin-changes review,
4 Dec 2026): a 停用 department gets no new work and is not switched off while it holds some."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Category, Department, RoutingRule, TicketStatus
from ticketing.services import administration, assists, routing, tickets
from ticketing.services.errors import ValidationFailed

S = TicketStatus


@pytest.fixture()
def county(db, reference):
    """A county bureau with a routing rule for its region's 医疗救助, then switched off (nothing held it back)."""
    bureau = Department(code="XCQ", name="新城区医疗保障局", region="新城区")
    db.session.add(bureau)
    jz = db.session.scalar(sa.select(Category).where(Category.code == "JZ"))
    rule = RoutingRule(name="新城区医疗救助", priority=200, category=jz, region="新城区", department=bureau)
    db.session.add(rule)
    db.session.flush()
    rule.active, bureau.active = False, False
    db.session.commit()
    return {"bureau": bureau, "rule": rule, "category": jz}


def test_a_rule_to_a_switched_off_department_cannot_be_switched_back_on(db, users, county):
    with pytest.raises(ValidationFailed, match="承办单位“新城区医疗保障局”已停用"):
        administration.set_rule_active(db.session, county["rule"], True, actor=users["admin"])
    assert county["rule"].active is False


def test_a_new_ticket_is_not_dispatched_to_a_switched_off_department(db, users, county, now):
    county["rule"].active = True  # as it could be before the check above
    decision = routing.route(db.session, category=county["category"], region="新城区")
    assert decision.department is not None and decision.department.code != "XCQ"  # the category's default instead
    county["category"].default_department.active = False
    decision = routing.route(db.session, category=county["category"], region="新城区")
    assert decision.department is None and "已停用" in decision.reason

    data = tickets.TicketInput(channel="hotline_12393", type="help", content="申请医疗救助", category_code="JZ",
                               region="新城区")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=now).ticket
    assert ticket.status == S.REGISTERED.value and ticket.department is None  # waits in 待派发


def test_a_category_whose_default_department_is_switched_off_cannot_be_switched_back_on(db, users, county):
    category = county["category"]
    category.default_department = county["bureau"]
    category.active = False
    with pytest.raises(ValidationFailed, match="默认承办单位“新城区医疗保障局”已停用"):
        administration.set_category_active(db.session, category, True, actor=users["admin"])


def test_a_department_holding_tickets_or_owing_help_is_not_switched_off(db, users, reference, now):
    cbzj = reference["CBZJ"]
    for category in db.session.scalars(sa.select(Category).where(Category.default_department_id == cbzj.id)):
        category.default_department = reference["DYBZ"]
    for rule in db.session.scalars(sa.select(RoutingRule).where(RoutingRule.department_id == cbzj.id)):
        rule.active = False
    held = make_ticket(db, users, now, status=S.ACCEPTED, category="CB", department="CBZJ")
    asking = make_ticket(db, users, now, status=S.ACCEPTED)
    assists.request_assist(db.session, asking, cbzj, "请核实缴费记录", actor=users["staff_dybz"], now=now)
    with pytest.raises(ValidationFailed, match="还有 1 件在办工单、1 件待反馈的协办"):
        administration.set_department_active(db.session, cbzj, False, actor=users["admin"])
    assert cbzj.active is True

    tickets.reassign(db.session, held, reference["DYBZ"], reason="调整职责", actor=users["supervisor"], now=now)
    assists.withdraw_assist(db.session, asking, "CBZJ", "已自行核实", actor=users["staff_dybz"], now=now)
    administration.set_department_active(db.session, cbzj, False, actor=users["admin"])
    assert cbzj.active is False
    with pytest.raises(ValidationFailed) as refused:
        tickets.department_by_code(db.session, "CBZJ")
    assert "参保征缴科（CBZJ）已停用" in refused.value.fields["department"]


def test_batch_dispatch_refuses_a_switched_off_category(db, users, reference, now):
    data = tickets.TicketInput(channel="hotline_12393", type="complaint", content="定点药店拒刷医保卡", category_code="DD")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=now, route_now=False).ticket
    ticket.category.active = False
    with pytest.raises(ValidationFailed, match="已停用"):
        tickets.dispatch_as_suggested(db.session, ticket, actor=users["agent"], now=now)
    assert ticket.status == S.REGISTERED.value


def test_a_department_cannot_be_put_under_one_of_its_own(db, users, reference):
    top = administration.save_department(db.session, None, administration.DepartmentInput(code="XCQ", name="新城区医保局"),
                                         actor=users["admin"])
    below = administration.save_department(db.session, None, administration.DepartmentInput(
        code="XCQZX", name="新城区医保服务中心", parent_code="XCQ"), actor=users["admin"])
    with pytest.raises(ValidationFailed) as refused:
        administration.save_department(db.session, top, administration.DepartmentInput(
            code="XCQ", name="新城区医保局", parent_code="XCQZX"), actor=users["admin"])
    assert "是本单位的下级单位" in refused.value.fields["parent"]
    assert top.parent is None and below.parent is top


def test_a_switched_off_category_gets_no_new_rule_or_answer(db, users, reference):
    """A rule or 答复口径 for a 停用 category was accepted without a word: no new ticket takes that category."""
    jz = db.session.scalar(sa.select(Category).where(Category.code == "JZ"))
    rule = administration.save_routing_rule(db.session, None, administration.RuleInput(
        name="医疗救助到待遇科", priority=10, department_code="DYBZ", category_code="JZ"), actor=users["admin"])
    answer = administration.add_standard_answer(db.session, category_code="JZ", title="救助申请材料",
                                                content="请携带身份证和诊断证明到户籍地医保局申请。", actor=users["admin"])
    rule.active, answer.active, jz.active = False, False, False
    db.session.flush()

    with pytest.raises(ValidationFailed) as refused:
        administration.save_routing_rule(db.session, None, administration.RuleInput(
            name="医疗救助到征缴科", priority=20, department_code="CBZJ", category_code="JZ"), actor=users["admin"])
    assert "已停用" in refused.value.fields["category"]
    with pytest.raises(ValidationFailed) as refused:
        administration.add_standard_answer(db.session, category_code="JZ", title="救助标准",
                                           content="按当地救助标准执行。", actor=users["admin"])
    assert "已停用" in refused.value.fields["category"]
    with pytest.raises(ValidationFailed, match="业务分类“.*”已停用"):
        administration.set_rule_active(db.session, rule, True, actor=users["admin"])
    with pytest.raises(ValidationFailed, match="业务分类“.*”已停用"):
        administration.set_standard_answer_active(db.session, answer, True, actor=users["admin"])
    assert rule.active is False and answer.active is False

    # an existing rule keeps its category when only its priority is edited
    administration.save_routing_rule(db.session, rule, administration.RuleInput(
        name="医疗救助到待遇科", priority=30, department_code="DYBZ", category_code="JZ"), actor=users["admin"])
    assert rule.priority == 30
