"""文件导入 pages and the intake commands (create-token, import-tickets)."""
from __future__ import annotations

import io
import json
import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.unit.services.test_importing import csv_bytes
from ticketing.models import ImportMapping, Ticket
from ticketing.models.intake import ApiToken, hash_token
from ticketing.services import clock, import_jobs, importing


@pytest.fixture()
def no_model(app, monkeypatch):
    class Nothing:
        def current(self):
            return None

    monkeypatch.setitem(app.extensions, "classifier", Nothing())


def upload(client, data: bytes, name="letters.csv", channel="mailbox_mayor"):
    return client.post("/imports/", data={"channel": channel, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _imported(client, db, data: bytes) -> str:
    """Upload, map the test file's five columns, import, wait: the result page."""
    mapping_url = upload(client, data).headers["Location"]
    form = {"map-0": "external_id", "map-1": "title", "map-2": "content", "map-3": "received_at",
            "map-4": "caller_phone", "default_type": "consult"}
    status_url = client.post(mapping_url.replace("/mapping", "/run"), data=form).headers["Location"]
    import_jobs.wait(status_url.rsplit("/", 1)[-1], timeout=60)
    db.session.rollback()  # the thread's writes, seen as a new request would see them
    return client.get(status_url).get_data(as_text=True)


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


def test_upload_map_preview_import_and_reimport(app, client, auth, users, db, no_model):
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
    assert "<td>咨询</td>" in preview and "<td>consult</td>" not in preview  # the type in words, not its code
    run_url = mapping_url.replace("/mapping", "/run")
    started = client.post(run_url, data=form)
    assert started.status_code == 302  # to the progress page; the import runs in a thread
    status_url = started.headers["Location"]
    upload_id = status_url.rstrip("/").rsplit("/", 1)[-1]
    import_jobs.wait(upload_id, timeout=60)
    # the test client's requests share this test's session (one app context); end its transaction,
    # whose SQLite snapshot predates the thread's writes, as a new request in production would
    db.session.rollback()
    result = client.get(status_url)
    text = result.get_data(as_text=True)
    assert result.status_code == 200 and 'data-state="done"' in text
    assert "新建 2 件" in text and "已存在跳过 1 件" in text and "拒收 4 行" in text
    assert "电话号码格式不正确" in text
    rejected = client.get(mapping_url.replace("/mapping", "/rejected.csv"))
    assert rejected.status_code == 200 and rejected.mimetype == "text/csv"
    assert "行号,外部编号,原因" in rejected.get_data(as_text=True)
    saved = db.session.scalar(sa.select(ImportMapping).where(ImportMapping.channel == "mailbox_mayor"))
    assert saved.mapping["query"] == "content"
    # the uploaded file is deleted once imported; posting again shows the result, imports nothing
    folder = Path(app.instance_path) / "imports"
    assert not list(folder.glob(f"{upload_id}.csv"))
    assert client.post(run_url, data=form).headers["Location"] == status_url
    # the back button's mapping page, shown or posted, goes to the result too (it was a 500: the file is gone)
    assert client.get(mapping_url).headers["Location"] == status_url
    assert client.post(mapping_url, data=form).headers["Location"] == status_url
    # the import page lists it
    listing = client.get("/imports/").get_data(as_text=True)
    assert "最近的导入" in listing and status_url in listing and "已完成" in listing

    second = upload(client, csv_bytes()).headers["Location"]
    again_url = client.post(second.replace("/mapping", "/run"), data=form).headers["Location"]
    import_jobs.wait(again_url.rsplit("/", 1)[-1], timeout=60)
    db.session.rollback()
    again = client.get(again_url).get_data(as_text=True)
    assert "新建 0 件" in again and "已存在跳过 3 件" in again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 2


def test_progress_page_while_running_refreshes_and_a_dead_import_shows_interrupted(app, client, auth, users):
    auth.login("agent")
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    upload_id = "a" * 32
    (folder / f"{upload_id}.json").write_text(json.dumps({"channel": "mailbox_mayor", "filename": "信件.csv",
                                                          "suffix": ".csv", "user_id": 1}), encoding="utf-8")
    now = clock.now_utc()
    status = {"state": "running", "rows": 3000, "created": 2900, "skipped": 50, "rejected": 50, "dispatched": 0}
    (folder / f"{upload_id}.status.json").write_text(
        json.dumps({**status, "started_at": now.isoformat(), "updated_at": now.isoformat()}), encoding="utf-8")
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "已处理 <strong id=\"rows\">3000</strong> 行" in page
    # no thread here and no progress for longer than STALE_AFTER: a worker died mid-import
    old = now - import_jobs.STALE_AFTER - timedelta(minutes=1)
    (folder / f"{upload_id}.status.json").write_text(
        json.dumps({**status, "started_at": old.isoformat(), "updated_at": old.isoformat()}), encoding="utf-8")
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-state="interrupted"' in page and "导入已中断" in page and "refresh" not in page


def test_old_uploads_are_pruned(tmp_path):
    fresh, old = tmp_path / ("b" * 32 + ".json"), tmp_path / ("c" * 32 + ".csv")
    fresh.write_text("{}"), old.write_text("x")
    now = time.time()  # both ages on the clock prune_uploads is given, not the file system's own
    week_ago = now - import_jobs.KEEP_UPLOADS.total_seconds() - 60
    os.utime(fresh, (now, now))
    os.utime(old, (week_ago, week_ago))
    assert import_jobs.prune_uploads(tmp_path, now=now) == 1
    assert fresh.exists() and not old.exists()


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


def test_tokens_are_listed_and_revoked(app, db, users, client):
    runner = app.test_cli_runner()
    token = runner.invoke(args=["create-token", "--channel", "mailbox_mayor", "--name", "市长信箱"]).stdout.split()[-1]
    record = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_sha256 == hash_token(token)))
    listed = runner.invoke(args=["list-tokens"])
    assert listed.exit_code == 0 and f"#{record.id}\t启用\t渠道 mailbox_mayor\t市长信箱" in listed.output
    assert token not in listed.output
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/channel/tickets/nothing", headers=headers).status_code == 404
    revoked = runner.invoke(args=["revoke-token", str(record.id)])
    assert revoked.exit_code == 0 and "已吊销令牌" in revoked.output
    assert "已吊销" in runner.invoke(args=["list-tokens"]).output
    db.session.expire_all()
    assert client.get("/api/v1/channel/tickets/nothing", headers=headers).status_code == 401
    assert runner.invoke(args=["revoke-token", "99999"]).exit_code != 0


def test_token_for_a_number_of_days_is_listed_with_its_end(app, db, users, client, auth):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-token", "--channel", "mailbox_mayor", "--name", "市长信箱", "--days", "10"])
    assert made.exit_code == 0, made.output
    record = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_sha256 == hash_token(made.stdout.split()[-1])))
    assert record.expires_at - record.created_at == timedelta(days=10)
    listed = runner.invoke(args=["list-tokens"]).output
    assert f"#{record.id}\t启用\t渠道 mailbox_mayor\t市长信箱\t" in listed and "有效至 " in listed
    assert runner.invoke(args=["create-token", "--user", "agent", "--days", "0"]).exit_code != 0
    auth.login("admin")
    assert f"#{record.id}（市长信箱）将于" in client.get("/admin/").get_data(as_text=True)  # within 14 days
    record.expires_at = clock.now_utc() - timedelta(minutes=1)
    db.session.commit()
    assert "\t已过期\t" in runner.invoke(args=["list-tokens"]).output
    assert f"#{record.id}（市长信箱）已于" in client.get("/admin/").get_data(as_text=True)
    record.expires_at = clock.now_utc() + timedelta(days=30)
    db.session.commit()
    assert "访问令牌" not in client.get("/admin/").get_data(as_text=True)


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


def test_import_tickets_command_lets_live_work_in_between_batches(app, db, reference, tmp_path, no_model, monkeypatch):
    """Run beside live work (--batch 50), the command ends each batch as a page's import does: on SQLite it
    pauses so that calls being saved take the write lock (it held it from one batch to the next)."""
    ended = []
    real_end_batch = import_jobs.end_batch
    monkeypatch.setattr(import_jobs, "end_batch", lambda session: (ended.append(1), real_end_batch(session)))
    path = tmp_path / "letters.csv"
    path.write_bytes(csv_bytes())
    result = app.test_cli_runner().invoke(args=["import-tickets", str(path), "--channel", "mailbox_mayor",
                                                "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "新建 2 件" in result.stdout and len(ended) >= 2


def test_a_failing_import_keeps_its_committed_batches_and_says_so(app, client, auth, users, db, no_model,
                                                                   monkeypatch):
    auth.login("agent")
    real_import_rows = importing.import_rows

    def fail_after_first_batch(session, rows, mapping, **kwargs):
        on_batch = kwargs.pop("on_batch")
        assert kwargs.pop("batch_size") == import_jobs.LIVE_BATCH  # a page's import: small batches

        def then_fail(result):
            on_batch(result)
            raise RuntimeError("disk full")

        return real_import_rows(session, rows, mapping, batch_size=1, on_batch=then_fail, **kwargs)

    monkeypatch.setattr(importing, "import_rows", fail_after_first_batch)
    page = _imported(client, db, csv_bytes())
    assert 'data-state="failed"' in page and "导入失败" in page and "新建的 1 件工单已保存" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_an_import_the_database_broke_off_keeps_its_file_and_goes_on(app, client, auth, users, db, no_model,
                                                                     monkeypatch):
    """A resilience review: connections killed 4 s into a page's import of 3,000 letters ended it for good: the file
    was deleted and 继续导入 refused, and the rest waited for someone to upload a file with nothing wrong in it."""
    from sqlalchemy.exc import OperationalError

    auth.login("agent")
    real_import_rows = importing.import_rows

    def connection_lost_after_first_batch(session, rows, mapping, **kwargs):
        on_batch = kwargs.pop("on_batch")
        kwargs.pop("batch_size")

        def then_lose_it(result):
            on_batch(result)
            raise OperationalError("INSERT", {}, Exception("terminating connection due to administrator command"))

        return real_import_rows(session, rows, mapping, batch_size=1, on_batch=then_lose_it, **kwargs)

    monkeypatch.setattr(importing, "import_rows", connection_lost_after_first_batch)
    page = _imported(client, db, csv_bytes())
    assert 'data-state="interrupted"' in page and "如数据库连接中断" in page and "继续导入</button>" in page
    monkeypatch.setattr(importing, "import_rows", real_import_rows)
    upload_id = re.search(r'/imports/(\w+)/resume', page).group(1)
    client.post(f"/imports/{upload_id}/resume")
    import_jobs.wait(upload_id, timeout=60)
    db.session.rollback()
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-state="done"' in page and "中断前已新建 1 件" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 2


def test_an_interrupted_import_is_resumed_from_its_kept_file(app, client, auth, users, db, no_model):
    """A worker died after the first letter: 继续导入 registers the rest and skips the one already in."""
    auth.login("agent")
    mapping_url = upload(client, csv_bytes()).headers["Location"]
    upload_id = mapping_url.split("/")[-2]
    folder = Path(app.instance_path) / "imports"
    source, meta = import_jobs.read_upload(folder, upload_id)
    sheet = importing.read_sheet(source)
    mapping = importing.check_mapping({"mail_id": "external_id", "title": "title", "query": "content",
                                       "query_date": "received_at", "电话": "caller_phone"}, sheet.headers)
    # what the dead worker had done: its settings kept, its first letter committed, its status left "running"
    import_jobs._remember_settings(folder, upload_id, mapping=mapping, default_type="consult")
    first_row = next(iter(importing.read_sheet(source).rows))
    importing.import_rows(db.session, [first_row], mapping, channel="mailbox_mayor", actor=users["agent"],
                          now=clock.now_utc(), default_type="consult")
    db.session.commit()
    old = (clock.now_utc() - import_jobs.STALE_AFTER - timedelta(minutes=1)).isoformat()
    (folder / f"{upload_id}.status.json").write_text(json.dumps(
        {"state": "running", "rows": 1, "created": 1, "skipped": 0, "rejected": 0, "dispatched": 0,
         "started_at": old, "updated_at": old}), encoding="utf-8")

    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-state="interrupted"' in page and "继续导入</button>" in page
    resumed = client.post(f"/imports/{upload_id}/resume")
    assert resumed.headers["Location"].endswith(f"/imports/{upload_id}")
    import_jobs.wait(upload_id, timeout=60)
    db.session.rollback()
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert 'data-state="done"' in page and "新建 1 件" in page and "已存在跳过 2 件" in page
    assert "中断前已新建 1 件" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 2
    # the list counts the import whole: 2 created, 1 repeat of the file's own (an import review: it showed the
    # tickets made before the interruption as skipped)
    row = client.get("/imports/").get_data(as_text=True).split(upload_id)[1].split("</tr>")[0]
    assert '<td class="num">2</td><td class="num">1</td>' in row
    assert not source.exists()  # deleted once the import ended, as for any import
    # a finished import cannot be resumed
    again = client.post(f"/imports/{upload_id}/resume", follow_redirects=True).get_data(as_text=True)
    assert "只有已中断的导入可以继续" in again


def test_an_interrupted_import_without_its_file_asks_for_the_file_again(app, client, auth, users):
    auth.login("agent")
    mapping_url = upload(client, csv_bytes()).headers["Location"]
    upload_id = mapping_url.split("/")[-2]
    folder = Path(app.instance_path) / "imports"
    source, _ = import_jobs.read_upload(folder, upload_id)
    import_jobs._remember_settings(folder, upload_id, mapping={"id": "external_id"}, default_type="consult")
    source.unlink()
    old = (clock.now_utc() - import_jobs.STALE_AFTER - timedelta(minutes=1)).isoformat()
    (folder / f"{upload_id}.status.json").write_text(json.dumps(
        {"state": "running", "rows": 5, "created": 5, "skipped": 0, "rejected": 0, "dispatched": 0,
         "started_at": old, "updated_at": old}), encoding="utf-8")
    page = client.get(f"/imports/{upload_id}").get_data(as_text=True)
    assert "继续导入</button>" not in page and "请重新上传同一文件" in page
    refused = client.post(f"/imports/{upload_id}/resume", follow_redirects=True).get_data(as_text=True)
    assert "原文件已不在服务器上" in refused


def test_a_failed_import_reports_what_its_saved_batches_hold(app, client, auth, users, db, no_model, monkeypatch):
    """An import review: a batch that failed had already counted its rows, and the page said 120 tickets were
    saved where the database held 100."""
    rows = [[f"F{i}", "报销", f"第{i}封：住院报销比例怎么算？", "2019-01-05", ""] for i in range(3)]
    real = importing._register_batch
    calls = []

    def failing_second(session, batch, result, **kwargs):
        calls.append(len(batch))
        real(session, batch, result, **kwargs)
        if len(calls) == 2:
            raise RuntimeError("the database refused the batch")

    monkeypatch.setattr(import_jobs, "LIVE_BATCH", 1)
    monkeypatch.setattr(importing, "_register_batch", failing_second)
    auth.login("agent")
    text = _imported(client, db, csv_bytes(rows))
    assert 'data-state="failed"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
    assert "新建的 1 件工单已保存" in text or "新建 1 件" in text, text[text.find("导入失败"):][:300]
