"""Pages as a user gets them: a real `streamlit run` against a given database, driven through
Streamlit's agent API (POST /_stcore/agent/interact answers when the rerun is finished, so a
request's time is the request to `status: ready`).

    python -m dcmetrics.bench --pages --db COPY.duckdb [--sessions 1,5,10] [--rounds 6]

The database is written to (bench accounts, stored scores): give it a copy. Two accounts are
created (or their password reset): `bench.quocgia`, an administrator of the whole system (every
unit of the nation), and `bench.tinh`, a leader of the first province. For each, every result
page is timed (first view, then warm, median of `repeat`), the login too; then N sessions at
once, each logged in, alternate ranking and overview `rounds` times: p50, p95, throughput,
failures (an HTTP error, a status other than ready, an exception element)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from dcmetrics import access
from dcmetrics.store import Store

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"overview": "", "ranking": "ranking", "trends": "trends", "map": "map", "unit": "unit",
         "commendation": "commendation"}
ACCOUNTS = {"nation": ("bench.quocgia", access.ADMIN, access.ALL_AREAS),
            "province": ("bench.tinh", access.LEADER, None)}
LOGIN_TRIGGER = "FormSubmitter:login-Đăng nhập"


def prepare_accounts(db: Path) -> dict[str, tuple[str, str]]:
    """scope -> (username, password), created or reset with the core's own functions."""
    store = Store(db)
    try:
        province = store.rows("SELECT code FROM units WHERE type = 'province' ORDER BY code LIMIT 1")[0][0]
        out = {}
        for scope, (name, role, area) in ACCOUNTS.items():
            password = "bench-" + secrets.token_urlsafe(12)
            if access.get_account(store, name) is None:
                access.create_account(store, access.SYSTEM, name, password, role, area or province)
            else:
                access.set_password(store, access.SYSTEM, name, password)
            out[scope] = (name, password)
        leader = access.get_account(store, ACCOUNTS["province"][0])
        out["_province"] = (province, str(len(access.allowed_areas(store, leader))))
        return out
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """A `streamlit run` of app.py on a free port, stopped on exit."""

    def __init__(self, db: Path):
        self.port = _free_port()
        env = {**os.environ, "DCMETRICS_DB": str(db), "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={self.port}", "--server.enableAgentApi=true",
             "--browser.gatherUsageStats=false"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/_stcore/agent/interact"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        self.close()
        raise RuntimeError("streamlit did not start")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _has_exception(node) -> bool:
    if node.get("type") == "exception":
        return True
    return any(_has_exception(c) for c in node.get("children", []))


class Session:
    def __init__(self, app: App):
        self.app, self.sid = app, None

    def send(self, **body) -> tuple[float, dict | None, str | None]:
        """(seconds, answer, failure) of one request."""
        if self.sid:
            body["session_id"] = self.sid
        req = urllib.request.Request(self.app.url, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"}, method="POST")
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                answer = json.loads(r.read())
        except OSError as e:
            return time.perf_counter() - t0, None, f"HTTP: {e}"
        dt = time.perf_counter() - t0
        self.sid = answer.get("session_id", self.sid)
        if answer.get("status") != "ready":
            return dt, answer, f"status {answer.get('status')}"
        if _has_exception(answer["tree"]):
            return dt, answer, "exception element"
        return dt, answer, None

    def login(self, user: str, password: str) -> float:
        self.send()
        dt, answer, failure = self.send(widget_state={"login_user": user, "login_password": password},
                                        trigger={"key": LOGIN_TRIGGER})
        if failure or "Đăng xuất" not in json.dumps(answer["tree"], ensure_ascii=False):
            raise RuntimeError(f"login of {user} failed: {failure}")
        return dt


def _quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def time_pages(app: App, user: str, password: str, repeat: int) -> dict:
    s = Session(app)
    out = {"login_s": s.login(user, password)}
    offered = {p["url_path"] for p in s.send()[1]["pages"]}
    for name, path in PAGES.items():
        if path not in offered:  # not in this account's menu (commendation: the committee's)
            continue
        first, _, failure = s.send(page=path)
        warm = []
        for _ in range(repeat):
            s.send(page="" if path else "ranking")  # away and back: a page switch each time
            dt, _, failure2 = s.send(page=path)
            warm.append(dt)
            failure = failure or failure2
        out[name] = {"first_s": first, "warm_s": statistics.median(warm), "failure": failure}
    return out


def concurrent(app: App, user: str, password: str, n: int, rounds: int) -> dict:
    sessions = [Session(app) for _ in range(n)]
    for s in sessions:
        s.login(user, password)
    times, failures = [], []
    lock = threading.Lock()

    def work(i: int, s: Session):
        for r in range(rounds):
            dt, _, failure = s.send(page="ranking" if (r + i) % 2 == 0 else "")
            with lock:
                times.append(dt)
                if failure:
                    failures.append(failure)

    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(sessions)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"sessions": n, "requests": len(times), "p50_s": statistics.median(times),
            "p95_s": _quantile(times, 0.95), "max_s": max(times), "throughput_rps": len(times) / wall,
            "failures": len(failures), "failure_kinds": sorted(set(failures))}


def run(db: Path, sessions: list[int], rounds: int, repeat: int, scopes=("nation", "province"), log=print) -> dict:
    creds = prepare_accounts(db)
    province, n_province = creds.pop("_province")
    result = {"db": str(db), "province": province, "province_units": int(n_province), "scopes": {}}
    with App(db) as app:
        for scope in scopes:
            user, password = creds[scope]
            log(f"  pages as {user} ({scope})")
            r = {"pages": time_pages(app, user, password, repeat), "concurrent": []}
            for n in sessions:
                log(f"  {n} concurrent sessions ({scope})")
                r["concurrent"].append(concurrent(app, user, password, n, rounds))
            result["scopes"][scope] = r
    return result


def report(result: dict, out=print) -> None:
    out(f"database {result['db']} · one province: {result['province']} ({result['province_units']:,} units and areas)")
    for scope, r in result["scopes"].items():
        out(f"\n{scope}: login {r['pages']['login_s']:.2f} s")
        out(f"  {'page':<14}{'first':>9}{'warm':>9}  failure")
        for name in PAGES:
            p = r["pages"].get(name)
            if p is None:
                out(f"  {name:<14}{'(not in this account’s menu)':>30}")
                continue
            out(f"  {name:<14}{p['first_s']:>8.2f}s{p['warm_s']:>8.2f}s  {p['failure'] or ''}")
        out(f"  {'sessions':<10}{'requests':>9}{'p50':>8}{'p95':>8}{'max':>8}{'req/s':>8}  failures")
        for c in r["concurrent"]:
            out(f"  {c['sessions']:<10}{c['requests']:>9}{c['p50_s']:>7.2f}s{c['p95_s']:>7.2f}s{c['max_s']:>7.2f}s"
                f"{c['throughput_rps']:>8.2f}  {c['failures']} {', '.join(c['failure_kinds'])}")
