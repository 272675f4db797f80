"""Reading ahead what the first page views read, so that a login or the first view after an
upload does not pay it (issue 19: login < 1 s).

Every cache the pages hit is kept per data version (`store.cache_key`): a fresh process, and
every commit, leave them cold, and the next page view paid the stored scores' read, the
completeness rows, the subtree of its area... (2,4 s for the first login at national size). A
primer thread does that work in the background instead: once when the app's process opens its
store (while the first visitor types a password), and again after each change of data, once a
burst of commits has settled (one priming for the burst, not one per commit).

It primes with the system account and the sidebar's defaults (the newest scored year, the
default profile, the appraised basis), then the areas of the active accounts, within a time
budget. It changes nothing stored except what a page view would: the stored runs are brought up
to date (on PostgreSQL once across processes, as for any page)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from dcmetrics import access, completeness, dashboard, scoring, territory, units
from dcmetrics.dashboard import Filters
from dcmetrics.errors import DcmetricsError

DEFAULT_PROFILE = "chung"  # the sidebar's default when it exists (ui.context.sidebar_filters)
POLL_SECONDS = 2.0          # how often the file's data version is read (PostgreSQL: a NOTIFY wakes it)
SETTLE_SECONDS = 1.0        # a burst of commits: prime once they stop coming for this long
AREA_BUDGET_SECONDS = 20.0  # the accounts' areas are primed until this much time has gone
MAX_AREAS = 24              # and at most this many: the views' caches keep 64 entries (dashboard, completeness)
START_DELAY_SECONDS = 1.0   # the first visitor's login form is drawn before the primer competes for the GIL


@dataclass
class Primed:
    """What one priming read, and how long each part took (seconds)."""
    data_version: int
    profile: str | None = None
    year: int | None = None
    areas: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _timed(out: Primed, name: str, work) -> None:
    t0 = time.perf_counter()
    work()
    out.seconds[name] = out.seconds.get(name, 0.0) + time.perf_counter() - t0


def account_areas(store) -> list[str]:
    """The areas of the active accounts that read results over an area (not the whole system),
    the most used first: those views are the next logins'."""
    rows = store.rows("SELECT area_code, count(*) AS n FROM accounts WHERE active AND role <> $admin "
                      "AND area_code <> $all GROUP BY area_code ORDER BY n DESC, area_code",
                      {"admin": access.ADMIN, "all": access.ALL_AREAS})
    return [r[0] for r in rows]


def prime(store, profiles: dict, budget: float = AREA_BUDGET_SECONDS) -> Primed:
    """Fill the per-data-version caches the landing pages read (overview, ranking, their notes):
    for the whole system, then for each account's area while `budget` seconds last."""
    out = Primed(store.data_version())
    years = scoring.scored_years(store)
    if not years or not profiles:
        return out
    profile = profiles.get(DEFAULT_PROFILE) or next(iter(profiles.values()))
    year = max(years)
    if not profile.has_version_for(year):
        return out
    out.profile, out.year = profile.id, year
    everything = Filters(year=year)
    actor = access.SYSTEM
    _timed(out, "scores", lambda: dashboard.overview(store, profile, everything, actor))
    _timed(out, "ranking", lambda: dashboard.ranking(store, profile, everything, actor))
    _timed(out, "awaiting_review", lambda: dashboard.awaiting_review(store, profile, everything, actor))
    _timed(out, "completeness", lambda: completeness.province_summary(store, profile, everything, actor))
    _timed(out, "areas", lambda: territory.profiles_in_area(store, None, year))
    t0 = time.perf_counter()
    for code in account_areas(store)[:MAX_AREAS]:
        if time.perf_counter() - t0 > budget:
            break
        in_area = Filters(year=year, area=code)

        def area_views():
            units.subtree(store, code)
            dashboard.overview(store, profile, in_area, actor)
            completeness.province_summary(store, profile, in_area, actor)
        try:
            _timed(out, "account_areas", area_views)
        except DcmetricsError:  # an account's area that ended before this year: nothing to read ahead
            continue
        out.areas += 1
    return out


class Primer:
    """A daemon thread priming `store`'s caches at start and after every settled burst of
    commits; `stop()` ends it. `profiles()` gives the profiles at each priming (the editor may
    have published one meanwhile); `warm()`, run once first, is the caller's own read-ahead (the
    app: the libraries its pages' first figure imports); `log` receives one line per priming
    (the server's console)."""

    def __init__(self, store, profiles, log=print, poll: float = POLL_SECONDS,
                 settle: float = SETTLE_SECONDS, budget: float = AREA_BUDGET_SECONDS, warm=None,
                 delay: float = START_DELAY_SECONDS):
        self.store, self.profiles, self.log, self.warm = store, profiles, log, warm
        self.delay = delay
        self.poll, self.settle, self.budget = poll, settle, budget
        self.last: Primed | None = None
        self.primed = threading.Event()  # set after each priming (tests wait on it)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dcmetrics-primer", daemon=True)

    def start(self) -> Primer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _version(self) -> int | None:
        try:
            return self.store.data_version()
        except Exception:  # the store was closed (a test, a restart): nothing more to prime
            return None

    def _wait_for_change(self, seen: int, listener) -> int | None:
        """The data version once it differs from `seen` and has not moved for `settle` seconds."""
        while not self._stop.is_set():
            if listener is not None:
                listener.wait(self.poll)
            else:
                self._stop.wait(self.poll)
            now = self._version()
            if now is None:
                return None
            if now == seen:
                continue
            while not self._stop.wait(self.settle):  # let a burst of commits finish
                later = self._version()
                if later is None or later == now:
                    return later
                now = later
        return None

    def _run(self) -> None:
        listener = None
        if self._stop.wait(self.delay):
            return
        try:
            if getattr(self.store, "dialect", "duckdb") == "postgresql":
                listener = self.store.listen()
            if self.warm is not None:
                try:
                    self.warm()
                except Exception as e:
                    self.log(f"dcmetrics: không chuẩn bị sẵn được thư viện: {e}")
            seen = self._version()
            while seen is not None and not self._stop.is_set():
                try:
                    self.last = prime(self.store, self.profiles(), self.budget)
                    self.log(f"dcmetrics: đã đọc sẵn số liệu phiên bản {self.last.data_version} "
                             f"({self.last.profile or 'chưa có'} · {self.last.year or '-'} · "
                             f"{self.last.areas} địa bàn) trong {self.last.total_seconds:.1f} s")
                    seen = self.last.data_version
                except Exception as e:  # a page view would meet the same problem and say it
                    self.log(f"dcmetrics: không đọc sẵn được số liệu: {e}")
                    if self._version() is None:
                        return
                finally:
                    self.primed.set()
                seen = self._wait_for_change(seen, listener)
        finally:
            if listener is not None:
                listener.close()
