"""Many people at once on one database: gunicorn (several workers) under reads and writes from parallel clients.

Each run starts the demo on a fresh database, issues an agent's API token, and for ``--seconds`` lets ``--readers``
threads list tickets (GET /api/v1/tickets, which also logs nothing) and ``--writers`` threads add internal notes
(POST …/actions note) as fast as they are answered. It prints requests per second, the median and 95th percentile
latency, and the errors (any status other than 200), per kind.

On SQLite it runs twice in the same process, with each request taking the write lock when it begins (the default)
and without (``SQLITE_REQUEST_LOCK=0``), and prints the ratio. Without the lock, writes that meet are refused
("database is locked", a 500); with it they wait their turn.

    .venv/bin/python bench/bench_concurrency.py                       # SQLite, both ways
    createdb -h 127.0.0.1 -U postgres bench_concurrency
    .venv/bin/python bench/bench_concurrency.py --database-url postgresql://postgres@127.0.0.1:5432/bench_concurrency
    dropdb -h 127.0.0.1 -U postgres bench_concurrency
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import scratch_folder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> str:
    """The demo's data on the database, and an agent's API token."""
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo", "--password", "Bench-pass-2026x"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    made = subprocess.run(flask + ["create-token", "--user", "agent"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return made.stdout.strip().splitlines()[-1]


def start(env: dict, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def call(url: str, token: str, body: dict | None = None) -> int:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def load(base: str, token: str, number: str, readers: int, writers: int, seconds: float) -> dict:
    results: dict[str, list[tuple[float, int]]] = {"read": [], "write": []}
    lock, stop = threading.Lock(), time.perf_counter() + seconds

    def work(kind: str, n: int):
        done = []
        while time.perf_counter() < stop:
            began = time.perf_counter()
            if kind == "read":
                status = call(f"{base}/api/v1/tickets?per_page=30", token)
            else:
                status = call(f"{base}/api/v1/tickets/{number}/actions", token, {"action": "note", "content": f"压测 {n}"})
            done.append((time.perf_counter() - began, status))
        with lock:
            results[kind] += done

    threads = [threading.Thread(target=work, args=("read", n)) for n in range(readers)]
    threads += [threading.Thread(target=work, args=("write", n)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    summary = {}
    for kind, rows in results.items():
        times = sorted(t for t, _ in rows)
        summary[kind] = {
            "requests": len(rows), "per_second": round(len(rows) / seconds, 1),
            "median_ms": round(statistics.median(times) * 1000, 1) if times else None,
            "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1) if times else None,
            "errors": sum(1 for _, status in rows if status != 200),
        }
    return summary


def run(database_url: str | None, lock: bool, args) -> dict:
    folder = scratch_folder("bench-concurrency-")
    env = {**os.environ, "TICKETING_ENV": "demo", "INSTANCE_PATH": str(folder),
           "CLASSIFIER_REGISTRY": str(folder / "registry"), "SQLITE_REQUEST_LOCK": "1" if lock else "0"}
    env["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    token = prepare(env)
    port = free_port()
    server = start(env, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(urllib.request.Request(
                f"{base}/api/v1/tickets?per_page=1&status=accepted",
                headers={"Authorization": f"Bearer {token}"})) as response:
            number = json.load(response)["items"][0]["number"]
        return load(base, token, number, args.readers, args.writers, args.seconds)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL made for the run (default: SQLite, both ways)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    if args.database_url:
        figures = {"postgresql": run(args.database_url, True, args)}
    else:
        figures = {"sqlite_lock": run(None, True, args), "sqlite_no_lock": run(None, False, args)}
        with_lock, without = figures["sqlite_lock"], figures["sqlite_no_lock"]
        figures["ratio_lock_to_no_lock"] = {
            kind: round(with_lock[kind]["per_second"] / without[kind]["per_second"], 2)
            if without[kind]["per_second"] else None for kind in ("read", "write")}
    for name, value in figures.items():
        print(name, value)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
