"""操作日志: every administrative change is kept with who and when, listed and filtered for administrators."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.factories import make_ticket
from ticketing.models import AdminEvent
from ticketing.services import audit, clock


def _events(db):
    return db.session.scalars(sa.select(AdminEvent).order_by(AdminEvent.id)).all()


def test_changes_made_on_the_admin_pages_are_recorded(db, client, users, auth):
    auth.login("admin")
    assert client.post("/admin/rules", data={"name": "赛罕区归区局", "priority": "10", "category": "CB",
                                             "region": "赛罕区", "channel": "", "ticket_type": "",
                                             "department": "CBZJ"}).status_code == 302
    client.post("/admin/users", data={"username": "clerk", "display_name": "新话务员", "role": "agent",
                                      "password": "first-pass-123"})
    clerk = next(u for u in db.session.scalars(sa.select(audit.User)) if u.username == "clerk")
    client.post(f"/admin/users/{clerk.id}/password", data={"password": "another-pass-2",
                                                                 "confirm": "another-pass-2"})
    recorded = _events(db)
    assert [e.action for e in recorded] == ["routing rule created", "user created", "password reset"]
    assert all(e.actor_id == users["admin"].id and e.actor_label == users["admin"].display_name for e in recorded)
    assert recorded[0].details["name"] == "赛罕区归区局" and recorded[0].details["region"] == "赛罕区"
    assert not any("pass" in str(e.details) for e in recorded)  # no password is ever written

    html = client.get("/admin/audit").get_data(as_text=True)
    for title in ("新建路由规则", "新建用户", "重置密码"):
        assert f"<td>{title}</td>" in html
    assert "名称：赛罕区归区局" in html
    only = client.get("/admin/audit?action=user+created").get_data(as_text=True)
    assert "<td>新建用户</td>" in only and "名称：赛罕区归区局" not in only


def test_locks_weights_and_own_password_changes_are_recorded(db, client, users, auth):
    for _ in range(5):
        auth.login("agent", "wrong-password")
    auth.login("supervisor")
    client.post("/assessment/weights", data={"accept": "10", "on_time": "40", "satisfaction": "30",
                                             "resolution": "20"})
    client.post("/account/password", data={"current": PASSWORD, "password": "new-secret-9",
                                           "confirm": "new-secret-9"})
    actions = [e.action for e in _events(db)]
    assert actions == ["account locked", "assessment weights changed", "password changed"]
    locked = _events(db)[0]
    assert locked.actor_id is None and locked.actor_label == "系统" and locked.details["username"] == "agent"


def test_the_page_filters_by_user_and_day_and_is_for_administrators_only(db, client, users, auth):
    now = clock.now_utc()
    audit.record(db.session, users["admin"], "setting changed", now=now - timedelta(days=3), key="near_deadline_hours",
                 value=24)
    audit.record(db.session, users["supervisor"], "assessment weights changed", now=now, weights="…")
    db.session.commit()
    auth.login("admin")
    today = now.astimezone(audit.LOCAL_TZ).date().isoformat()
    html = client.get(f"/admin/audit?day_from={today}").get_data(as_text=True)
    assert "<td>修改考核权重</td>" in html and "<td>修改运行设置</td>" not in html
    html = client.get("/admin/audit?actor=admin").get_data(as_text=True)
    assert "<td>修改运行设置</td>" in html and "设置项：临近到期提醒（小时）" in html and "<td>修改考核权重</td>" not in html
    bad = client.get("/admin/audit?day_from=3-12").get_data(as_text=True)
    assert "日期“3-12”格式不正确" in bad and "<td>修改考核权重</td>" in bad  # a bad date is said and ignored
    auth.logout()
    for who in ("supervisor", "agent", "staff_dybz"):
        auth.login(who)
        assert client.get("/admin/audit").status_code == 403
        auth.logout()


def test_full_views_of_callers_are_listed_by_user(db, client, users, auth, now):
    ticket = make_ticket(db, users, now)
    db.session.commit()
    auth.login("agent")
    client.get(f"/tickets/{ticket.number}")  # the agent sees the caller in full: logged
    auth.logout()
    auth.login("admin")
    html = client.get("/admin/audit?tab=views&actor=agent").get_data(as_text=True)
    assert ticket.number in html and "（agent）" in html
    assert ticket.number not in client.get("/admin/audit?tab=views&actor=supervisor").get_data(as_text=True)


def test_passwords_and_unknown_actions_are_refused(db, users):
    with pytest.raises(ValueError, match="passwords"):
        audit.record(db.session, users["admin"], "user created", username="x", password="secret-1")
    with pytest.raises(ValueError, match="unknown admin action"):
        audit.record(db.session, users["admin"], "something else")


def test_api_tokens_issued_and_revoked_are_recorded(db, users, now):
    from ticketing.services import api_tokens

    issued = api_tokens.issue_token(db.session, now=now, channel="mailbox_mayor", name="市长信箱推送")
    api_tokens.revoke(db.session, issued.record.id)
    db.session.commit()
    recorded = _events(db)
    assert [e.action for e in recorded] == ["api token issued", "api token revoked"]
    assert recorded[0].details == {"id": issued.record.id, "name": "市长信箱推送", "channel": "mailbox_mayor",
                                   "username": None, "expires_at": None}
    assert issued.token not in str(recorded[0].details)  # the token itself is shown once and never kept
    dated = api_tokens.issue_token(db.session, now=now, user=users["agent"], valid_days=30)
    assert _events(db)[-1].details["expires_at"] == "2026-04-01 09:00"
    assert dated.record.expires_at == now + timedelta(days=30)


def test_a_time_limit_change_records_the_longest_extension_and_reads_in_words(db, users, reference):
    """An administrator review: 最长延期 went unrecorded, and the log showed suggestion, normal, 1 working_days."""
    from ticketing.models import DeadlinePolicy
    from ticketing.services import administration

    policy = db.session.scalar(sa.select(DeadlinePolicy).where(DeadlinePolicy.ticket_type == "suggestion",
                                                              DeadlinePolicy.urgency == "normal"))
    data = administration.PolicyInput(ticket_type="suggestion", urgency=policy.urgency, channel=policy.channel,
                                      accept_amount=1, accept_unit="working_days", reply_amount=10,
                                      reply_unit="working_days", max_extension_days=20)
    administration.save_deadline_policy(db.session, policy, data, actor=users["admin"])
    logged = _events(db)[-1]
    assert logged.details["max_extension_days"] == 20
    words = audit.describe(logged.details)
    assert "诉求类型：建议" in words and "紧急程度：一般" in words and "签收时限：1 个工作日" in words and "答复时限：10 个工作日" in words
    assert "最长延期（天）：20" in words
    assert audit.describe({"kind": "holiday", "role": "staff", "channel": "mailbox_mayor"}) == \
        "类型：放假；角色：承办人员；来源：市长信箱"


def test_a_rename_keeps_the_old_name_in_the_log(db, users, reference):
    from ticketing.services import administration

    department = reference["BGS"]
    administration.save_department(db.session, department, administration.DepartmentInput(
        code="BGS", name="局办公室"), actor=users["admin"])
    logged = _events(db)[-1]
    assert "名称：局办公室" in audit.describe(logged.details) and "原名称：办公室" in audit.describe(logged.details)


def test_a_setting_change_reads_in_the_pages_words_with_what_it_was(db, users):
    """A copy review: 操作日志 said 设置项：callback_share；值：{'consult': 0.3, …}."""
    from ticketing.services import administration, settings

    form = administration.current_settings(db.session)
    form.callback_share = dict(settings.DEFAULTS["callback_share"], consult=0.3)
    administration.save_settings(db.session, form, actor=users["admin"])
    (event,) = _events(db)
    words = audit.describe(event.details)
    assert words.startswith("设置项：回访比例；原值：咨询 20%、求助 50%") and "；值：咨询 30%、求助 50%" in words


def test_departments_and_categories_read_by_name_with_their_code(db, client, users, auth, reference):
    """操作日志 read a rule's 承办单位 and 业务分类 as codes (TKT, DY): an administrator's week."""
    auth.login("admin")
    assert client.post("/admin/rules", data={"name": "赛罕区待遇报销", "category": "DY", "region": "赛罕区",
                                             "priority": "50", "channel": "", "ticket_type": "",
                                             "department": "DYBZ"}).status_code == 302
    html = client.get("/admin/audit").get_data(as_text=True)
    row = html[html.index("<td>新建路由规则</td>"):]
    row = row[:row.index("</tr>")]
    assert "承办单位：待遇保障科（DYBZ）" in row and "业务分类：" in row and "（DY）" in row
