"""Saving one 运行设置 field never rounds the others: a threshold of 12 decimal places stays as typed (a final review,
6 Dec 2026; rounded to 10 places, it was written back in the administrator's name)."""
from __future__ import annotations

from tests.functional.test_admin_setup_week import _form_values
from ticketing.services import settings


def test_a_threshold_of_twelve_places_survives_saving_another_field(db, users, auth, client):
    auth.login("admin")
    shown = _form_values(client.get("/admin/settings").get_data(as_text=True))
    assert client.post("/admin/settings", data={**shown, "classifier_threshold": "0.876543210987"}).status_code == 302
    db.session.expire_all()
    assert settings.get_setting(db.session, "classifier_threshold") == 0.876543210987
    shown = _form_values(client.get("/admin/settings").get_data(as_text=True))
    assert client.post("/admin/settings", data={**shown, "callback_attempts": "2"}).status_code == 302
    db.session.expire_all()
    assert settings.get_setting(db.session, "classifier_threshold") == 0.876543210987
