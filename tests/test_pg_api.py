"""The API over a PostgreSQL system of record (issue 21): every route gives the same rows and meta
as over the embedded store holding the same sample (a token issued on each; all pages walked)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from test_api import ADMIN, CONTRACT, MIN_ROWS, _walk, auth

from dcmetrics import framework
from dcmetrics.api import app as api_app
from dcmetrics.api import data, tokens
from dcmetrics.api.http import TokenBuckets
from dcmetrics.api.schema import API_PREFIX

# when each store received the sample's files: the moment each was loaded, not a difference
LOAD_TIMES = {"sent_at"}


def _without_load_times(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in LOAD_TIMES} for r in rows]


@pytest.fixture(scope="module")
def clients(module_store_factory):
    profiles = framework.load_profiles()
    out = {}
    for kind in ("duckdb", "postgresql"):
        store = module_store_factory(kind, "sample")
        secret = tokens.issue(store, ADMIN, ADMIN, f"kiểm thử trên {kind}").secret
        out[kind] = (TestClient(api_app(lambda s=store: s, lambda: profiles, TokenBuckets(rate=100_000))),
                     {ADMIN: secret}, store)
    return out


@pytest.mark.parametrize("ep", data.ENDPOINTS, ids=[ep.name for ep in data.ENDPOINTS])
def test_every_route_gives_the_same_rows_on_both_stores(clients, ep):
    path = ep.path.replace("{profile_id}", "chung")
    q = CONTRACT[ep.path]
    url = f"{API_PREFIX}{path}?{q}{'&' if q else ''}limit=1000"
    got = {}
    for kind, (client, secrets, store) in clients.items():
        first = client.get(url, headers=auth(secrets[ADMIN]))
        assert first.status_code == 200, (kind, first.text)
        got[kind] = (_walk(client, secrets, url), first.json()["meta"], first.json()["total"])
    duck, pg = got["duckdb"], got["postgresql"]
    assert pg[2] == duck[2] >= MIN_ROWS[ep.path]
    assert pg[1] == duck[1]
    assert _without_load_times(pg[0]) == _without_load_times(duck[0])
    if any(LOAD_TIMES & set(r) for r in duck[0]):  # the times themselves: set on every row
        assert all(r["sent_at"] for r in pg[0])
    assert clients["postgresql"][2].dialect == "postgresql"
