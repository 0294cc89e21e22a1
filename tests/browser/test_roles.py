"""Sign in as each role in a real browser against gunicorn; check the navigation; keep a screenshot."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, sign_in

ROLES = [
    ("agent", "/agent/calls/new", ["来电登记", "待派发", "退回审核", "回访", "工单查询"], ["督办", "系统管理", "本单位工单"]),
    ("staff_dybz", "/inbox/", ["本单位工单", "工单查询"], ["来电登记", "督办", "系统管理"]),
    ("supervisor", "/supervise/", ["督办", "待派发", "回访", "工单查询"], ["系统管理", "本单位工单"]),
    ("admin", "/admin/", ["系统管理", "督办", "工单查询"], ["本单位工单"]),
]


@pytest.mark.parametrize(("username", "start", "visible", "hidden"), ROLES, ids=[r[0] for r in ROLES])
def test_each_role_signs_in_and_sees_its_navigation(live_server, page, username, start, visible, hidden):
    sign_in(page, live_server, username)
    assert page.url == live_server + start
    menu = page.locator("nav.mainnav")
    labels = [text.strip() for text in menu.locator("a").all_inner_texts()]
    for label in visible:
        assert any(item.startswith(label) for item in labels), (label, labels)
    for label in hidden:
        assert not any(item.startswith(label) for item in labels), (label, labels)
    assert page.locator("table.grid, form#call-form").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"start-{username}.png"), full_page=False)


def test_assets_are_served_locally(live_server, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, "agent")
    assert requested
    assert all(url.startswith(live_server) for url in requested), [u for u in requested if not u.startswith(live_server)]


def test_wrong_password_shows_chinese_message(live_server, page):
    sign_in(page, live_server, "agent", "not-the-password")
    assert "用户名或密码错误" in page.content()
