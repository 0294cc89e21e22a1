"""文件导入 pages and the intake commands (create-token, import-tickets)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.unit.services.test_importing import csv_bytes
from ticketing.models import ImportMapping, Ticket
from ticketing.models.intake import ApiToken, hash_token


@pytest.fixture()
def no_model(app, monkeypatch):
    class Nothing:
        def current(self):
            return None

    monkeypatch.setitem(app.extensions, "classifier", Nothing())


def upload(client, data: bytes, name="letters.csv", channel="mailbox_mayor"):
    return client.post("/imports/", data={"channel": channel, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("username", "status"), [("agent", 200), ("supervisor", 200), ("admin", 200),
                                                  ("staff_dybz", 403)])
def test_who_may_import(client, auth, users, username, status):
    auth.login(username)
    assert client.get("/imports/").status_code == status


def test_login_required(client, users):
    assert client.get("/imports/").status_code == 302


def test_nav_entry(client, auth, users):
    auth.login("agent")
    assert "文件导入" in client.get("/imports/").get_data(as_text=True)


def test_upload_map_preview_import_and_reimport(client, auth, users, db, no_model):
    auth.login("agent")
    response = upload(client, csv_bytes())
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert 'value="external_id" selected' in page and 'value="content" selected' in page
    form = {"map-0": "external_id", "map-1": "title", "map-2": "content", "map-3": "received_at",
            "map-4": "caller_phone", "default_type": "consult"}
    preview = client.post(mapping_url, data=form).get_data(as_text=True)
    assert "预览" in preview and "M001" in preview and "电话号码格式不正确" in preview
    run_url = mapping_url.replace("/mapping", "/run")
    result = client.post(run_url, data=form)
    text = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "新建 2 件" in text and "已存在跳过 1 件" in text and "拒收 4 行" in text
    assert "电话号码格式不正确" in text
    rejected = client.get(mapping_url.replace("/mapping", "/rejected.csv"))
    assert rejected.status_code == 200 and rejected.mimetype == "text/csv"
    assert "行号,外部编号,原因" in rejected.get_data(as_text=True)
    saved = db.session.scalar(sa.select(ImportMapping).where(ImportMapping.channel == "mailbox_mayor"))
    assert saved.mapping["query"] == "content"

    second = upload(client, csv_bytes()).headers["Location"]
    again = client.post(second.replace("/mapping", "/run"), data=form).get_data(as_text=True)
    assert "新建 0 件" in again and "已存在跳过 3 件" in again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 2


def test_mapping_without_content_is_refused(client, auth, users, db, no_model):
    auth.login("agent")
    mapping_url = upload(client, csv_bytes()).headers["Location"]
    response = client.post(mapping_url.replace("/mapping", "/run"), data={"map-0": "external_id"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_bad_upload(client, auth, users):
    auth.login("agent")
    assert upload(client, b"x", name="letters.pdf").status_code == 400
    assert upload(client, csv_bytes(), channel="fax").status_code == 400
    assert client.get("/imports/../../etc/mapping").status_code == 404
    assert client.get("/imports/" + "0" * 32 + "/mapping").status_code == 404


# ---- commands ----

def test_create_token_for_a_channel_and_a_user(app, db, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-token", "--channel", "mailbox_mayor"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    record = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_sha256 == hash_token(token)))
    assert record.channel == "mailbox_mayor" and record.user_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.token_sha256 == token)) == 0
    result = runner.invoke(args=["create-token", "--user", "agent"])
    assert result.exit_code == 0
    assert runner.invoke(args=["create-token", "--user", "nobody"]).exit_code != 0
    assert runner.invoke(args=["create-token"]).exit_code != 0


def test_import_tickets_command(app, db, reference, tmp_path, no_model):
    path = tmp_path / "letters.csv"
    path.write_bytes(csv_bytes())
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import-tickets", str(path), "--channel", "mailbox_mayor"])
    assert first.exit_code == 0, first.output
    assert "新建 2 件" in first.stdout and "已存在跳过 1 件" in first.stdout and "拒收 4 行" in first.stdout
    assert "第 4 行 M003" in first.stdout
    second = runner.invoke(args=["import-tickets", str(path), "--channel", "mailbox_mayor",
                                 "--map", "mail_id=external_id,query=content"])
    # without the phone and date columns rows 4 and 7 are now fine; the rest are present already
    assert "新建 2 件" in second.stdout and "已存在跳过 3 件" in second.stdout
    bad = runner.invoke(args=["import-tickets", str(path), "--channel", "mailbox_mayor", "--map", "mail_id=external_id"])
    assert bad.exit_code != 0 and "诉求内容" in bad.output
