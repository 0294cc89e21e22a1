"""An administrator's setup week (a browser walk of a new county bureau, its rules and the settings): what it found,
each as a test that failed before the change."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ticketing.models import Department, RoutingRule
from ticketing.models.audit import AdminEvent
from ticketing.services import routing, settings


def _new_bureau(db):
    """托克托县医疗保障局, as an administrator enters it: the department's 区县 written in full."""
    db.session.add(Department(code="TKT", name="托克托县医疗保障局", region="托克托县"))
    db.session.commit()


# --------------------------------------------------------------------------- a rule that conflicts with another

def test_a_rule_with_the_conditions_of_another_is_refused_and_nothing_is_saved(db, users, auth, client):
    """The demo's 赛罕区 rule (priority 50, any category) sends the county to SHQ. A second rule for the same county
    (written 赛罕), the same priority, to another department was saved with 已新增 and never applied: the older rule
    wins a tie, which the rules list does not show. The administrator learnt it only from misrouted calls."""
    auth.login("admin")
    before = db.session.scalar(sa.select(sa.func.count(RoutingRule.id)))
    form = {"name": "赛罕区全部由待遇保障科办理", "priority": "50", "category": "", "region": "赛罕",
            "channel": "", "ticket_type": "", "department": "DYBZ"}
    response = client.post("/admin/rules", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "赛罕区的非举报事项由赛罕区医疗保障局办理" in page  # names the rule it conflicts with
    assert 'value="赛罕区全部由待遇保障科办理"' in page and 'value="赛罕"' in page  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count(RoutingRule.id))) == before
    assert db.session.scalar(sa.select(sa.func.count(AdminEvent.id)).where(
        AdminEvent.action == "routing rule created")) == 0


def test_a_rule_switched_back_on_beside_one_with_its_conditions_is_refused(db, users, auth, client):
    """The same conflict reached by 停用, a new rule, then 启用 of the old one."""
    auth.login("admin")
    old = db.session.scalar(sa.select(RoutingRule).where(RoutingRule.region == "赛罕区"))
    assert client.post(f"/admin/rules/{old.id}/active", data={"active": "0"}).status_code == 302
    assert client.post("/admin/rules", data={
        "name": "赛罕区全部由待遇保障科办理", "priority": "50", "category": "", "region": "赛罕区", "channel": "",
        "ticket_type": "", "department": "DYBZ"}).status_code == 302
    client.post(f"/admin/rules/{old.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert old.active is False


# --------------------------------------------------------------------------- one county, one spelling

def test_one_county_is_stored_one_way_whichever_known_spelling_is_typed(db, users, reference):
    """A rule written 托克托 beside the bureau's 托克托县: a call typed 托克托 kept 托克托, one typed 托克托县 or
    呼和浩特市托克托县 became 托克托县, and 工单统计's 按区县 listed 托克托县 10 and 托克托 2 (seen in a walk)."""
    _new_bureau(db)
    db.session.add(RoutingRule(name="托克托县待遇报销", priority=60, region="托克托",
                               department=db.session.scalar(sa.select(Department).where(Department.code == "TKT"))))
    db.session.commit()
    spellings = {routing.canonical_region(db.session, typed) for typed in ("托克托", "托克托县", "呼和浩特市托克托县")}
    assert spellings == {"托克托县"}


# --------------------------------------------------------------------------- settings as shown are settings as kept

def _form_values(page: str) -> dict[str, str]:
    """What the settings form holds as the page shows it, as a browser would send it."""
    form = page[page.index('<form method="post" novalidate>'):]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form[:form.index("</form>")]):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            values[name.group(1)] = value.group(1) if value else ""
    return values


def test_saving_the_settings_page_keeps_the_values_nobody_changed(db, users, auth, client):
    """The page shows the threshold with two decimals, the similarity with two and the callback shares as whole
    percentages. 0.999 (taken by the same page) was shown as 1.00, and the next save, of 回访尝试次数 only, wrote
    1.0: calls then waited in 待派发 unless the model was certain, and 操作日志 said the administrator set it."""
    settings.set_setting(db.session, "classifier_threshold", 0.999)
    settings.set_setting(db.session, "hotspot_similarity", 0.355)
    settings.set_setting(db.session, "callback_share", {**settings.get_setting(db.session, "callback_share"),
                                                        "consult": 0.333})
    db.session.commit()
    auth.login("admin")
    shown = _form_values(client.get("/admin/settings").get_data(as_text=True))
    assert client.post("/admin/settings", data={**shown, "callback_attempts": "2"}).status_code == 302
    db.session.expire_all()
    assert settings.get_setting(db.session, "callback_attempts") == 2
    assert settings.get_setting(db.session, "classifier_threshold") == 0.999
    assert settings.get_setting(db.session, "hotspot_similarity") == 0.355
    assert settings.get_setting(db.session, "callback_share")["consult"] == 0.333
    changed = db.session.scalars(sa.select(AdminEvent.details).where(AdminEvent.action == "setting changed")).all()
    assert [details["key"] for details in changed] == ["callback_attempts"]


# --------------------------------------------------------------------------- 分类模型: which threshold applies

@pytest.fixture()
def registry(app, tmp_path, monkeypatch):
    from classifiers.registry import ModelRegistry

    holder = app.extensions["classifier"]
    monkeypatch.setattr(holder, "registry_root", str(tmp_path / "registry"))
    holder.reset()
    yield ModelRegistry(tmp_path / "registry")
    holder._classifier, holder._version, holder.error = None, None, None
    holder.reset()


def test_the_model_page_says_the_threshold_set_on_the_settings_page_is_the_one_used(db, users, auth, client,
                                                                                  registry):
    """With 0.95 saved on 运行设置, 分类模型 listed each version's 自动派发阈值 (0.5) and nothing else: an
    administrator comparing versions took 0.5 for what dispatched calls, while 0.95 did."""
    from classifiers.corpus import read_csv
    from classifiers.train import train_model
    from tests.classifier_files import FIXTURE

    train_model(read_csv(FIXTURE), registry)
    settings.set_setting(db.session, "classifier_threshold", 0.95)
    db.session.commit()
    auth.login("admin")
    text = re.sub(r"<[^>]+>", "", client.get("/admin/classifier/").get_data(as_text=True))
    assert re.search(r"运行设置[^。\n]*0\.95|0\.95[^。\n]*运行设置", text), "the threshold in force is not named"


# --------------------------------------------------------------------------- 办理时限: which tickets an edit reaches

def test_an_edited_time_limit_is_said_to_reach_the_tickets_it_reaches(db, users, auth, client):
    """A 求助 call waiting in 待派发, its reply limit 5 working days from receipt; 求助's 答复时限 edited to 2; the
    call dispatched: it keeps 5, as the reply clock runs from receipt. The page said the edit reached "此后派发的工单",
    and the administrator expected the waiting calls to get 2 (a walk)."""
    from ticketing.models import DeadlinePolicy
    from ticketing.services import clock, tickets
    from tests.factories import make_ticket

    now = clock.now_utc()
    waiting = make_ticket(db, users, now, type="help")
    due = waiting.reply_due_at
    db.session.commit()
    policy = db.session.scalar(sa.select(DeadlinePolicy).where(
        DeadlinePolicy.ticket_type == "help", DeadlinePolicy.urgency == "normal", DeadlinePolicy.channel.is_(None),
        DeadlinePolicy.active.is_(True)))
    auth.login("admin")
    response = client.post(f"/admin/policies/{policy.id}", data={
        "ticket_type": "help", "urgency": "normal", "channel": "", "accept_amount": str(policy.accept_amount),
        "accept_unit": policy.accept_unit, "reply_amount": "2", "reply_unit": "working_days",
        "max_extension_days": ""}, follow_redirects=True)
    said = response.get_data(as_text=True)
    tickets.dispatch(db.session, waiting, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"],
                     now=clock.now_utc())
    assert waiting.reply_due_at == due  # the reply limit is the one in force at receipt
    assert "答复时限对此后受理的工单生效" in said and "（时限对此后派发的工单生效" not in said
