"""通知公告 in the API: a user's token lists what is addressed to that user (unread first, with the unread count
the pages show) and marks one read; a notice for other roles or departments is not theirs."""
from __future__ import annotations

from datetime import timedelta

from ticketing.services import announcements, clock


def test_a_token_lists_its_users_notices_and_marks_one_read(db, users, now, api, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: now + timedelta(hours=1))
    older = announcements.publish(db.session, title="门诊共济口径", content="个人账户可为家人支付", roles=["agent", "staff"],
                                  important=False, expires_on=None, actor=users["supervisor"], now=now)
    newer = announcements.publish(db.session, title="结算系统升级", content="16:00 前无法直接结算", roles=["staff"],
                                  important=True, expires_on=None, actor=users["supervisor"],
                                  now=now + timedelta(minutes=5), departments=["CBZJ"])
    db.session.commit()

    body = api.get("/announcements", as_="staff_cbzj").get_json()
    assert [(a["title"], a["important"], a["read"]) for a in body["items"]] == [
        ("结算系统升级", True, False), ("门诊共济口径", False, False)]
    assert body["unread"] == 2 and body["total"] == 2 and body["items"][0]["author"] == "supervisor"
    assert [a["title"] for a in api.get("/announcements", as_="staff_dybz").get_json()["items"]] == ["门诊共济口径"]

    read = api.post(f"/announcements/{older.id}/read", as_="staff_cbzj")
    assert read.status_code == 200 and read.get_json()["read"] is True
    body = api.get("/announcements", as_="staff_cbzj").get_json()
    assert body["unread"] == 1 and [a["read"] for a in body["items"]] == [False, True]  # unread first
    assert api.post(f"/announcements/{newer.id}/read", as_="staff_dybz").status_code == 404  # another department's
    assert api.post(f"/announcements/{newer.id}/read", as_="supervisor").status_code == 404  # not addressed to them
    assert api.post("/announcements/999999/read", as_="agent").status_code == 404
    assert api.get("/announcements", as_="mayor").status_code == 403  # a channel's token has no reader
