"""/api/v1/assessment: the month's figures and the counted tickets, scoped like the 月度考核 pages."""
from __future__ import annotations

import pytest

from ticketing.services import assessment


def rows_by_department(body: dict) -> dict[str, dict]:
    return {row["department"]: row for row in body["rows"]}


def test_supervisor_gets_every_department_ranked_live(api, march):
    response = api.get("/assessment/2026-03", as_="supervisor")
    assert response.status_code == 200
    body = response.get_json()
    assert body["month"] == "2026-03" and body["issued"] is False
    assert body["as_of"].startswith("2026-04-05T10:00:00+08:00")
    assert body["weights"] == {"accept": 20, "on_time": 30, "satisfaction": 30, "resolution": 20}
    rows = rows_by_department(body)
    dybz, cbzj = rows["DYBZ"], rows["CBZJ"]
    assert dybz["received"] == 2 and dybz["accept_due"] == 2 and dybz["accept_on_time"] == 1
    assert dybz["accept_rate"] == 0.5 and dybz["on_time_rate"] == 1.0 and dybz["satisfaction_rate"] is None
    assert dybz["score"] == 80.0 and dybz["rank"] == 2 and cbzj["rank"] == 1 and cbzj["score"] == 100.0
    assert rows["YLJZ"]["received"] == 0 and rows["YLJZ"]["score"] is None and rows["YLJZ"]["rank"] is None
    assert [row["department"] for row in body["rows"]][:2] == ["CBZJ", "DYBZ"]


def test_staff_token_sees_only_its_own_department(api, march):
    body = api.get("/assessment/2026-03", as_="staff_dybz").get_json()
    assert [row["department"] for row in body["rows"]] == ["DYBZ"]
    assert api.get("/assessment/2026-03/departments/DYBZ/tickets", as_="staff_dybz").status_code == 200
    refused = api.get("/assessment/2026-03/departments/CBZJ/tickets", as_="staff_dybz")
    assert refused.status_code == 403 and refused.get_json()["error"] == "该令牌无权查看考核结果"


@pytest.mark.parametrize("who", ["agent", "mayor"])
def test_agents_and_channel_tokens_are_refused(api, march, who):
    response = api.get("/assessment/2026-03", as_=who)
    assert response.status_code == 403 and "error" in response.get_json()


def test_without_a_token(api, march):
    response = api.get("/assessment/2026-03")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("month", ["2026-13", "202603", "march"])
def test_bad_month_is_a_json_422(api, march, month):
    response = api.get(f"/assessment/{month}", as_="supervisor")
    assert response.status_code == 422
    assert response.get_json() == {"error": "考核月份格式应为 YYYY-MM，如 2026-03", "fields": {"month": "格式应为 YYYY-MM"}}


def test_counted_tickets_say_how_each_counted(api, march):
    body = api.get("/assessment/2026-03/departments/DYBZ/tickets", as_="supervisor").get_json()
    assert body["total"] == 2 and body["issued"] is False and body["department"] == "DYBZ"
    by_number = {item["number"]: item for item in body["items"]}
    assert set(by_number) == {march["good"].number, march["late"].number}
    late = by_number[march["late"].number]
    assert late["accept_due"] is True and late["accept_on_time"] is False and late["reply_on_time"] is True
    assert late["received_at"].endswith("+08:00") and late["handling_hours"] > 0
    assert by_number[march["good"].number]["accept_on_time"] is True

    limited = api.get("/assessment/2026-03/departments/DYBZ/tickets?limit=1", as_="supervisor").get_json()
    assert limited["total"] == 2 and len(limited["items"]) == 1

    bad = api.get("/assessment/2026-03/departments/DYBZ/tickets?limit=0", as_="supervisor")
    assert bad.status_code == 422 and bad.get_json()["fields"] == {"limit": "每次 1–5000 件"}
    missing = api.get("/assessment/2026-03/departments/NOPE/tickets", as_="supervisor")
    assert missing.status_code == 404 and missing.get_json()["error"] == "承办单位 NOPE 不存在"


def test_issued_month_is_frozen_and_says_so(db, api, users, march, today):
    assessment.issue_month(db.session, "2026-03", actor=users["supervisor"], now=today)
    db.session.commit()
    body = api.get("/assessment/2026-03", as_="supervisor").get_json()
    assert body["issued"] is True and rows_by_department(body)["DYBZ"]["score"] == 80.0
    counted = api.get("/assessment/2026-03/departments/DYBZ/tickets", as_="supervisor").get_json()
    assert counted["issued"] is True and counted["total"] == 2
    # April: ranks compared with the issued March
    april = rows_by_department(api.get("/assessment/2026-04", as_="supervisor").get_json())
    assert april["DYBZ"]["previous_rank"] == 2 and april["DYBZ"]["previous_score"] == 80.0


def test_the_openapi_document_lists_the_assessment_endpoints(api):
    spec = api.get("/openapi.json").get_json()
    assert "/api/v1/assessment/{month}" in spec["paths"]
    operation = spec["paths"]["/api/v1/assessment/{month}/departments/{code}/tickets"]["get"]
    assert operation["tags"] == ["月度考核"]
    assert "FiguresOut" in spec["components"]["schemas"]
