"""通知公告: a supervisor publishes to chosen roles; each reader sees it under 通知公告 with a badge, an
important one atop every page until marked read; the author sees who has read it; withdrawn and expired ones
are no longer shown; bad input is refused in Chinese and nothing is published."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ticketing.models import AdminEvent, Announcement, AnnouncementRead
from ticketing.services import announcements, audit, clock
from ticketing.services.errors import NotAllowed, NotFound, ValidationFailed


@pytest.fixture()
def today(monkeypatch, now):
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    return now


def publish(db, users, now, **fields):
    values = {"title": "门诊共济口径调整", "content": "12月起个人账户可为配偶、父母、子女支付门诊费用。",
              "roles": ["agent"], "important": False, "expires_on": None} | fields
    announcement = announcements.publish(db.session, actor=users["supervisor"], now=now, **values)
    db.session.commit()
    return announcement


def test_a_supervisor_publishes_and_an_agent_reads(db, users, auth, client, today):
    auth.login("supervisor")
    html = client.post("/announcements/", data={"title": "", "content": "", "expires_on": "2026-02-30"},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写标题" in html and "请填写内容" in html and "请选择发给哪些人员" in html
    assert "日期格式应为 2027-10-01" in html and db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0
    html = client.post("/announcements/", data={
        "title": "某三甲医院结算系统故障", "content": "今天上午该院无法直接结算，来电请告知可先垫付后手工报销。",
        "roles": ["agent", "staff"], "important": "y", "expires_on": "2026-03-02"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "通知公告已发布" in html
    notice = db.session.scalar(sa.select(Announcement))
    assert notice.roles == ["agent", "staff"] and notice.important and notice.author.username == "supervisor"
    logged = db.session.scalar(sa.select(AdminEvent).order_by(AdminEvent.id.desc()))
    assert logged.action == "announcement published" and logged.details["shown_until"] == "2026-03-02"
    assert "角色：话务员、承办人员；显示至：2026-03-02" in audit.describe(logged.details)
    assert "公告<span class=\"badge\"" not in client.get("/supervise/").get_data(as_text=True)  # not to supervisors
    auth.logout()

    auth.login("agent")
    page = client.get("/agent/calls/new").get_data(as_text=True)
    assert 'data-counter="announcements"' in page and 'title="未读">1</span>' in page
    assert "重要通知" in page and "某三甲医院结算系统故障" in page  # atop every page until read
    assert client.get("/todo.json").get_json()["counts"]["announcements"] == 1
    listed = client.get("/announcements/").get_data(as_text=True)
    assert "可先垫付后手工报销" in listed and "未读" in listed
    html = client.post(f"/announcements/{notice.id}/read", follow_redirects=True).get_data(as_text=True)
    assert "未读</span>" not in html
    client.post(f"/announcements/{notice.id}/read")  # a second click records nothing more
    assert db.session.scalar(sa.select(sa.func.count(AnnouncementRead.id))) == 1
    assert "重要通知" not in client.get("/agent/calls/new").get_data(as_text=True)
    assert client.get("/todo.json").get_json()["counts"]["announcements"] == 0
    assert client.get("/announcements/sent").status_code == 403
    assert client.post("/announcements/", data={"title": "x", "content": "y", "roles": ["agent"]}).status_code == 403
    auth.logout()

    auth.login("supervisor")
    receipts = client.get(f"/announcements/{notice.id}").get_data(as_text=True).split('id="receipts"')[1]
    assert "1 / 3 人已阅" in receipts  # the agent, and the two departments' staff
    assert "未阅（2）" in receipts and "staff_dybz" in receipts.split("未阅")[1].split("</p>")[0]
    assert ">1 / 3<" in client.get("/announcements/sent").get_data(as_text=True)
    html = client.post(f"/announcements/{notice.id}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "已撤回：某三甲医院结算系统故障" in html
    auth.logout()
    auth.login("staff_dybz")
    assert client.get("/todo.json").get_json()["counts"]["announcements"] == 0
    assert client.get(f"/announcements/{notice.id}").status_code == 404


def test_who_sees_what_and_until_when(db, users, now):
    agent, staff, supervisor = users["agent"], users["staff_dybz"], users["supervisor"]
    for_agents = publish(db, users, now, title="只发话务员")
    for_staff = publish(db, users, now, title="只发承办单位", roles=["staff"], expires_on=date(2026, 3, 3))
    assert [a.title for a in db.session.scalars(announcements.current_query(agent, now))] == ["只发话务员"]
    # no last day given: shown for 30 days, the day of publishing the first (2 March … 31 March)
    assert announcements.unread_count(db.session, agent, now + timedelta(days=29)) == 1
    assert announcements.unread_count(db.session, agent, now + timedelta(days=30)) == 0
    assert announcements.unread_count(db.session, staff, now) == 1
    later = now + timedelta(days=2)  # 4 March: past the last day shown
    assert announcements.unread_count(db.session, staff, later) == 0
    assert announcements.state_of(for_staff, later) == "已过期"
    with pytest.raises(NotFound):
        announcements.get_for(db.session, staff, for_agents.id, now)  # not addressed to staff
    assert announcements.get_for(db.session, supervisor, for_agents.id, now) is for_agents  # the publisher sees all
    with pytest.raises(NotAllowed):
        announcements.mark_read(db.session, for_agents, staff, now)
    with pytest.raises(NotAllowed):
        announcements.publish(db.session, title="x", content="y", roles=["agent"], important=False, expires_on=None,
                              actor=agent, now=now)
    with pytest.raises(ValidationFailed) as refused:
        announcements.publish(db.session, title="x" * 101, content="y", roles=["agent", "mayor"], important=False,
                              expires_on=date(2026, 3, 1), actor=supervisor, now=now)
    assert set(refused.value.fields) == {"title", "roles", "expires_on"}


def test_the_banner_names_the_newest_important_ones_and_counts_the_rest(db, users, now):
    for n in range(5):
        publish(db, users, now + timedelta(minutes=n), title=f"重要 {n}", important=True)
    publish(db, users, now, title="一般")
    shown, total = announcements.important_unread(db.session, users["agent"], now + timedelta(hours=1))
    assert [a.title for a in shown] == ["重要 4", "重要 3", "重要 2"] and total == 5
    assert announcements.mark_all_read(db.session, users["agent"], now + timedelta(hours=1)) == 6
    assert announcements.important_unread(db.session, users["agent"], now + timedelta(hours=1)) == ([], 0)


def test_a_notice_for_chosen_departments_reaches_only_their_staff(db, users, auth, client, today):
    auth.login("supervisor")
    html = client.post("/announcements/", follow_redirects=True, data={
        "title": "异地备案系统升级", "content": "参保征缴科今晚配合升级", "roles": ["agent"], "departments": ["CBZJ"]}
    ).get_data(as_text=True)
    assert "选了承办单位，请在“发给”中选上承办人员" in html
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id))) == 0
    html = client.post("/announcements/", follow_redirects=True, data={
        "title": "缴费系统今晚升级", "content": "参保征缴科今晚配合升级，话务员知悉", "roles": ["agent", "staff"],
        "departments": ["CBZJ"]}).get_data(as_text=True)
    assert "通知公告已发布" in html
    notice = db.session.scalar(sa.select(Announcement))
    assert notice.departments == f",{users['staff_cbzj'].department_id}," and notice.roles == ["agent", "staff"]
    assert announcements.audience_size(db.session, notice) == 2  # the agent and 参保征缴科's staff member
    page = client.get(f"/announcements/{notice.id}").get_data(as_text=True)
    assert "发给 话务员、承办人员（参保征缴科）" in page and "staff_dybz" not in page
    event = db.session.scalar(sa.select(AdminEvent).where(AdminEvent.action == "announcement published"))
    assert event.details["departments"] == "参保征缴科"
    auth.logout()

    for username, addressed in (("staff_cbzj", True), ("staff_dybz", False), ("agent", True)):
        auth.login(username)
        assert client.get("/todo.json").get_json()["counts"]["announcements"] == int(addressed)
        assert client.get(f"/announcements/{notice.id}").status_code == (200 if addressed else 404)
        assert ("缴费系统今晚升级" in client.get("/announcements/").get_data(as_text=True)) is addressed
        auth.logout()
    with pytest.raises(NotAllowed):
        announcements.mark_read(db.session, notice, users["staff_dybz"], today)
    with pytest.raises(ValidationFailed, match="通知公告未发布"):
        publish(db, users, today, roles=["staff"], departments=["NOPE"])
