"""Departments and categories are data an administrator edits."""
import sqlalchemy as sa

from ticketing.models import Category, Department


def test_admin_adds_a_county_bureau_and_routes_a_category_to_it(db, client, users, auth):
    auth.login("admin")
    response = client.post("/admin/departments", data={"code": "xcq", "name": "新城区医疗保障局", "region": "新城区",
                                                       "parent": "RXZX"})
    assert response.status_code == 302
    bureau = db.session.scalar(sa.select(Department).where(Department.code == "XCQ"))
    assert bureau.region == "新城区" and bureau.parent.code == "RXZX"
    category = db.session.scalar(sa.select(Category).where(Category.code == "CH"))
    client.post(f"/admin/categories/{category.id}", data={"name": "长期护理保险", "default_department": "XCQ",
                                                          "description": "长护险"})
    db.session.expire_all()
    assert db.session.get(Category, category.id).default_department.code == "XCQ"


def test_bad_input_keeps_what_was_typed_with_chinese_messages(db, client, users, auth):
    auth.login("admin")
    response = client.post("/admin/departments", data={"code": "DYBZ", "name": "重复的单位"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "已被使用" in html and "重复的单位" in html
    response = client.post("/admin/categories", data={"code": "NEW", "name": "", "default_department": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "请填写分类名称" in html


def test_a_department_still_receiving_tickets_cannot_be_switched_off(db, client, users, auth):
    auth.login("admin")
    department = db.session.scalar(sa.select(Department).where(Department.code == "YDJS"))
    response = client.post(f"/admin/departments/{department.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "请先改到其他单位再停用" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Department, department.id).active is True


def test_a_departments_duty_phone_for_urgent_tickets_is_a_mobile(db, client, users, auth):
    auth.login("admin")
    department = db.session.scalar(sa.select(Department).where(Department.code == "DYBZ"))
    page = client.get(f"/admin/departments/{department.id}").get_data(as_text=True)
    assert "值班手机（紧急工单短信提醒）" in page
    refused = client.post(f"/admin/departments/{department.id}", data={"name": department.name, "duty_phone": "0471-6612345"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "值班手机应为 11 位手机号" in html and "0471-6612345" in html
    response = client.post(f"/admin/departments/{department.id}", data={"name": department.name,
                                                                         "duty_phone": "139 0000 1111"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Department, department.id).duty_phone == "13900001111"
    assert "13900001111" in client.get("/admin/departments").get_data(as_text=True)
    client.post(f"/admin/departments/{department.id}", data={"name": department.name, "duty_phone": ""})
    db.session.expire_all()
    assert db.session.get(Department, department.id).duty_phone is None


def test_only_admins_edit_reference_data(db, client, users, auth):
    auth.login("supervisor")
    assert client.get("/admin/departments").status_code == 403
    assert client.post("/admin/categories", data={"code": "X", "name": "x"}).status_code == 403


def test_editing_a_department_keeps_a_switched_off_parent(db, client, users, auth):
    auth.login("admin")
    client.post("/admin/departments", data={"code": "XCQ", "name": "新城区医疗保障局"})
    client.post("/admin/departments", data={"code": "XCQZX", "name": "新城区医保服务中心", "parent": "XCQ"})
    parent = db.session.scalar(sa.select(Department).where(Department.code == "XCQ"))
    child = db.session.scalar(sa.select(Department).where(Department.code == "XCQZX"))
    parent.active = False
    db.session.commit()
    page = client.get(f"/admin/departments/{child.id}").get_data(as_text=True)
    assert "新城区医疗保障局（已停用）" in page
    response = client.post(f"/admin/departments/{child.id}", data={"name": child.name, "parent": "XCQ",
                                                                    "duty_phone": "13900001111"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Department, child.id).parent.code == "XCQ"  # it had silently become none


def test_tickets_of_a_switched_off_department_or_category_can_still_be_searched(db, client, users, auth, now):
    from tests.factories import make_ticket
    from ticketing.models import TicketStatus

    old = make_ticket(db, users, now, status=TicketStatus.CLOSED, category="CH", department="CBZJ", title="去年的长护险件")
    department = db.session.scalar(sa.select(Department).where(Department.code == "CBZJ"))
    category = db.session.scalar(sa.select(Category).where(Category.code == "CH"))
    department.active = category.active = False
    db.session.commit()
    auth.login("supervisor")
    page = client.get("/tickets/").get_data(as_text=True)
    assert "参保征缴科（已停用）" in page and "（已停用）</option>" in page.split('name="category"')[1].split("</select>")[0]
    assert old.number in client.get("/tickets/?department=CBZJ&category=CH").get_data(as_text=True)


def test_a_second_department_or_category_of_the_same_name_is_refused(db, client, users, auth):
    """An administrator review: DUPA and DUPB were both saved as 待遇保障科, and every list, 改派 and 月度考核 then
    showed look-alike rows; a category 待遇报销 beside DY too."""
    auth.login("admin")
    response = client.post("/admin/departments", data={"code": "DUPA", "name": "待遇保障科"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "已有同名的单位（编码 DYBZ）" in html
    response = client.post("/admin/categories", data={"code": "DY2", "name": "待遇报销", "default_department": "DYBZ"})
    assert response.status_code == 400 and "已有同名的分类（编码 DY）" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Department).where(Department.code == "DUPA")) is None
    own = db.session.scalar(sa.select(Department).where(Department.code == "DYBZ"))  # its own name is no clash
    assert client.post(f"/admin/departments/{own.id}", data={"name": "待遇保障科", "region": ""}).status_code == 302


def test_a_department_enabled_again_may_not_make_two_of_one_name(db, users):
    """A diff review: disable a department, create another of its name, enable the first: two 医保稽核科."""
    from ticketing.services import administration
    from ticketing.services.errors import ValidationFailed
    import pytest

    admin = users["admin"]
    old = administration.save_department(db.session, None, administration.DepartmentInput(code="TEST1",
                                         name="医保稽核科"), actor=admin)
    administration.set_department_active(db.session, old, False, actor=admin)
    administration.save_department(db.session, None, administration.DepartmentInput(code="TEST2", name="医保稽核科"),
                                   actor=admin)
    with pytest.raises(ValidationFailed, match="已有同名的单位“医保稽核科”在用（编码 TEST2）"):
        administration.set_department_active(db.session, old, True, actor=admin)
    assert old.active is False
