"""A real server (gunicorn, 2 workers, migrated SQLite database with demo data) and a real headless Chromium."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "browser-pass-1"
ARTIFACTS = ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env, *args):
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=600)


@pytest.fixture(scope="session")
def server_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("live")
    env = dict(os.environ)
    env.update({
        "TICKETING_ENV": "demo",
        "DATABASE_URL": f"sqlite:///{base / 'live.sqlite3'}",
        "SECRET_KEY": "browser-test-" + "k" * 32,
        "SESSION_COOKIE_SECURE": "0",
        "CLASSIFIER_REGISTRY": str(base / "registry"),
        "INSTANCE_PATH": str(base / "instance"),  # uploads stay out of the developer's instance/
    })
    env.pop("TEST_DATABASE_URL", None)
    return env


@pytest.fixture(scope="session")
def live_server(server_env):
    env = server_env
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo", "--password", PASSWORD, "--tickets", "80")
    registry = Path(env["CLASSIFIER_REGISTRY"])
    subprocess.run([sys.executable, "-m", "classifiers", "train", "--registry", str(registry)], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=900)
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    log_path = Path(env["CLASSIFIER_REGISTRY"]).parent / "gunicorn.log"
    log = log_path.open("wb")
    process = subprocess.Popen([gunicorn, "-c", "python:ticketing.gunicorn_conf", "-w", "2", "-b", f"127.0.0.1:{port}",
                                "wsgi:app"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None:
                log.close()
                raise RuntimeError(log_path.read_text(errors="replace"))
            time.sleep(0.2)
    else:
        process.kill()
        log.close()
        raise RuntimeError("gunicorn did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium package is required for the browser tests: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def signed_out(page) -> None:
    """Leave the page first, then drop the cookies: a request the open page still had in flight (the menu counters'
    refresh) would otherwise bring the session cookie back after they were dropped."""
    page.goto("about:blank")
    page.context.clear_cookies()


def sign_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():  # wait for the POST's answer, not just the current page's idleness
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def draft_kept(page, fields: dict) -> None:
    """Wait until drafts.js has written the draft of a form holding these values to this browser's localStorage.
    It writes 300 ms after the last change, in a timer a loaded machine runs late: a fixed sleep was no guarantee.
    Keys as drafts.js names them: a field's name, or name=value for a radio button or a checkbox (true or false)."""
    page.wait_for_function("""want => Object.keys(localStorage).filter(k => k.startsWith('ticketing-draft:'))
        .some(k => { const draft = JSON.parse(localStorage.getItem(k));
        return !!draft && Object.keys(want).every(name => draft.fields[name] === want[name]); })""", arg=fields)


def register_call(page, phone: str, content: str, *, channel: str | None = None, reference: str | None = None,
                  region: str | None = None, category: str | None = None) -> str:
    """Type a call into the open call form and save it (Ctrl+Enter); the new ticket's number."""
    page.fill("#caller_phone", phone)
    page.fill("#content", content)
    if channel:
        page.select_option("#channel", channel)
    if reference:
        page.fill("#transfer_reference", reference)
    if region:
        page.fill("#region", region)
    if category:
        page.select_option("#category", category)
    with page.expect_navigation():
        page.locator("#content").press("Control+Enter")
    return re.search(r"12393-\d{8}-\d{6}", page.locator(".flash-success").inner_text()).group(0)


def transfer_accepted_with_files(page, base_url: str, phone: str, content: str) -> str:
    """A 12345 order registered by the agent, accepted by 待遇保障科, which uploads a 答复函 and a photo of its own
    check; the page is left on the ticket, signed in as 待遇保障科. The ticket's number."""
    from tests.attachment_files import JPEG, PDF

    sign_in(page, base_url, "agent")
    number = register_call(page, phone, content, channel="transfer_12345", category="DY")
    signed_out(page)
    sign_in(page, base_url, "staff_dybz")
    page.goto(f"{base_url}/tickets/{number}")
    with page.expect_navigation():
        page.get_by_role("button", name="签收", exact=True).click()
    page.get_by_label("上传附件").set_input_files([
        {"name": "答复函.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "核查照片.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    with page.expect_navigation():
        page.get_by_role("button", name="上传", exact=True).click()
    return number
