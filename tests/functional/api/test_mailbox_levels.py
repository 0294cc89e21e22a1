"""局长信箱 of the national, provincial and municipal bureau (domain.md) are three channels: each system's ids are its
own, and 工单统计 tells them apart (a domain review: one channel, so the same id from two levels was refused)."""
from __future__ import annotations

from tests.functional.api.test_tickets_api import LETTER
from ticketing.services import api_tokens


def test_the_same_id_from_two_levels_is_two_letters(api, db, now, client, auth):
    tokens = {level: api_tokens.issue_token(db.session, now=now, channel=level).token
              for level in ("mailbox_director", "mailbox_director_national", "mailbox_director_provincial")}
    db.session.commit()
    numbers = []
    for level, token in tokens.items():
        response = api.post("/tickets", LETTER | {"channel": level, "external_id": "20261201"}, as_=token)
        assert response.status_code == 201, response.get_json()
        numbers.append(response.get_json()["number"])
    assert len(set(numbers)) == 3
    auth.login("supervisor")
    page = client.get("/statistics/?month=2026-03").get_data(as_text=True)
    for title in ("国家医保局局长信箱", "省医保局局长信箱", "局长信箱"):
        assert f">{title}</a>" in page or f">{title}</th>" in page, title
