"""Starting `streamlit run` for browser tests and driving Streamlit's DOM with Playwright."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"
SHOTS = OUTPUT / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

# Streamlit's glide-data-grid: 35 px rows (header is row 0), a 30 px row-marker column when rows
# can be selected (values from Streamlit's own e2e helpers, e2e_playwright/shared/dataframe_utils.py).
ROW_HEIGHT_PX = 35
ROW_MARKER_WIDTH_PX = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` in its own process group, output to a log file. `command`: another
    way to serve the app on `{port}` (e.g. uvicorn serve:app), the same health check."""

    def __init__(self, db_path: Path, log_path: Path, port: int | None = None, env: dict | None = None,
                 command: list[str] | None = None):
        self.command = command
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = db_path
        self.log_path = log_path
        self._tmp_log = db_path.parent / "streamlit.log"
        self.proc: subprocess.Popen | None = None
        self.extra_env = env or {}

    def start(self, timeout: float = 90) -> "StreamlitServer":
        env = dict(os.environ, **self.extra_env, DCMETRICS_DB=str(self.db_path), PYTHONUNBUFFERED="1")
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py",
               "--server.headless", "true", "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        if self.command is not None:
            cmd = [part.replace("{port}", str(self.port)) for part in self.command]
        self._log = open(self._tmp_log, "wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        try:
            return self._tmp_log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            pgid = os.getpgid(self.proc.pid)  # our own group (start_new_session), nothing else
            os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._tmp_log.exists():
            shutil.copyfile(self._tmp_log, self.log_path)


# ---------------------------------------------------------------- Streamlit DOM

VIEWPORT = {"width": 1400, "height": 1200}


def serve(tmp_path_factory, name: str, env: dict | None = None, timeout: float = 90) -> StreamlitServer:
    """`streamlit run app.py` on a database that does not exist yet (the first visit creates it
    and loads the sample), its console in test-output/streamlit-<name>.log."""
    db = tmp_path_factory.mktemp(f"browser-{name}-db") / "dcmetrics.duckdb"
    return StreamlitServer(db, OUTPUT / f"streamlit-{name}.log", env=env).start(timeout=timeout)


def new_page(browser, timeout_ms: int, **context_args):
    """A tab in a fresh browser context (a new Streamlit session, logged out) that records the
    page's JavaScript errors, failed requests and dialogs; close it with page.context.close()."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", **context_args)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    page.js_errors, page.failed_requests, page.dialogs = [], [], []
    page.on("pageerror", lambda e: page.js_errors.append(str(e)))
    page.on("requestfailed", lambda r: page.failed_requests.append(r.url))
    return page


def assert_clean(page, step: str) -> None:
    """No Streamlit exception or traceback on the page and no JavaScript error so far."""
    problems = errors_on_page(page)
    assert not problems, f"{step}: {problems}"
    assert not page.js_errors, f"{step}: JavaScript errors {page.js_errors}"


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    """Wait for the app to be connected, the script to have finished and no skeleton left."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout_ms)
    page.wait_for_selector("[data-testid=stApp][data-test-connection-state=CONNECTED]", timeout=timeout_ms)
    # a rerun may not have started yet right after an action: give it a moment to flip to running
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout_ms)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stSkeleton]').length === 0",
                           timeout=timeout_ms)


def login_if_asked(page, username: str, password: str, timeout_ms: int = 30_000) -> bool:
    """Fill the app's login form when it is shown; True if it logged in."""
    form = page.get_by_test_id("stForm")
    user = form.get_by_label("Tên đăng nhập")
    if not user.count():
        return False
    user.fill(username)
    form.get_by_label("Mật khẩu", exact=True).fill(password)
    form.get_by_role("button", name="Đăng nhập").click()
    wait_for_app(page, timeout_ms)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Đăng xuất").wait_for(timeout=timeout_ms)
    return True


def errors_on_page(page) -> list[str]:
    """Exceptions Streamlit drew, and any alert carrying a Python traceback."""
    found = [f"stException: {t[:300]}" for t in page.locator("[data-testid=stException]").all_inner_texts()]
    for t in page.get_by_role("alert").all_inner_texts():
        if "Traceback" in t:
            found.append(f"alert: {t[:300]}")
    return found


def sidebar_selectbox(page, label: str):
    return page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text=label)


def choose(page, label: str, option: str) -> None:
    """Open a sidebar selectbox by its label and pick an option by its visible text."""
    box = sidebar_selectbox(page, label)
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()


def screenshot(page, name: str, max_height: int = 8000) -> Path:
    """The whole page. Streamlit scrolls inside its main area, not the document, so Playwright's
    full_page alone stops at the viewport: grow the viewport to the content for the shot."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    height = 0
    for _ in range(20):  # until the content stops growing (expanders animate open)
        page.wait_for_timeout(150)
        now = page.evaluate("""() => Math.max(document.body.scrollHeight,
            ...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebarContent]')]
                .map(e => e.scrollHeight))""")
        if now == height:
            break
        height = now
    try:
        if size and height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, max_height)})
            page.wait_for_timeout(500)  # let the grid and charts lay out at the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        if size:
            page.set_viewport_size(size)
    return path


def click_dataframe_row(frame, row: int) -> None:
    """Click the row-marker (checkbox) cell of data row `row` (0 = first data row) of a
    selectable st.dataframe; `frame` is its [data-testid=stDataFrame] locator."""
    frame.scroll_into_view_if_needed()
    frame.locator("canvas").first.wait_for(state="visible")
    frame.click(position={"x": ROW_MARKER_WIDTH_PX / 2, "y": (row + 1) * ROW_HEIGHT_PX + ROW_HEIGHT_PX / 2})
