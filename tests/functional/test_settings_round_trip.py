"""运行设置 as kept, for a value the page itself takes: 0.87654 saved, then another field saved, stays 0.87654 (a review)."""
from __future__ import annotations

from tests.functional.test_admin_setup_week import _form_values
from ticketing.services import settings


def test_a_threshold_taken_with_five_decimals_survives_saving_another_field(db, users, auth, client):
    auth.login("admin")
    shown = _form_values(client.get("/admin/settings").get_data(as_text=True))
    assert client.post("/admin/settings", data={**shown, "classifier_threshold": "0.87654",
                                                "hotspot_similarity": "0.55555"}).status_code == 302
    db.session.expire_all()
    assert settings.get_setting(db.session, "classifier_threshold") == 0.87654  # taken as typed
    shown = _form_values(client.get("/admin/settings").get_data(as_text=True))
    assert client.post("/admin/settings", data={**shown, "callback_attempts": "2"}).status_code == 302
    db.session.expire_all()
    assert (settings.get_setting(db.session, "classifier_threshold"),
            settings.get_setting(db.session, "hotspot_similarity")) == (0.87654, 0.55555)
