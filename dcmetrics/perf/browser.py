"""Pages as a user sees them: Debian's chromium, driven by Playwright, against a real
`streamlit run` on a given database; for every page in the account's navigation, the time from
the click on its link until the page is READY.

    python -m dcmetrics.bench --browser --db COPY.duckdb [--repeat 5] [--keep DIR]

READY (the condition Streamlit's own e2e tests wait for, made strict): a rerun has started since
the click and finished (`stApp[data-test-script-state=notRunning]`, connected), no
`stSkeleton`, no `stStatusWidget` («Running…»), no stale element left from the page before, the
page's h1 drawn, every visible `stDataFrame` in the main area has its canvas and every visible
plotly chart its SVG (one in a closed expander or another tab is not drawn until opened). The clock is the page's own (`performance.now()`): taken just before the click, and by the
predicate when it first holds (polled every animation frame); a second rerun that starts within
0.3 s of that (a page that reruns itself) moves the end to the last one.

The database is written to (the accounts of dcmetrics.perf.pages and the stored scores): give
it a copy. Before the server starts, the stored scores of every year are built for the default
profile (both bases) and of the last two years for the profile switched to (both bases), so no figure below
pays a first build (what the first view of a year pays once per data change); the time that took
is reported. Then, per account: a goto of the root (login form ready), the login (click on
«Đăng nhập» to the overview ready), one pass over the menu (first view in this server process:
the in-process caches are cold), then `repeat` passes (each load a switch from the page before),
and a profile switch on the ranking page (`repeat` times, there and back). Median and max are
over the `repeat` passes.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from dcmetrics import framework, scoring
from dcmetrics.perf.pages import ACCOUNTS, prepare_accounts
from dcmetrics.store import Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 240_000  # a first view at national size on a shared machine can take a minute
SETTLE_MS = 300
DEFAULT_PROFILE = "chung"

# Marks that a rerun started after the click (any script state but notRunning), and when the last
# one ended; installed before every timed action.
ARM_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (window.__dcmObs) window.__dcmObs.disconnect();
  window.__dcm = {ran: false, lastStart: -1, frames: window.__dcmFrames || 0};
  // read each record, not the attribute now: a fast rerun can start and end before the callback
  window.__dcmObs = new MutationObserver((records) => {
    for (const r of records) {
      if (r.oldValue !== 'notRunning' || app.getAttribute('data-test-script-state') !== 'notRunning') {
        window.__dcm.ran = true; window.__dcm.lastStart = performance.now();
      }
    }
  });
  window.__dcmObs.observe(app, {attributes: true, attributeOldValue: true,
                                attributeFilter: ['data-test-script-state']});
  return performance.now();
}"""

# performance.now() when the page is ready, else false. `o.h1`: the page's title is drawn (the
# login form has none); `o.logout`: the sidebar's «Đăng xuất» is there (logged in).
READY_JS = """(o) => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || !window.__dcm) return false;
  if (!window.__dcm.ran && (window.__dcmFrames || 0) > window.__dcm.frames) window.__dcm.ran = true;
  if (!window.__dcm.ran) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector('[data-testid=stSkeleton], [data-testid=stStatusWidget], [data-stale=true]'))
    return false;
  const main = document.querySelector('[data-testid=stMain]');
  if (!main || (o.h1 && !main.querySelector('h1'))) return false;
  if (o.logout && ![...document.querySelectorAll('[data-testid=stSidebar] button')]
      .some(b => b.innerText.includes('Đăng xuất'))) return false;
  for (const f of main.querySelectorAll('[data-testid=stDataFrame]'))
    if (f.checkVisibility() && !f.querySelector('canvas')) return false;
  for (const c of main.querySelectorAll('[data-testid=stPlotlyChart]'))
    if (c.checkVisibility() && !c.querySelector('svg.main-svg')) return false;
  return performance.now();
}"""

# Counts the server's messages on the app's websocket. A quick rerun's «running» state can start and
# end within one React render, so the script-state attribute never changes in the DOM; a message
# from the server after the click is then the sign that the click was answered.
WS_COUNT_JS = """(() => {
  const Orig = window.WebSocket;
  window.__dcmFrames = 0;
  window.WebSocket = function (...args) {
    const ws = new Orig(...args);
    ws.addEventListener('message', () => { window.__dcmFrames += 1; });
    return ws;
  };
  window.WebSocket.prototype = Orig.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();"""


def new_context(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(WS_COUNT_JS)
    return context


def warm(db: Path, switch_to: str | None, log=print) -> dict:
    """Build the stored scores the timed views read (see the module's docstring); seconds taken."""
    store = Store(db)
    try:
        years = sorted(scoring.scored_years(store))
        out = {"years": years}
        t0 = time.perf_counter()
        # through stored_score, as the pages read them: each year with the version in force that
        # year, and the year before. refresh() with the profile would score every year with the
        # head's version: vinh-linh's 2024 (version 2024.1) was then built again on the first
        # switch, 35–80 s of a timed view.
        profile = framework.get_profile(DEFAULT_PROFILE)
        for basis in ("appraised", "self"):
            scoring.stored_score(store, profile, years, basis)
        out["default_profile_s"] = time.perf_counter() - t0
        if switch_to:
            t0 = time.perf_counter()
            # both bases: the ranking's note on figures awaiting review reads «self»; left cold, the
            # first switch built those runs (14 s at national size, once per profile version and year)
            for basis in ("appraised", "self"):
                scoring.stored_score(store, framework.get_profile(switch_to), years[-2:], basis)
            out["switch_profile_s"] = time.perf_counter() - t0
        log(f"  stored scores built: {DEFAULT_PROFILE} all years both bases {out['default_profile_s']:.1f} s"
            + (f", {switch_to} last two years {out['switch_profile_s']:.1f} s" if switch_to else ""))
        return out
    finally:
        store.close()


# which of READY_JS's conditions do not hold (for a page that never gets ready)
DIAG_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  const main = document.querySelector('[data-testid=stMain]');
  const out = [];
  if (!window.__dcm || !window.__dcm.ran) out.push('no rerun seen (' + (window.__dcmFrames || 0) + ' messages)');
  if (app) out.push('script ' + app.getAttribute('data-test-script-state') + ', '
                    + app.getAttribute('data-test-connection-state'));
  for (const sel of ['[data-testid=stSkeleton]', '[data-testid=stStatusWidget]', '[data-stale=true]'])
    { const n = document.querySelectorAll(sel).length; if (n) out.push(n + ' ' + sel); }
  if (main && !main.querySelector('h1')) out.push('no h1');
  if (main) {
    out.push([...main.querySelectorAll('[data-testid=stDataFrame]')].filter(f => f.checkVisibility() && !f.querySelector('canvas')).length
             + ' grids without canvas');
    out.push([...main.querySelectorAll('[data-testid=stPlotlyChart]')].filter(c => c.checkVisibility() && !c.querySelector('svg.main-svg'))
             .length + ' charts without svg');
  }
  return out.join('; ');
}"""


class NotReady(Exception):
    pass


def _wait_ready(page, t0: float, opts: dict) -> float:
    """Seconds from t0 (page clock) to the page ready, the last of any reruns in a row."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    while True:
        try:
            end = page.wait_for_function(READY_JS, arg=opts, timeout=TIMEOUT_MS, polling="raf").json_value()
        except PlaywrightTimeout:
            raise NotReady(f"not ready after {TIMEOUT_MS / 1000:.0f} s: {page.evaluate(DIAG_JS)}") from None
        page.wait_for_timeout(SETTLE_MS)
        if page.evaluate("() => window.__dcm.lastStart") <= end and page.evaluate(READY_JS, opts):
            return (end - t0) / 1000


def _timed(page, action, h1: bool = True, logout: bool = True) -> float:
    """Seconds from just before action() to the page ready (page clock)."""
    t0 = page.evaluate(ARM_JS)
    action()
    return _wait_ready(page, t0, {"h1": h1, "logout": logout})


def _timed_goto(page, url: str) -> float:
    """A new tab's load of `url` to the login form ready: the page clock starts at the navigation."""
    page.goto(url, wait_until="commit")
    page.wait_for_selector("[data-testid=stApp]", timeout=TIMEOUT_MS)
    page.evaluate(ARM_JS)
    page.evaluate("() => { window.__dcm.ran = true; }")  # this load's first run may be over already
    return _wait_ready(page, 0.0, {"h1": False, "logout": False})


def _nav_titles(page) -> list[str]:
    # a link's text is its material icon's name, then the title
    return [t.strip().splitlines()[-1].strip()
            for t in page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()]


def _click_nav(page, title: str):
    # by position: a title can be a substring of another («Xếp hạng», «Độ nhạy của xếp hạng»)
    def act():
        titles = _nav_titles(page)
        page.get_by_test_id("stSidebarNav").get_by_role("link").nth(titles.index(title)).click()
    return act


def _choose_profile(page, title: str):
    def act():
        box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Bộ tiêu chí") \
            .locator("input")
        # A long menu (the administrator's) puts the box below the sidebar's fold: a click that has to
        # scroll the sidebar first opens the list and the scroll closes it again at once. Scroll, let
        # the frame settle, then click, as a user would.
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(100)
        box.click()
        page.get_by_role("option", name=title, exact=True).click(timeout=30_000)
    return act


def _errors(page) -> list[str]:
    return [t[:200] for t in page.locator("[data-testid=stException]").all_inner_texts()]


def time_account(browser, url: str, user: str, password: str, repeat: int, profiles: tuple[str, str],
                 shots: Path | None, tag: str, log=print) -> dict:
    context = new_context(browser)
    page = context.new_page()
    try:
        out: dict = {"goto_login_form_s": _timed_goto(page, url)}
        form = page.get_by_test_id("stForm")
        form.get_by_label("Tên đăng nhập").fill(user)
        form.get_by_label("Mật khẩu", exact=True).fill(password)
        out["login_s"] = _timed(page, lambda: form.get_by_role("button", name="Đăng nhập").click())
        titles = _nav_titles(page)
        first_page = titles[0]
        log(f"    login {out['login_s']:.2f} s; {len(titles)} pages in the menu")
        first: dict[str, float] = {}
        loads: dict[str, list[float]] = {t: [] for t in titles}
        errors: dict[str, list[str]] = {}
        # pass 0 starts on the overview (where the login lands): begin with the second page and end
        # on the first, so every load is a switch
        order = titles[1:] + [first_page]
        for rnd in range(repeat + 1):
            for title in order:
                try:
                    dt = _timed(page, _click_nav(page, title))
                except NotReady as e:
                    dt = float("nan")
                    errors.setdefault(title, []).append(str(e))
                    log(f"    {title}: {e}")
                (loads[title].append(dt) if rnd else first.__setitem__(title, dt))
                if problems := _errors(page):
                    errors.setdefault(title, problems)
            log(f"    pass {rnd}: " + ", ".join(f"{t} {(loads[t][-1] if rnd else first[t]):.2f}" for t in order))
        # a profile switch on the ranking page, there and back
        ranking = next((t for t in titles if t == "Xếp hạng"), first_page)
        _timed(page, _click_nav(page, ranking))
        titles_by_id = {p: framework.load_profiles()[p].title for p in profiles}
        switches, switch_errors = [], []
        try:
            for _ in range(repeat):
                switches.append(_timed(page, _choose_profile(page, titles_by_id[profiles[1]])))
                switches.append(_timed(page, _choose_profile(page, titles_by_id[profiles[0]])))
        except Exception as e:  # noqa: BLE001  a switch that never gets ready is a result, not a crash
            switch_errors.append(f"{type(e).__name__}: {str(e)[:300]}")
            log(f"    profile switch: {switch_errors[-1]}")
        out["profile_switch"] = {"median_s": statistics.median(switches) if switches else float("nan"),
                                 "max_s": max(switches, default=float("nan")), "n": len(switches),
                                 "to": profiles[1], "errors": switch_errors}
        # the last page timed: the ranking page after the switch back, as it was when called ready
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            out["screenshot"] = str(shots / f"browser-{tag}-ranking.png")
            page.screenshot(path=out["screenshot"])
        out["pages"] = {t: {"first_s": first[t], "median_s": statistics.median(loads[t]), "max_s": max(loads[t]),
                            "n": len(loads[t]), "errors": errors.get(t, [])} for t in order}
        out["status_widget_after_ready"] = page.locator("[data-testid=stStatusWidget]").count()
        return out
    finally:
        context.close()


def run(db: Path, repeat: int, keep: Path | None, scopes=("nation", "province"), log=print) -> dict:
    from playwright.sync_api import sync_playwright

    from dcmetrics.perf.pages import App

    profiles = framework.load_profiles()
    other = next(p for p in ("vinh-linh", "ca-mau", "tiep-can-phap-luat-mau", *profiles) if p != DEFAULT_PROFILE
                 and p in profiles)
    creds = prepare_accounts(db)
    province, n_province = creds.pop("_province")
    result = {"db": str(db), "province": province, "province_scope_units": int(n_province),
              "repeat": repeat, "switch_profile": other}
    result["warm"] = warm(db, other, log=log)
    with App(db) as app, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            url = f"http://127.0.0.1:{app.port}/"
            result["scopes"] = {}
            for scope in scopes:
                user, password = creds[scope]
                log(f"  browser as {user} ({scope}, {ACCOUNTS[scope][1]})")
                result["scopes"][scope] = time_account(browser, url, user, password, repeat,
                                                       (DEFAULT_PROFILE, other), keep, scope, log=log)
        finally:
            browser.close()
    return result


def report(result: dict, out=print) -> None:
    w = result["warm"]
    out(f"\ndatabase {result['db']} · one province {result['province']} ({result['province_scope_units']:,} units "
        f"and areas in its leader's scope) · warmed first: stored scores of {DEFAULT_PROFILE} for "
        f"{w['years'][0]}–{w['years'][-1]} (both bases) in {w['default_profile_s']:.1f} s, "
        f"{result['switch_profile']} for the last two years in {w.get('switch_profile_s', 0):.1f} s")
    for scope, r in result["scopes"].items():
        out(f"\n{scope}: goto → login form ready {r['goto_login_form_s']:.2f} s · login {r['login_s']:.2f} s · "
            f"profile switch ({r['profile_switch']['to']} and back) median {r['profile_switch']['median_s']:.2f} s, "
            f"max {r['profile_switch']['max_s']:.2f} s over {r['profile_switch']['n']}")
        out(f"  {'page':<32}{'first':>8}{'median':>8}{'max':>8}  n  errors")
        for title, s in r["pages"].items():
            out(f"  {title:<32}{s['first_s']:>7.2f}s{s['median_s']:>7.2f}s{s['max_s']:>7.2f}s  {s['n']}  "
                f"{'; '.join(s['errors'])}")


def write(result: dict, keep: Path, info: dict) -> Path:
    keep.mkdir(parents=True, exist_ok=True)
    path = keep / "results.json"
    path.write_text(json.dumps({"machine": info, "browser": result}, indent=1, ensure_ascii=False))
    return path
