"""County routing reviewed (a county review): the call form, the 派发 form, letters naming a county after its city, a
rule written with its city, and a 区县 field naming no county."""
from __future__ import annotations

import re

from ticketing.services import routing


def county(client, code="LNX", name="洛南县医保局", region="洛南县", rule_region=None):
    client.post("/admin/departments", data={"code": code, "name": name, "region": region, "parent": "RXZX"})
    client.post("/admin/rules", data={"name": f"{name}事项", "priority": 50, "region": rule_region or region,
                                      "department": code, "category": "", "channel": "", "ticket_type": ""})


def test_call_form_suggests_the_countys_bureau(db, users, auth, client, use_classifier):
    use_classifier(0.9)
    auth.login("admin")
    county(client)
    auth.logout()
    auth.login("agent")
    data = client.post("/agent/assist", json={"text": "住院报销比例太低", "phone": "", "region": "洛南县"}).get_json()
    assert data["department"]["code"] == "LNX"


def test_ticket_page_preselects_the_routed_department(api, db, users, auth, client, use_classifier):
    use_classifier(0.3)
    auth.login("admin")
    county(client)
    auth.logout()
    j = api.post("/tickets", {"channel": "mailbox_mayor", "external_id": "Y1", "type": "complaint",
                              "region": "洛南县", "content": "住院报销比例太低"}, as_="mayor").get_json()
    auth.login("agent")
    page = client.get(f"/tickets/{j['number']}").get_data(as_text=True)
    assert "LNX" in re.findall(r'<option value="(\w+)" selected>', page)


def test_a_city_departments_region_does_not_hide_the_county(db, users, auth, client):
    auth.login("admin")
    county(client)
    county(client, "SLS", "商洛市医疗保障局", "商洛市")
    db.session.expire_all()
    assert routing.region_named_in(db.session, "我是商洛市洛南县石门镇村民，住院报销比例太低") == "洛南县"


def test_a_rule_written_with_its_city_finds_the_county_in_a_letter(db, users, auth, client):
    auth.login("admin")
    county(client, region="", rule_region="商洛市洛南县")
    db.session.expire_all()
    assert routing.region_named_in(db.session, "我是洛南县石门镇村民，住院报销比例太低") == "商洛市洛南县"


def test_a_region_that_is_no_county_falls_back_to_the_text(api, db, users, auth, client, use_classifier):
    use_classifier(0.9)
    auth.login("admin")
    county(client)
    auth.logout()
    j = api.post("/tickets", {"channel": "transfer_12345", "external_id": "Z1", "type": "complaint", "region": "石门镇",
                              "content": "我是洛南县石门镇村民，住院报销比例太低"}, as_="transfer").get_json()
    assert j["department"] == "LNX"


def test_classify_takes_the_region_too(api, db, users, auth, client, use_classifier):
    use_classifier(0.9)
    auth.login("admin")
    county(client)
    auth.logout()
    plain = api.post("/classify", {"text": "住院报销比例太低"}, as_="mayor").get_json()
    county_bureau = api.post("/classify", {"text": "住院报销比例太低", "region": "洛南"}, as_="mayor").get_json()
    assert (plain["department"], county_bureau["department"]) == ("DYBZ", "LNX")
