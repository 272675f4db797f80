"""Warm-up at start: what the first page view after a restart reads, read once in the background.

At national size the first login after a start waited for the newest year's stored scores, the
year before's totals, the submission counts and the territory resolution to be read into the
caches (all kept per data version), and for plotly and pandas to be imported. `start` does that
in a daemon thread as soon as the app has opened its store, so the first visitor finds it done.
Nothing is written that a first view would not write (a stale stored run is brought up to date,
as any view does); every failure is only logged: the page then pays as before.

DCMETRICS_WARM: "auto" (default: only when the database holds at least WARM_MIN_UNITS units;
on a small one the first view is fast anyway), "1" always, "0" never."""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time

from dcmetrics import access, completeness, scoring, territory, units
from dcmetrics.dashboard import Filters
from dcmetrics.errors import DcmetricsError

WARM_MIN_UNITS = 5_000  # the software's default
DEFAULT_PROFILE = "chung"  # the profile the sidebar opens on (ui/context.sidebar_filters)


def wanted(store) -> bool:
    mode = os.environ.get("DCMETRICS_WARM", "auto").strip().lower()
    if mode in ("0", "no", "false", "off"):
        return False
    if mode in ("1", "yes", "true", "on"):
        return True
    return store.rows("SELECT count(*) FROM units")[0][0] >= WARM_MIN_UNITS


def warm(store, profiles: dict, log=None) -> list[str]:
    """Read into the caches what the overview and the ranking read first (newest year, default
    profile, appraised basis, the whole system). The steps done, in order."""
    done: list[str] = []
    years = scoring.scored_years(store)
    if not years or not profiles:
        return done
    year = max(years)
    profile = profiles.get(DEFAULT_PROFILE) or next(iter(profiles.values()))
    if not profile.has_version_for(year):
        return done
    steps = [
        ("scores", lambda: scoring.cached_score(store, profile, [year], "appraised").wide(year)),
        ("year_before", lambda: scoring.year_totals(store, profile, year - 1, "appraised")),
        ("territory", lambda: (territory.units_of(store, profile.id, year), territory.profiles_in_area(store, None, year))),
        ("areas", lambda: units.areas(store, year)),
        ("submissions", lambda: completeness.unit_rows(store, profile, Filters(year), access.SYSTEM)),
        ("libraries", lambda: [importlib.import_module(m) for m in ("pandas", "plotly.express")]),
    ]
    for name, step in steps:
        t0 = time.perf_counter()
        try:
            step()
        except (DcmetricsError, ImportError) as e:  # e.g. a PostgreSQL store without stored runs yet
            if log:
                log(f"dcmetrics warm-up: {name} skipped: {e}")
            continue
        done.append(name)
        if log:
            log(f"dcmetrics warm-up: {name} {time.perf_counter() - t0:.2f} s")
    return done


def start(store, profiles: dict) -> threading.Thread | None:
    """warm() in a daemon thread when wanted(); None when not started."""
    try:
        if not wanted(store):
            return None
    except Exception:  # noqa: BLE001 - a warm-up never stops the app from opening
        return None

    def run():
        try:
            warm(store, profiles, log=lambda m: print(m, file=sys.stderr, flush=True))
        except Exception as e:  # noqa: BLE001 - the store closed meanwhile, a lock...: the page pays as before
            print(f"dcmetrics warm-up stopped: {e!r}", file=sys.stderr, flush=True)

    t = threading.Thread(target=run, name="dcmetrics-warm", daemon=True)
    t.start()
    return t
