"""系统管理 pages: only administrators; routing rules with preview, deadline policies, calendar, settings, users."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from ticketing.models import CalendarYear, DeadlinePolicy, Holiday, RoutingRule, User
from ticketing.services import settings

ADMIN_PAGES = ["/admin/", "/admin/rules", "/admin/policies", "/admin/calendar", "/admin/settings", "/admin/users"]


@pytest.mark.parametrize("username", ["agent", "staff_dybz", "supervisor"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_only_administrators_see_admin_pages(users, auth, client, username, path):
    auth.login(username)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/rules", "/admin/users", "/admin/settings", "/admin/calendar/years"])
def test_posts_by_others_are_refused(users, auth, client, path):
    auth.login("supervisor")
    assert client.post(path, data={}).status_code == 403


def test_anonymous_is_sent_to_login(users, client):
    response = client.get("/admin/rules")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_render(users, auth, client, path):
    auth.login("admin")
    response = client.get(path)
    assert response.status_code == 200
    assert "系统管理" in response.get_data(as_text=True) or "总览" in response.get_data(as_text=True)


def test_create_edit_and_deactivate_a_routing_rule(db, users, auth, client):
    auth.login("admin")
    response = client.post("/admin/rules", data={
        "name": "赛罕区异地就医由县局办理", "priority": "120", "category": "YD", "region": "赛罕区",
        "channel": "", "ticket_type": "", "department": "SHQ"})
    assert response.status_code == 302
    rule = db.session.scalar(sa.select(RoutingRule).where(RoutingRule.name == "赛罕区异地就医由县局办理"))
    assert rule.priority == 120 and rule.department.code == "SHQ" and rule.category.code == "YD"

    response = client.post(f"/admin/rules/{rule.id}", data={
        "name": rule.name, "priority": "130", "category": "YD", "region": "赛罕区", "channel": "",
        "ticket_type": "", "department": "YDJS"})
    assert response.status_code == 302
    db.session.expire_all()
    assert rule.priority == 130 and rule.department.code == "YDJS"

    assert client.post(f"/admin/rules/{rule.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert rule.active is False


def test_rule_errors_are_shown_in_chinese_and_input_kept(db, users, auth, client):
    auth.login("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(RoutingRule))
    response = client.post("/admin/rules", data={
        "name": "没有条件的规则", "priority": "10", "category": "", "region": "", "channel": "",
        "ticket_type": "", "department": "DYBZ"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "至少设置一个条件" in text and 'value="没有条件的规则"' in text
    response = client.post("/admin/rules", data={"name": "", "priority": "abc", "department": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "请填写规则名称" in text and "请填写整数" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutingRule)) == before


def test_preview_shows_the_rule_that_would_apply(users, auth, client):
    auth.login("admin")
    text = client.get("/admin/rules", query_string={
        "preview": "1", "category": "JJ", "region": "赛罕区", "channel": "hotline_12393", "ticket_type": "report"}
    ).get_data(as_text=True)
    assert "基金监管科" in text and "欺诈骗保举报一律由基金监管科办理" in text  # priority 90 beats the county's 50
    text = client.get("/admin/rules", query_string={"preview": "1", "category": "DY", "region": "赛罕区"}
                      ).get_data(as_text=True)
    assert "赛罕区医疗保障局" in text
    text = client.get("/admin/rules", query_string={"preview": "1", "category": "DY"}).get_data(as_text=True)
    assert "待遇保障科" in text and "默认承办单位" in text


def test_edit_a_deadline_policy_and_validation(db, users, auth, client):
    auth.login("admin")
    policy = db.session.scalar(sa.select(DeadlinePolicy).where(
        DeadlinePolicy.ticket_type == "consult", DeadlinePolicy.urgency == "normal", DeadlinePolicy.channel.is_(None)))
    form = {"ticket_type": "consult", "urgency": "normal", "channel": "", "accept_amount": "0",
            "accept_unit": "working_days", "reply_amount": "4", "reply_unit": "working_days", "max_extension_days": ""}
    response = client.post(f"/admin/policies/{policy.id}", data=form)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "签收时限必须是正整数" in text and 'value="4"' in text
    response = client.post(f"/admin/policies/{policy.id}", data=dict(form, accept_amount="1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert policy.reply_amount == 4

    response = client.post("/admin/policies", data=dict(form, accept_amount="1"))  # same conditions again
    assert response.status_code == 400 and "已有相同类型" in response.get_data(as_text=True)


def test_enter_holidays_and_confirm_a_year(db, users, auth, client):
    auth.login("admin")
    assert client.post("/admin/calendar/days", data={"day": "2027-10-01", "kind": "holiday", "name": "国庆节"}
                       ).status_code == 302
    assert client.post("/admin/calendar/days", data={"day": "2027-09-26", "kind": "workday", "name": "国庆调休"}
                       ).status_code == 302
    again = client.post("/admin/calendar/days", data={"day": "2027-10-01", "kind": "workday", "name": ""})
    assert again.status_code == 400 and "已录入" in again.get_data(as_text=True)
    bad = client.post("/admin/calendar/days", data={"day": "明天", "kind": "holiday"})
    assert bad.status_code == 400 and "日期格式应为" in bad.get_data(as_text=True)
    assert {h.day: h.kind for h in db.session.scalars(sa.select(Holiday))} == {
        date(2027, 10, 1): "holiday", date(2027, 9, 26): "workday"}

    assert client.post("/admin/calendar/years", data={"year": "2027", "confirmed": "1"}).status_code == 302
    assert db.session.get(CalendarYear, 2027).confirmed is True
    holiday = db.session.scalar(sa.select(Holiday).where(Holiday.day == date(2027, 10, 1)))
    assert client.post(f"/admin/calendar/days/{holiday.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Holiday)) == 1


def test_settings_are_saved_and_validated(db, users, auth, client):
    auth.login("admin")
    form = {"share_consult": "30", "share_help": "50", "share_complaint": "100", "share_report": "100",
            "share_suggestion": "20", "share_praise": "0", "return_window_working_days": "3",
            "classifier_threshold": "0.75", "near_deadline_hours": "48", "callback_attempts": "2",
            "callback_retry_minutes": "90", "assist_working_days": "5", "hotspot_similarity": "0.6"}
    assert client.post("/admin/settings", data=form).status_code == 302
    db.session.expire_all()
    assert settings.get_setting(db.session, "callback_share")["consult"] == 0.3
    assert settings.get_setting(db.session, "return_window_working_days") == 3
    assert settings.get_setting(db.session, "classifier_threshold") == 0.75
    assert settings.get_setting(db.session, "near_deadline_hours") == 48
    assert settings.get_setting(db.session, "callback_attempts") == 2
    assert settings.get_setting(db.session, "callback_retry_minutes") == 90
    assert settings.get_setting(db.session, "hotspot_similarity") == 0.6
    assert settings.get_setting(db.session, "assist_working_days") == 5
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="30"' in page and 'value="0.75"' in page

    response = client.post("/admin/settings", data=dict(form, share_consult="150", return_window_working_days="0",
                                                        callback_attempts="0", hotspot_similarity="0.95",
                                                        callback_retry_minutes="1500", assist_working_days="0"))
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "应在 0 到 100 之间" in text and 'value="150"' in text
    assert "应为 1 到 10 次" in text and "应在 0.3 到 0.9 之间" in text and "应为 0 到 1440 分钟" in text
    assert "应为 1 到 30 个工作日" in text
    assert settings.get_setting(db.session, "return_window_working_days") == 3


def test_create_deactivate_and_reset_password(db, users, auth, client):
    auth.login("admin")
    missing_department = client.post("/admin/users", data={
        "username": "clerk", "display_name": "小李", "role": "staff", "department": "", "password": "long-enough-1"})
    assert missing_department.status_code == 400 and "承办人员必须指定" in missing_department.get_data(as_text=True)
    assert client.post("/admin/users", data={
        "username": "clerk", "display_name": "小李", "role": "staff", "department": "YDJS",
        "password": "long-enough-1"}).status_code == 302
    clerk = db.session.scalar(sa.select(User).where(User.username == "clerk"))
    assert clerk.department.code == "YDJS" and clerk.check_password("long-enough-1")
    duplicate = client.post("/admin/users", data={"username": "clerk", "role": "agent", "password": "long-enough-1"})
    assert duplicate.status_code == 400 and "已存在" in duplicate.get_data(as_text=True)

    short = client.post(f"/admin/users/{clerk.id}/password", data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "密码至少 8 位" in short.get_data(as_text=True)
    assert client.post(f"/admin/users/{clerk.id}/password", data={
        "password": "another-pass-2", "confirm": "another-pass-2"}).status_code == 302
    assert client.post(f"/admin/users/{clerk.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert clerk.check_password("another-pass-2") and clerk.active is False

    admin = users["admin"]
    assert client.post(f"/admin/users/{admin.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert admin.active is True  # an administrator cannot lock themselves out

    auth.logout()
    response = auth.login("clerk", "another-pass-2")
    assert "已停用" in response.get_data(as_text=True)


def test_admin_forms_need_the_csrf_token(app, db, users, auth, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        with app.app_context():  # a request of its own: Flask-Login caches the user on `g` of the test's context
            refused = client.post("/login", data={"username": "admin", "password": "x"})
        assert refused.status_code == 302 and refused.headers["Location"] == "/login"  # the form again, not a sign-in
        with client.session_transaction() as session_data:
            session_data["_user_id"] = users["admin"].get_id()
            session_data["_fresh"] = True
        response = client.post("/admin/rules", data={"name": "x", "priority": "1", "region": "赛罕区",
                                                     "department": "DYBZ"})
        assert response.status_code == 400
        assert db.session.scalar(sa.select(RoutingRule).where(RoutingRule.name == "x")) is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_year_the_calendar_does_not_cover_is_computed_and_shown_unconfirmed(db, users, auth, client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ticketing.services import administration, tickets

    later = datetime(2031, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday, beyond chinesecalendar
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="2031 年的咨询", category_code="DY")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=later).ticket
    assert ticket.reply_due_at is not None and ticket.calendar_confirmed is False
    db.session.commit()
    auth.login("admin")
    assert "日历未确认" in client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    administration.add_calendar_day(db.session, date(2031, 10, 1), "holiday", "国庆节", actor=users["admin"])
    administration.set_year_confirmed(db.session, 2031, True, actor=users["admin"])
    confirmed = tickets.register_ticket(db.session, data, actor=users["agent"], now=later).ticket
    assert confirmed.calendar_confirmed is True


def test_a_holiday_period_is_entered_from_one_form(db, users, auth, client):
    auth.login("admin")
    response = client.post("/admin/calendar/days", data={"day": "2027-02-06", "last_day": "2027-02-14",
                                                         "kind": "holiday", "name": "春节"})
    assert response.status_code == 302
    assert "已录入 2027-02-06 至 2027-02-14" in client.get("/admin/calendar").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Holiday).where(Holiday.name == "春节")) == 9

    backwards = client.post("/admin/calendar/days", data={"day": "2027-10-07", "last_day": "2027-10-01",
                                                          "kind": "holiday", "name": "国庆节"})
    page = backwards.get_data(as_text=True)
    assert backwards.status_code == 400 and "结束日期不能早于开始日期" in page and 'value="2027-10-07"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Holiday)) == 9


def test_administrators_are_reminded_of_next_years_holidays_from_november(db, users, auth, client, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ticketing.services import clock

    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    auth.login("supervisor")
    supervisor_page = client.get("/supervise/")
    assert supervisor_page.status_code == 200 and "节假日安排尚未确认" not in supervisor_page.get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "2027 年节假日安排尚未确认" in page and 'href="/admin/calendar"' in page
    refused = client.post("/admin/calendar/years", data={"year": "2027", "confirmed": "1"})
    assert refused.status_code == 400 and "2027 年尚未录入任何放假日" in refused.get_data(as_text=True)
    assert "2027 年节假日安排尚未确认" in client.get("/admin/users").get_data(as_text=True)
    client.post("/admin/calendar/days", data={"day": "2027-01-01", "kind": "holiday", "name": "元旦"})
    client.post("/admin/calendar/years", data={"year": "2027", "confirmed": "1"})
    assert "节假日安排尚未确认" not in client.get("/admin/users").get_data(as_text=True)


def test_a_user_name_differing_only_in_case_is_refused(db, client, users, auth):
    """An administrator review: Admin and ADMIN were created beside admin, look-alike people in every list."""
    auth.login("admin")
    response = client.post("/admin/users", data={"username": "ADMIN", "display_name": "另一个", "role": "agent",
                                                 "password": "long-enough-1"})
    assert response.status_code == 400 and "已有用户 admin，用户名不能只差大小写" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.username == "ADMIN")) == 0


def test_a_disabled_account_enabled_again_does_not_get_its_old_sessions_back(app, db, users, auth, client):
    """An administrator review: disabling signed the user out, but after re-enabling the old cookie opened
    /inbox/ again without a sign-in."""
    staff = app.test_client()

    def inbox() -> int:
        with app.app_context():  # a request of its own: Flask-Login caches the user on `g` of the test's context
            return staff.get("/inbox/").status_code

    def sign_in() -> int:
        with app.app_context():
            return staff.post("/login", data={"username": "staff_dybz", "password": PASSWORD}).status_code

    assert sign_in() == 302 and inbox() == 200
    auth.login("admin")
    user = users["staff_dybz"]
    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert inbox() == 302
    client.post(f"/admin/users/{user.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(User, user.id).active is True
    assert inbox() == 302  # signed out still: a new sign-in is needed
    assert sign_in() == 302 and inbox() == 200


def test_an_administrator_moves_a_user_to_another_department_and_role(db, client, users, auth, now):
    """An administrator review: there was no way to change a user's role, department or name."""
    from tests.factories import make_ticket
    from ticketing.models import AdminEvent
    from ticketing.models import TicketStatus

    auth.login("admin")
    clerk = users["staff_cbzj"]
    page = client.get(f"/admin/users/{clerk.id}/edit").get_data(as_text=True)
    assert 'selected value="CBZJ"' in page and "修改用户：staff_cbzj" in page
    response = client.post(f"/admin/users/{clerk.id}/edit", data={"display_name": "李明", "role": "staff",
                                                                  "department": "YDJS"})
    assert response.status_code == 302
    db.session.expire_all()
    clerk = db.session.get(User, clerk.id)
    assert (clerk.display_name, clerk.department.code) == ("李明", "YDJS")
    logged = db.session.scalars(sa.select(AdminEvent).order_by(AdminEvent.id.desc())).first()
    assert logged.action == "user changed" and logged.details["department"] == "参保征缴科 → 异地就医结算中心"

    # staff made agent without a department; a staff member still holding tickets is not moved
    refused = client.post(f"/admin/users/{clerk.id}/edit", data={"display_name": "李明", "role": "staff",
                                                                 "department": ""})
    assert refused.status_code == 400 and "承办人员必须指定所属承办单位" in refused.get_data(as_text=True)
    make_ticket(db, users, now, status=TicketStatus.ACCEPTED)  # staff_dybz is its 经办人
    db.session.commit()
    holder = users["staff_dybz"]
    refused = client.post(f"/admin/users/{holder.id}/edit", data={"display_name": "staff_dybz", "role": "staff",
                                                                  "department": "CBZJ"})
    assert refused.status_code == 400 and "仍是 1 件办理中工单的经办人" in refused.get_data(as_text=True)
    renamed = client.post(f"/admin/users/{holder.id}/edit", data={"display_name": "王芳", "role": "staff",
                                                                  "department": "DYBZ"})
    assert renamed.status_code == 302  # a new name is no move
    own = client.post(f"/admin/users/{users['admin'].id}/edit", data={"display_name": "管理员", "role": "agent",
                                                                     "department": ""})
    assert own.status_code == 400 and "不能修改自己的角色" in own.get_data(as_text=True)


def test_the_policies_page_says_a_petitions_extension_is_the_statutes(db, client, users, auth):
    """Urgent petitions read 未设（365 日） while every petition is held to 30 days (a domain review)."""
    auth.login("admin")
    html = client.get("/admin/policies").get_data(as_text=True)
    rows = [row for row in html.split("<tr") if "信访局转办" in row]
    assert rows and all("30 日（信访工作条例，不随此设置）" in row for row in rows)
    assert "未设（365 日）" in html  # other kinds without a maximum still have the ceiling
