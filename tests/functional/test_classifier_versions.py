"""分类模型 page and retraining: versions with their metrics, activate, roll back, retrain from people's labels.

Models are trained on the small fixture corpus of the classifier's unit tests (seconds, not the shipped
corpus's minute), in a registry of each test's own so the session's registry stays empty for other tests.
"""
from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from classifiers.corpus import read_csv
from classifiers.registry import ModelRegistry
from classifiers.train import train_model
from tests.classifier_files import FIXTURE, rewrite_metadata
from tests.factories import make_ticket
from ticketing.services import learning, tickets
from ticketing.services.deadlines import LOCAL_TZ

@pytest.fixture()
def fixture_examples():
    return read_csv(FIXTURE)


@pytest.fixture()
def registry(app, tmp_path, monkeypatch, fixture_examples):
    """The app's classifier registry pointed at an empty folder; the shipped corpus replaced by the fixture."""
    import classifiers.corpus

    holder = app.extensions["classifier"]
    monkeypatch.setattr(holder, "registry_root", str(tmp_path / "registry"))
    monkeypatch.setattr(classifiers.corpus, "load_shipped_corpus", lambda corpus_dir=None: list(fixture_examples))
    holder.reset()
    yield ModelRegistry(tmp_path / "registry")
    holder._classifier, holder._version, holder.error = None, None, None  # forget this test's model
    holder.reset()


def versions_on_page(html: str) -> list[str]:
    return [line.split("<td>", 1)[1].split("<", 1)[0].strip()
            for line in html.splitlines() if "<td>20" in line and "Z-" in line]


def test_page_lists_versions_with_metrics_and_activates_then_rolls_back(db, users, auth, client, registry,
                                                                          fixture_examples):
    first = train_model(fixture_examples, registry)  # the first version is activated
    second = train_model(fixture_examples[:-6], registry)  # later ones are not
    assert registry.active_version() == first["version"]
    auth.login("admin")
    html = client.get("/admin/classifier/").get_data(as_text=True)
    assert versions_on_page(html) == [second["version"], first["version"]]  # newest first
    assert f"{first['version']} <span class=\"tag\">当前启用</span>" in html
    assert f"{first['cv_metrics']['macro_f1']:.3f}" in html and str(second["n_samples"]) in html
    difference = second["cv_metrics"]["macro_f1"] - first["cv_metrics"]["macro_f1"]
    assert f"{difference:+.3f}" in html  # the new version's score beside the active one's
    assert f"{second['versions']['sklearn']} / {second['versions']['jieba']}" in html
    trained = datetime.fromisoformat(first["created_at"]).astimezone(LOCAL_TZ)  # Beijing time, not UTC's digits
    assert f"<td>{trained:%Y-%m-%d %H:%M}</td>" in html

    response = client.post("/admin/classifier/activate", data={"version": second["version"]}, follow_redirects=True)
    assert f"已启用模型版本 {second['version']}" in response.get_data(as_text=True)
    assert registry.active_version() == second["version"]
    html = client.get("/admin/classifier/").get_data(as_text=True)
    assert "启用（回退）" in html  # the older version is offered as a rollback

    client.post("/admin/classifier/activate", data={"version": first["version"]})
    assert registry.active_version() == first["version"]


def test_rollback_is_told_by_creation_time_even_within_one_second(db, users, auth, client, registry,
                                                                   fixture_examples, monkeypatch):
    # version names carry the second and a random suffix: two saved in one second sort by chance
    import classifiers.registry as registry_module

    names = iter(["20261203T070000Z-ffffff", "20261203T070000Z-000000"])
    monkeypatch.setattr(registry_module, "new_version", lambda now: next(names))
    older = train_model(fixture_examples, registry)["version"]
    newer = train_model(fixture_examples[:-6], registry)["version"]
    assert newer < older  # by name
    registry.activate(newer)
    auth.login("admin")
    html = client.get("/admin/classifier/").get_data(as_text=True)
    assert versions_on_page(html) == [newer, older]  # newest first
    assert "启用（回退）" in html  # activating the older one is a rollback
    registry.activate(older)
    html = client.get("/admin/classifier/").get_data(as_text=True)
    assert "启用（回退）" not in html and "启用</button>" in html


def test_activating_an_unknown_or_incompatible_version_says_so_and_changes_nothing(db, users, auth, client, registry,
                                                                   fixture_examples):
    active = train_model(fixture_examples, registry)["version"]
    auth.login("admin")
    for bad in ("../../etc", "20990101T000000Z-abcdef", ""):
        html = client.post("/admin/classifier/activate", data={"version": bad}, follow_redirects=True) \
            .get_data(as_text=True)
        assert "无法启用" in html
        assert registry.active_version() == active
    other = train_model(fixture_examples[:-6], registry)["version"]
    rewrite_metadata(registry.path(other), lambda meta: meta["versions"].update(jieba="0.39"))
    html = client.post("/admin/classifier/activate", data={"version": other}, follow_redirects=True) \
        .get_data(as_text=True)
    assert "无法启用" in html and "版本不一致" in html and "0.39" in html
    assert registry.active_version() == active
    auth.logout()
    auth.login("supervisor")
    assert client.post("/admin/classifier/activate", data={"version": active}).status_code == 403


def test_retrain_learns_from_peoples_labels_and_registers_without_activating(db, users, now, registry,
                                                                            fixture_examples):
    active = train_model(fixture_examples, registry)
    ticket = make_ticket(db, users, now, category="DY", content="我的医保卡被别人冒用去药店刷卡买药了")
    tickets.set_category(db.session, ticket, tickets._category_by_code(db.session, "JJ"), actor=users["agent"],
                         now=now)
    db.session.commit()
    steps = []
    metadata = learning.retrain(db.session, registry, progress=lambda step, fraction: steps.append(fraction))
    assert metadata["n_samples"] == len(fixture_examples) + 1  # the ticket, once, with its latest category
    assert metadata["label_counts"]["JJ"] == sum(e.label == "JJ" for e in fixture_examples) + 1
    assert metadata["dataset_sha256"] != active["dataset_sha256"]
    assert registry.active_version() == active["version"]  # registered, not activated
    assert [v["version"] for v in registry.list_versions()] == [metadata["version"], active["version"]]
    assert steps[-1] == 1.0 and steps == sorted(steps)


def test_retrain_started_from_the_page_runs_in_the_background_and_reports_progress(db, users, auth, client,
                                                                                  registry, fixture_examples):
    active = train_model(fixture_examples, registry)
    auth.login("admin")
    response = client.post("/admin/classifier/retrain", follow_redirects=True)
    assert "已开始重新训练" in response.get_data(as_text=True)
    status_file = Path(registry.root) / "retrain-status.json"
    deadline = time.monotonic() + 300  # a wait for the thread, not a speed test
    while json.loads(status_file.read_text(encoding="utf-8")).get("state") not in ("done", "failed"):
        assert time.monotonic() < deadline, "retraining did not finish"
        time.sleep(0.2)
    status = json.loads(status_file.read_text(encoding="utf-8"))
    assert status["state"] == "done", status
    html = client.get("/admin/classifier/").get_data(as_text=True)
    assert "已完成" in html and f"新版本 {status['version']}" in html
    assert versions_on_page(html) == [status["version"], active["version"]]
    assert registry.active_version() == active["version"]


def test_a_version_with_damaged_metadata_is_named_and_the_others_still_work(db, users, auth, client, registry,
                                                                            fixture_examples):
    active = train_model(fixture_examples, registry)["version"]
    damaged = train_model(fixture_examples[::2], registry)["version"]
    (registry.path(damaged) / "metadata.json").write_text('{"version": "', encoding="utf-8")
    auth.login("admin")
    page = client.get("/admin/classifier/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and versions_on_page(html) == [active]
    assert f"{damaged}（metadata.json 无法读取" in html


def test_command_line_retrains_lists_and_activates(app, db, users, registry, fixture_examples):
    active = train_model(fixture_examples, registry)["version"]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["classifier", "retrain"])
    assert result.exit_code == 0, result.output
    new = registry.list_versions()[0]["version"]
    assert f"新版本 {new} 已登记（未启用）" in result.output and f"训练样本 {len(fixture_examples)}" in result.output
    listing = runner.invoke(args=["classifier", "list"]).output.splitlines()
    assert listing[0].startswith(f"  {new}") and listing[1].startswith(f"* {active}")
    refused = runner.invoke(args=["classifier", "activate", "../../etc"])
    assert refused.exit_code == 1 and "模型版本名无效" in refused.output and "Traceback" not in refused.output
    assert runner.invoke(args=["classifier", "activate", new]).exit_code == 0
    assert registry.active_version() == new


def test_call_form_suggestions_say_whether_a_model_is_loaded_before_any_text(db, users, auth, client, registry,
                                                                              fixture_examples):
    auth.login("agent")
    empty = client.post("/agent/assist", json={"text": "", "phone": ""}).get_json()
    assert empty["model"] is None and empty["suggestions"] == []  # no model: the form says to choose by hand
    version = train_model(fixture_examples, registry)["version"]
    client.application.extensions["classifier"].reset()
    short = client.post("/agent/assist", json={"text": "医保", "phone": ""}).get_json()
    assert short["model"] == version and short["suggestions"] == []  # too short to suggest, model loaded
    longer = client.post("/agent/assist", json={"text": "异地就医备案怎么办理", "phone": ""}).get_json()
    assert longer["model"] == version and longer["suggestions"]


def test_only_one_retraining_runs_however_many_workers_are_asked(tmp_path, monkeypatch):
    """Two administrators pressing 开始重新训练 at once on two workers both started one (a review with four
    workers): the claim file is created exclusively, so the second press is refused until the first ends."""
    import threading

    release = threading.Event()
    monkeypatch.setattr(learning, "retrain", lambda *a, **k: release.wait(30) and {"version": "v-new"})

    class App:
        def app_context(self):
            from contextlib import nullcontext
            return nullcontext()

    first, second = learning.RetrainJob(tmp_path), learning.RetrainJob(tmp_path)  # one per worker
    assert first.start(App(), registry=None) is True
    assert second.start(App(), registry=None) is False and second.status()["state"] == "running"
    release.set()
    deadline = time.monotonic() + 30
    while second.status()["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert second.status()["state"] == "done" and not (tmp_path / "retrain.claim").exists()


def test_a_retraining_whose_worker_died_is_shown_interrupted_and_can_be_started_again(tmp_path, monkeypatch):
    import os
    from datetime import UTC, datetime, timedelta

    job = learning.RetrainJob(tmp_path)
    (tmp_path / "retrain.claim").touch()  # left by a worker killed mid-run
    os.utime(tmp_path / "retrain.claim", (time.time(), time.time()))  # its age on the clock the job reads
    job._write(state="running", step="交叉验证", fraction=0.4)
    assert job.status()["state"] == "running"
    later = datetime.now(UTC) + job.STALE_AFTER + timedelta(minutes=1)
    assert job.status(later)["state"] == "interrupted"

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return later

    monkeypatch.setattr(learning, "datetime", Later)
    monkeypatch.setattr(learning, "retrain", lambda *a, **k: {"version": "v-new"})
    from contextlib import nullcontext
    app = type("App", (), {"app_context": lambda self: nullcontext()})()
    assert job.start(app, registry=None) is True  # the dead run's claim is taken over


def test_a_claim_left_by_a_finished_run_does_not_block_the_next_but_a_fresh_one_does(tmp_path, monkeypatch):
    import os
    from contextlib import nullcontext

    monkeypatch.setattr(learning, "retrain", lambda *a, **k: {"version": "v-new"})
    app = type("App", (), {"app_context": lambda self: nullcontext()})()
    job = learning.RetrainJob(tmp_path)
    claim = tmp_path / "retrain.claim"
    claim.touch()  # a fresh claim: a run that has not written its first status yet
    os.utime(claim, (time.time(), time.time()))  # fresh on the clock the job reads, not only the file system's
    assert job.start(app, registry=None) is False
    an_hour_ago = time.time() - 3600
    os.utime(claim, (an_hour_ago, an_hour_ago))  # left by a worker that died after its last status (none here)
    assert job.start(app, registry=None) is True


def test_the_train_command_records_the_version_it_activates(app, db, users, registry):
    """`flask classifier train` activates the first version: 操作日志 says so, as for the page and `activate` (an
    event review: the model the centre classifies with changed unrecorded); a later one is not activated."""
    from sqlalchemy import select

    from ticketing.models import AdminEvent

    runner = app.test_cli_runner()
    first = runner.invoke(args=["classifier", "train"])
    assert first.exit_code == 0, first.output
    active = registry.active_version()
    assert active is not None and f"已启用 {active}" in first.output
    second = runner.invoke(args=["classifier", "train"])
    assert second.exit_code == 0 and "已启用" not in second.output and registry.active_version() == active
    recorded = db.session.scalars(select(AdminEvent).where(AdminEvent.action == "classifier activated")).all()
    assert [e.details for e in recorded] == [{"version": active}]
