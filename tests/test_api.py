"""The HTTP API (issue 20): every route's contract, the role × area matrix through it, the token
lifecycle, bad parameters, the rate limit, and the dashboard and API served together by uvicorn.

The sample province is loaded once for the module into a store of its own (the tests issue
tokens and write audit rows, so the session's read-only sample_store is not used).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from test_access_matrix import ALLOWED, AREAS, USERS, expected_refusal

from dcmetrics import access, bootstrap, exports, framework, units
from dcmetrics.api import app as api_app
from dcmetrics.api import data, tokens
from dcmetrics.api.http import TokenBuckets
from dcmetrics.api.schema import API_PREFIX, MAX_LIMIT
from dcmetrics.dashboard import Filters, ranking
from dcmetrics.errors import AccessDenied, StoreBusy
from dcmetrics.store import Store

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2024
ADMIN = "quantri.demo"


@pytest.fixture(scope="module")
def store():
    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def profiles():
    return framework.load_profiles()


@pytest.fixture(scope="module")
def client(store, profiles):
    # a limit no test below reaches: the rate limit has a client of its own
    return TestClient(api_app(lambda: store, lambda: profiles, TokenBuckets(rate=100_000)))


@pytest.fixture(scope="module")
def secrets_of(store):
    """A token for every demo account of the matrix (issued by the administrator)."""
    return {u: tokens.issue(store, ADMIN, u, f"kiểm thử {u}").secret for u in (*USERS, "canbo.99401")}


def auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def get(client, secrets_of, path: str, user: str = ADMIN, **headers):
    return client.get(API_PREFIX + path, headers={**auth(secrets_of[user]), **headers})


def api_calls(store, path: str) -> list[tuple]:
    return store.rows("SELECT actor, after_json->>'status', after_json->'params' FROM audit "
                      "WHERE action = 'api_call' AND object = $p ORDER BY id", {"p": API_PREFIX + unquote(path.split("?")[0])})


# --------------------------------------------------------------------------- contract per route

CONTRACT = {  # route -> the query its contract test sends (the required parameters)
    "/units": "", "/unit-types": "", "/years": "", "/lineage": "", "/profiles": "",
    "/profiles/{profile_id}/versions": "", "/profiles/{profile_id}/numbers": "",
    "/scores": f"year={YEAR}", "/scores/groups": f"year={YEAR}", "/ranks": f"year={YEAR}",
    "/levels": f"year={YEAR}", "/classification-effects": "", "/commendation": f"year={YEAR}",
    "/completeness": f"year={YEAR}",
}
# at least this many rows in the sample (what the pages show for the same view)
MIN_ROWS = {"/units": 300, "/unit-types": 7, "/years": 3, "/lineage": 100, "/profiles": 5,
            "/profiles/{profile_id}/versions": 2, "/profiles/{profile_id}/numbers": 40, "/scores": 200,
            "/scores/groups": 1400, "/ranks": 200, "/levels": 4, "/classification-effects": 4, "/commendation": 200,
            "/completeness": 200}


def test_every_route_has_a_contract_case():
    assert {ep.path for ep in data.ENDPOINTS} == set(CONTRACT)


def _json_type_ok(field, value) -> bool:
    if value is None:
        return field.nullable
    return {"string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "date": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v),
            "datetime": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", v),
            }[field.type](value)


def _as_csv_text(field, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return exports.safe_cell(text) if field.type == "string" else text


def _walk(client, secrets_of, url: str) -> list[dict]:
    rows, seen = [], 0
    while url:
        r = client.get(url, headers=auth(secrets_of[ADMIN]))
        assert r.status_code == 200, r.text
        body = r.json()
        rows += body["data"]
        url, seen = body["next"], seen + 1
        assert seen < 20
    return rows


@pytest.mark.parametrize("ep", data.ENDPOINTS, ids=[ep.name for ep in data.ENDPOINTS])
def test_route_contract(client, secrets_of, ep):
    path = ep.path.replace("{profile_id}", "chung")
    q = CONTRACT[ep.path]
    sep = "&" if q else ""
    r = get(client, secrets_of, f"{path}?{q}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"data", "total", "limit", "offset", "next", "meta"}
    assert body["total"] >= MIN_ROWS[ep.path]
    assert r.headers["x-total-count"] == str(body["total"])
    names = [f.name for f in ep.fields]
    for row in body["data"]:
        assert list(row) == names  # the documented fields, in their order, nothing else
        for f in ep.fields:
            assert _json_type_ok(f, row[f.name]), (f.name, row[f.name])

    # pagination: pages overlap where they should, `next` walks every row exactly once
    a = get(client, secrets_of, f"{path}?{q}{sep}limit=2").json()
    b = get(client, secrets_of, f"{path}?{q}{sep}limit=2&offset=1").json()
    assert a["total"] == b["total"] == body["total"] and len(a["data"]) == 2
    assert b["data"][:1] == a["data"][1:2] and b["data"][0] == body["data"][1]
    assert a["next"] == (f"{API_PREFIX}{path}?{q}{sep}limit=2&offset=2" if body["total"] > 2 else None)
    every = _walk(client, secrets_of, f"{API_PREFIX}{path}?{q}{sep}limit={MAX_LIMIT}")
    assert len(every) == body["total"]
    assert every[:len(body["data"])] == body["data"]

    # CSV says the same as JSON, cell by cell (same rows, same order)
    c = get(client, secrets_of, f"{path}?{q}{sep}limit=60&format=csv")
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    assert c.headers["x-total-count"] == str(body["total"])
    table = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert table[0] == names
    expected = [[_as_csv_text(f, row[f.name]) for f in ep.fields] for row in body["data"][:60]]
    assert table[1:] == expected
    # Accept: text/csv chooses CSV too; ?format=json wins over the header
    assert get(client, secrets_of, f"{path}?{q}{sep}limit=60", accept="text/csv").content == c.content
    assert get(client, secrets_of, f"{path}?{q}{sep}format=json", accept="text/csv").json()["data"] == body["data"]

    # Vietnamese labels: an object beside the data (JSON), the header row (CSV)
    lab = get(client, secrets_of, f"{path}?{q}{sep}labels=vi&limit=1").json()
    assert lab["labels"] == {f.name: f.label for f in ep.fields}
    vi = get(client, secrets_of, f"{path}?{q}{sep}labels=vi&limit=1&format=csv").content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(vi))) == [f.label for f in ep.fields]


def test_scores_are_the_dashboards(client, secrets_of, store, profiles):
    """The same rows, totals, levels and ranks the ranking page shows that account, as stored."""
    for user in ("lanhdao.tinh", "canbo.991"):
        page = ranking(store, profiles["chung"], Filters(YEAR), access.get_account(store, user))
        body = get(client, secrets_of, f"/scores?year={YEAR}&limit={MAX_LIMIT}", user).json()
        assert body["total"] == page.height > 0
        assert [(r["unit_code"], r["total"], r["level"], r["classification_cap"]) for r in body["data"]] == \
            page.select("unit_code", "total", "level", "classification_cap").rows()
        ranks = get(client, secrets_of, f"/ranks?year={YEAR}&limit={MAX_LIMIT}", user).json()["data"]
        assert [(r["unit_code"], r["rank"], r["rank_parent"]) for r in ranks] == \
            page.select("unit_code", "rank", "rank_parent").rows()
    meta = body["meta"]
    v = profiles["chung"].in_force(YEAR)
    assert (meta["profile_version"], meta["rounding"]["total_decimals"], meta["rounding"]["rule"]) == \
        (v.version, v.rounding.total_decimals, v.rounding.rule)
    assert meta["rounding"]["source"] == "mặc định của phần mềm — chưa có văn bản quy định"
    # totals are as stored: never more decimals than the version keeps
    assert all(round(r["total"], v.rounding.total_decimals) == r["total"] for r in body["data"])


def test_group_points_as_stored(client, secrets_of, store, profiles):
    v = profiles["chung"].in_force(YEAR)
    wide = ranking(store, profiles["chung"], Filters(YEAR), access.get_account(store, ADMIN))
    rows = _walk(client, secrets_of, f"{API_PREFIX}/scores/groups?year={YEAR}&limit={MAX_LIMIT}")
    assert len(rows) == wide.height * len(v.groups)
    first = wide.row(0, named=True)
    mine = [r for r in rows if r["unit_code"] == first["unit_code"]]
    assert [(r["group_key"], r["points"], r["max_points"]) for r in mine] == \
        [(g.key, first[g.key], g.points) for g in v.groups]


def test_profile_numbers_carry_their_sources(client, secrets_of, profiles):
    body = get(client, secrets_of, "/profiles/chung/numbers?limit=1000").json()
    v = profiles["chung"]
    assert [(r["what"], r["value"], r["source"], r["is_default"]) for r in body["data"]] == \
        [(w, shown, s.label(), s.is_default) for w, shown, s in v.numbers()]
    old = get(client, secrets_of, "/profiles/chung/numbers?version=2023.1&limit=1").json()
    assert old["meta"]["profile_version"] == "2023.1"
    assert get(client, secrets_of, "/profiles/chung/numbers?version=1999.9").status_code == 404


def test_levels_count_what_the_overview_counts(client, secrets_of):
    body = get(client, secrets_of, f"/levels?year={YEAR}").json()
    assert [r["level"] for r in body["data"]] == ["Tốt", "Khá", "Trung bình", "Yếu"]
    assert sum(r["count"] for r in body["data"]) == body["meta"]["n_rated"] > 0
    assert body["data"][0]["classification_cap"] == "Hoàn thành xuất sắc nhiệm vụ"


def test_openapi_is_generated_from_the_routes(client):
    doc = client.get(API_PREFIX + "/openapi.json").json()  # public: it describes, it holds no data
    assert set(doc["paths"]) == {API_PREFIX + ep.path for ep in data.ENDPOINTS}
    for ep in data.ENDPOINTS:
        op = doc["paths"][API_PREFIX + ep.path]["get"]
        assert {p["name"] for p in op["parameters"]} == {p.name for p in ep.params} | {"format", "labels", "limit",
                                                                                          "offset"}
        props = op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]["items"]
        assert list(props["properties"]) == [f.name for f in ep.fields]
        assert {"401", "403", "404", "422", "429"} <= set(op["responses"])
    limit = next(p for p in doc["paths"][API_PREFIX + "/scores"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == MAX_LIMIT  # the bound the handler enforces


def test_openapi_document_is_valid_openapi_3(client):
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator is not installed")
    validator.validate(client.get(API_PREFIX + "/openapi.json").json())


# --------------------------------------------------------------------------- role × area

MATRIX = [(action, user, area) for action in ("read_scores", "shortlist") for user in USERS for area in AREAS]


@pytest.mark.parametrize("action,user,area", MATRIX, ids=[f"{a}-{u}-{t}" for a, u, t in MATRIX])
def test_matrix_through_the_api(client, secrets_of, store, action, user, area):
    path = f"/scores?year={YEAR}&area={area}" if action == "read_scores" else f"/commendation?year={YEAR}&area={area}"
    r = get(client, secrets_of, path + f"&limit={MAX_LIMIT}", user)
    if area in ALLOWED[action].get(user, frozenset()):
        assert r.status_code == 200, r.text
        codes = {row["unit_code"] for row in r.json()["data"]}
        assert codes and codes <= set(units.subtree(store, area)["code"].to_list())
    else:
        assert r.status_code == 403
        assert r.json() == {"error": {"code": "forbidden", "message": expected_refusal(action, user, area)}}
    # audited either way, with the status answered
    assert api_calls(store, path)[-1][:2] == (user, str(r.status_code))


def test_officer_reads_only_its_district(client, secrets_of, store):
    own = set(units.subtree(store, "991")["code"].to_list())
    for path in ("/units", f"/scores?year={YEAR}", f"/completeness?year={YEAR}", "/lineage"):
        rows = _walk_as(client, secrets_of, "canbo.991", f"{API_PREFIX}{path}")
        key = "code" if path == "/units" else "unit_code" if path != "/lineage" else None
        assert rows
        if key:
            assert {r[key] for r in rows} <= own, path
        else:
            assert all(r["old_code"] in own or r["new_code"] in own for r in rows)
    # a unit type filter narrows within the area, never past it
    agencies = _walk_as(client, secrets_of, "canbo.991", f"{API_PREFIX}/units?unit_type=agency")
    assert agencies and all(r["type"] == "agency" and r["code"] in own for r in agencies)


def _walk_as(client, secrets_of, user: str, url: str) -> list[dict]:
    rows = []
    while url:
        body = client.get(url + ("&" if "?" in url else "?") + f"limit={MAX_LIMIT}" if "limit=" not in url else url,
                          headers=auth(secrets_of[user])).json()
        rows += body["data"]
        url = body["next"]
    return rows


def test_account_change_takes_effect_on_its_token_at_once(client, secrets_of, store):
    """The token acts as its account as stored now: moved to another district, it reads that one."""
    access.create_account(store, ADMIN, "api.dichuyen", "mat-khau-dai-2026", access.OFFICER, "991")
    secret = tokens.issue(store, ADMIN, "api.dichuyen", "kiểm thử").secret
    r = client.get(f"{API_PREFIX}/scores?year={YEAR}&area=991", headers=auth(secret))
    assert r.status_code == 200
    access.update_account(store, ADMIN, "api.dichuyen", area_code="992")
    r = client.get(f"{API_PREFIX}/scores?year={YEAR}&area=991", headers=auth(secret))
    assert r.status_code == 403 and "Thành phố Mẫu An Hòa" in r.json()["error"]["message"]
    access.set_active(store, ADMIN, "api.dichuyen", False)
    r = client.get(f"{API_PREFIX}/years", headers=auth(secret))
    assert r.status_code == 401 and r.json()["error"]["message"] == tokens.MSG_INACTIVE


# --------------------------------------------------------------------------- tokens

def _tables_containing(store, text: str) -> list[str]:
    found = []
    for (name,) in store.rows("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"):
        n = store.rows(f'SELECT count(*) FROM "{name}" t WHERE position($s IN t::VARCHAR) > 0', {"s": text})[0][0]
        if n:
            found.append(name)
    return found


def test_token_lifecycle(client, store):
    issued = tokens.issue(store, ADMIN, "lanhdao.tinh", "Cổng thông tin điện tử tỉnh", days=30)
    assert re.fullmatch(r"dcm_[A-Za-z0-9_-]{43}", issued.secret) and issued.prefix == issued.secret[:12]
    # at rest: the hash and the prefix, never the secret (nor in the audit trail)
    row = store.rows("SELECT hash, prefix, username, created_by, last_used_at FROM api_tokens WHERE id = $i",
                     {"i": issued.id})[0]
    assert row == (hashlib.sha256(issued.secret.encode()).hexdigest(), issued.prefix, "lanhdao.tinh", ADMIN, None)
    assert _tables_containing(store, issued.secret) == []
    assert _tables_containing(store, issued.secret[12:30]) == []
    issue_row = store.rows("SELECT actor, after_json->>'prefix', after_json->>'account' FROM audit "
                           "WHERE action = 'api_token_issue' AND object = $o", {"o": f"api_token:{issued.id}"})
    assert issue_row == [(ADMIN, issued.prefix, "lanhdao.tinh")]

    # use: answered, last use recorded, the call audited with its path and parameters
    r = client.get(f"{API_PREFIX}/ranks?year={YEAR}&limit=3", headers=auth(issued.secret))
    assert r.status_code == 200 and len(r.json()["data"]) == 3
    used = store.rows("SELECT last_used_at FROM api_tokens WHERE id = $i", {"i": issued.id})[0][0]
    assert used is not None and datetime.now() - used < timedelta(minutes=1)
    call = store.rows("SELECT actor, object, after_json->>'token', after_json->'params'->>'year', "
                      "after_json->'params'->>'limit', after_json->>'status' FROM audit WHERE action = 'api_call' "
                      "ORDER BY id DESC LIMIT 1")[0]
    assert call == ("lanhdao.tinh", f"{API_PREFIX}/ranks", issued.prefix, str(YEAR), "3", "200")

    listed = tokens.list_tokens(store, ADMIN).filter(pl.col("id") == issued.id)
    assert listed["state"].to_list() == ["active"] and "hash" not in listed.columns

    # revoke: refused at once, with its message; revoking twice is refused
    tokens.revoke(store, ADMIN, issued.id)
    r = client.get(f"{API_PREFIX}/years", headers=auth(issued.secret))
    assert r.status_code == 401
    assert r.json() == {"error": {"code": "unauthorized", "message": "Khóa truy cập API đã bị thu hồi."}}
    assert r.headers["www-authenticate"] == "Bearer"
    with pytest.raises(Exception, match="đã bị thu hồi từ trước"):
        tokens.revoke(store, ADMIN, issued.id)
    assert tokens.list_tokens(store, ADMIN).filter(pl.col("id") == issued.id)["state"].to_list() == ["revoked"]
    assert store.rows("SELECT actor FROM audit WHERE action = 'api_token_revoke' AND object = $o",
                      {"o": f"api_token:{issued.id}"}) == [(ADMIN,)]


def test_audit_page_reads_the_api_rows(client, secrets_of, store):
    """The audit page's sentences (dcmetrics.audit_view) name the token and the address called."""
    from dcmetrics import audit, audit_view

    issued = tokens.issue(store, ADMIN, "thamdinh.tinh", "Phần mềm quản lý cán bộ")
    client.get(f"{API_PREFIX}/levels?year={YEAR}", headers=auth(issued.secret))
    log = audit.audit_log(store, ADMIN).head(2)
    described = audit_view.describe(store, log)
    call, made = described.row(0, named=True), described.row(1, named=True)
    assert call["action_label"] == "Gọi API" and call["object_label"] == f"địa chỉ {API_PREFIX}/levels"
    assert call["details"] == f"Tham số: Năm: {YEAR}; Mã trả lời: 200; Khóa: {issued.prefix}"
    assert made["action_label"] == "Cấp khóa truy cập API"
    assert made["object_label"] == f"khóa truy cập API số {issued.id} ({issued.prefix}…)"
    assert made["details"] == (f"Tài khoản: thamdinh.tinh; Hết hạn: {issued.expires_at:%d/%m/%Y %H:%M}; "
                               f"Số: {issued.id}; Dùng cho: Phần mềm quản lý cán bộ; Nhận diện khóa: {issued.prefix}")


def test_expired_token_is_refused(client, store):
    old = tokens.issue(store, ADMIN, "lanhdao.tinh", "hết hạn", days=1, now=datetime.now() - timedelta(days=2))
    r = client.get(f"{API_PREFIX}/years", headers=auth(old.secret))
    assert (r.status_code, r.json()["error"]["message"]) == (401, tokens.MSG_EXPIRED)
    assert tokens.list_tokens(store, ADMIN).filter(pl.col("id") == old.id)["state"].to_list() == ["expired"]


@pytest.mark.parametrize("header,message", [
    (None, tokens.MSG_MISSING),
    ("Basic cXVhbnRyaTpkZW1v", tokens.MSG_MISSING),
    ("Bearer ", tokens.MSG_MISSING),
    ("Bearer dcm_" + "A" * 43, tokens.MSG_BAD),
    ("Bearer ' OR 1=1 --", tokens.MSG_BAD),
    ("Bearer dcm_' OR '1'='1", tokens.MSG_BAD),
    ("Bearer " + "x" * 5000, tokens.MSG_BAD),
])
def test_bad_tokens_get_401(client, header, message):
    r = client.get(f"{API_PREFIX}/years", headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert r.json() == {"error": {"code": "unauthorized", "message": message}}


def test_only_administrators_issue_list_and_revoke(store, secrets_of):
    tid = store.rows("SELECT max(id) FROM api_tokens")[0][0]
    for user in ("lanhdao.tinh", "thiduakhenthuong", "canbo.991", "thamdinh.tinh"):
        with pytest.raises(AccessDenied, match="không được quản lý tài khoản"):
            tokens.issue(store, user, user, "tự cấp")
        with pytest.raises(AccessDenied):
            tokens.list_tokens(store, user)
        with pytest.raises(AccessDenied):
            tokens.revoke(store, user, tid)
    with pytest.raises(Exception, match="Không có tài khoản «khong.co»"):
        tokens.issue(store, ADMIN, "khong.co", "x")
    for days in (0, -1, tokens.MAX_DAYS + 1):
        with pytest.raises(Exception, match="Thời hạn của khóa"):
            tokens.issue(store, ADMIN, "lanhdao.tinh", "x", days=days)
    with pytest.raises(Exception, match="dùng cho việc gì"):
        tokens.issue(store, ADMIN, "lanhdao.tinh", "   ")


# --------------------------------------------------------------------------- bad parameters

BAD = [  # (query, status, code, words of the message)
    ("/scores", 400, "missing_parameter", "Thiếu tham số bắt buộc «year»"),
    ("/scores?year=2031", 404, "not_found", "Chưa có số liệu năm 2031"),
    ("/scores?year=abc", 400, "bad_parameter", "phải là số nguyên"),
    ("/scores?year=2024.5", 400, "bad_parameter", "phải là số nguyên"),
    ("/scores?year=99999999999999999999", 400, "bad_parameter", "phải là số nguyên"),
    ("/scores?year=1", 422, "out_of_range", "phải từ 1900 đến 2200"),
    ("/scores?year=2024%27%20OR%201%3D1%20--", 400, "bad_parameter", "phải là số nguyên"),
    ("/scores?year=2024&profile=khong-co", 404, "not_found", "Không có bộ tiêu chí «khong-co»"),
    ("/scores?year=2024&profile=%27%20OR%201%3D1%20--", 400, "bad_parameter", "không phải một mã hợp lệ"),
    ("/scores?year=2024&profile=chung%3B%20DROP%20TABLE%20units", 400, "bad_parameter", "không phải một mã hợp lệ"),
    ("/scores?year=2024&area=ZZZ", 404, "not_found", "Không có đơn vị mã «ZZZ»"),
    ("/scores?year=2024&area=%27%20OR%201%3D1%20--", 400, "bad_parameter", "không phải một mã hợp lệ"),
    ("/scores?year=2024&area=99%25", 400, "bad_parameter", "không phải một mã hợp lệ"),
    ("/scores?year=2024&area=Hu%E1%BB%B3nh", 400, "bad_parameter", "không phải một mã hợp lệ"),
    ("/scores?year=2024&basis=both", 422, "bad_choice", "chọn một trong: appraised, self"),
    ("/scores?year=2024&unit_type=%27%20OR%201%3D1%20--", 422, "bad_choice", "không hợp lệ"),
    ("/scores?year=2024&limit=5000", 422, "out_of_range", f"phải từ 1 đến {MAX_LIMIT}, đang là 5000"),
    ("/scores?year=2024&limit=0", 422, "out_of_range", "phải từ 1"),
    ("/scores?year=2024&offset=-1", 422, "out_of_range", "phải từ 0"),
    ("/scores?year=2024&format=xml", 422, "bad_choice", "json, csv"),
    ("/scores?year=2024&labels=en", 422, "bad_choice", "vi"),
    ("/scores?year=2024&yaer=2024", 400, "unknown_parameter", "Tham số «yaer» không dùng"),
    ("/scores?year=2024&area=99&area=%27--", 400, "bad_parameter", "không phải một mã hợp lệ"),
    ("/profiles/%27%20OR%201%3D1%20--/versions", 400, "bad_parameter", "không phải một mã hợp lệ"),
    ("/profiles/khong-co/versions", 404, "not_found", "Không có bộ tiêu chí «khong-co»"),
    ("/commendation?year=2031", 404, "not_found", "Chưa có số liệu năm 2031"),
    ("/completeness?year=2024&area=ZZZ", 404, "not_found", "Không có đơn vị mã «ZZZ»"),
    ("/classification-effects?year=1990", 404, "not_found", "chưa có phiên bản áp dụng cho năm 1990"),
    ("/units?year=x", 400, "bad_parameter", "phải là số nguyên"),
]


@pytest.mark.parametrize("query,status,code,words", BAD, ids=[b[0] for b in BAD])
def test_bad_parameters_get_4xx_with_a_message(client, secrets_of, store, query, status, code, words):
    before = store.rows("SELECT count(*) FROM units")[0][0]
    r = get(client, secrets_of, query)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert words in body["error"]["message"]
    assert store.rows("SELECT count(*) FROM units")[0][0] == before
    # audited like any call, the parameters cut to 100 characters
    assert api_calls(store, query)[-1][:2] == (ADMIN, str(status))


def test_other_paths_and_methods_get_json_errors(client, secrets_of):
    r = get(client, secrets_of, "/khong-co")
    assert r.status_code == 404 and r.json()["error"] == {
        "code": "no_such_route", "message": f"Không có địa chỉ {API_PREFIX}/khong-co. Danh sách các địa chỉ: "
                                            f"{API_PREFIX}/openapi.json."}
    r = client.post(f"{API_PREFIX}/scores?year={YEAR}", headers=auth(secrets_of[ADMIN]))
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    assert r.json()["error"]["message"] == f"Địa chỉ {API_PREFIX}/scores chỉ nhận yêu cầu GET (API chỉ đọc)."
    assert client.delete(f"{API_PREFIX}/profiles/chung/versions").status_code == 405


@pytest.mark.parametrize("name", ["password", "secret", "hash", "Password", "x" * 300])
def test_a_secret_looking_parameter_is_refused_and_audited_by_name_only(client, secrets_of, store, name):
    r = get(client, secrets_of, f"/years?{name}=hunter2-mat-khau")
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_parameter"
    params = api_calls(store, "/years")[-1][2]
    assert json.loads(params) == {"unknown_parameters": [name[:40]]}
    assert _tables_containing(store, "hunter2-mat-khau") == []


PARAM_NAMES = sorted({p.name for ep in data.ENDPOINTS for p in ep.params if p.where == "query"}
                     | {"format", "labels", "limit", "offset"})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from([ep.path.replace("{profile_id}", "chung") for ep in data.ENDPOINTS]),
       query=st.dictionaries(st.sampled_from(PARAM_NAMES) | st.text(min_size=1, max_size=8),
                             st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
                             | st.sampled_from(["2024", "2025", "chung", "991", "99", "self", "csv", "vi", "1000"]),
                             max_size=5))
def test_no_query_gets_a_500(client, secrets_of, route, query):
    r = client.get(API_PREFIX + route, params=query, headers=auth(secrets_of["canbo.991"]))
    assert r.status_code in (200, 400, 403, 404, 422), (route, query, r.text[:300])
    if r.status_code != 200:
        body = r.json()
        assert set(body) == {"error"} and body["error"]["message"]


def test_offset_past_the_end_is_an_empty_page(client, secrets_of):
    body = get(client, secrets_of, f"/scores?year={YEAR}&offset=100000").json()
    assert body["data"] == [] and body["total"] > 0 and body["next"] is None


def test_busy_store_is_503(profiles):
    def busy():
        raise StoreBusy()

    r = TestClient(api_app(busy, lambda: profiles)).get(f"{API_PREFIX}/years", headers=auth("dcm_x"))
    assert r.status_code == 503 and r.json()["error"]["message"] == StoreBusy.MESSAGE


def test_no_answer_without_its_audit_row(client, secrets_of, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tokens, "record_call", broken)
    r = get(client, secrets_of, f"/ranks?year={YEAR}")
    assert r.status_code == 503 and r.json()["error"]["code"] == "audit_failed"
    assert "data" not in r.json()


def test_rate_limit_per_token(store, profiles, secrets_of):
    now = [1000.0]
    limited = TestClient(api_app(lambda: store, lambda: profiles, TokenBuckets(rate=3, clock=lambda: now[0])))
    mine, other = auth(secrets_of["lanhdao.tinh"]), auth(secrets_of["canbo.991"])
    assert [limited.get(f"{API_PREFIX}/years", headers=mine).status_code for _ in range(3)] == [200, 200, 200]
    r = limited.get(f"{API_PREFIX}/years", headers=mine)
    assert r.status_code == 429 and r.headers["retry-after"] == "20"
    assert r.json()["error"] == {"code": "rate_limited", "message": "Vượt giới hạn 3 lần gọi mỗi phút của khóa này; "
                                                                    "thử lại sau 20 giây."}
    assert limited.get(f"{API_PREFIX}/years", headers=other).status_code == 200  # a bucket per token
    now[0] += 20  # one request's worth refilled
    assert limited.get(f"{API_PREFIX}/years", headers=mine).status_code == 200
    assert limited.get(f"{API_PREFIX}/years", headers=mine).status_code == 429


def test_default_rate_is_documented(monkeypatch):
    from dcmetrics.api import http

    monkeypatch.delenv(http.RATE_ENV, raising=False)
    assert TokenBuckets().rate == 120
    monkeypatch.setenv(http.RATE_ENV, "30")
    assert TokenBuckets().rate == 30


# --------------------------------------------------------------------------- served by uvicorn

def _small_db(path: Path) -> Path:
    """A database file with one unit and the first administrator (no sample: quick to make)."""
    with Store(path) as s:
        bootstrap.register_frameworks(s)
        units.replace_units(s, pl.DataFrame([{"code": "99", "name": "Tỉnh Thử", "type": "province",
                                              "parent_code": None, "cluster": None, "active_from": None,
                                              "active_to": None}]), access.SYSTEM)
        access.ensure_admin(s, {access.ADMIN_PASSWORD_ENV: "mat-khau-quan-tri-2026"})
    return path


def test_cli_issues_lists_and_revokes(tmp_path, capsys):
    from dcmetrics import cli

    db = str(_small_db(tmp_path / "cli.duckdb"))
    assert cli.main(["token", "issue", "--db", db, "--account", "quantri", "--name", "Cổng tỉnh", "--days", "7"]) == 0
    out = capsys.readouterr().out
    secret = out.strip().splitlines()[-1]
    assert re.fullmatch(r"dcm_[A-Za-z0-9_-]{43}", secret) and "Khóa số 1 cho tài khoản «quantri»" in out
    assert cli.main(["token", "list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert f"1\t{secret[:12]}…\tquantri\tĐang dùng" in listed and secret[12:] not in listed
    assert cli.main(["token", "revoke", "--db", db, "1"]) == 0
    assert cli.main(["token", "revoke", "--db", db, "1"]) == 1
    assert "đã bị thu hồi từ trước" in capsys.readouterr().err
    assert cli.main(["token", "issue", "--db", db, "--account", "khong.co", "--name", "x"]) == 1
    with Store(db) as s:
        with pytest.raises(tokens.TokenRefused, match="thu hồi"):
            tokens.authenticate(s, secret)


def test_uvicorn_serves_dashboard_and_api(tmp_path):
    """`python3 -m uvicorn serve:app`: Streamlit's health check and an API route, one process."""
    db = _small_db(tmp_path / "served.duckdb")
    with Store(db) as s:
        secret = tokens.issue(s, access.SYSTEM, access.DEFAULT_ADMIN_USER, "uvicorn").secret
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (tmp_path / "uvicorn.log").open("wb")  # noqa: SIM115 (the server writes to it until the end)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "serve:app", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=dict(os.environ, DCMETRICS_DB=str(db)), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and health is None:
            assert proc.poll() is None, (tmp_path / "uvicorn.log").read_text()
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    health = r.read().decode()
            except OSError:
                time.sleep(0.3)
        assert health == "ok", (tmp_path / "uvicorn.log").read_text()
        req = urllib.request.Request(base + API_PREFIX + "/units", headers=auth(secret))
        with urllib.request.urlopen(req, timeout=30) as r:
            body = json.loads(r.read())
        assert body["total"] == 1 and body["data"][0]["name"] == "Tỉnh Thử"
        try:
            urllib.request.urlopen(base + API_PREFIX + "/units", timeout=10)
            raise AssertionError("answered without a token")
        except urllib.error.HTTPError as e:
            assert e.code == 401
        with urllib.request.urlopen(base + "/", timeout=10) as r:  # the dashboard's page
            assert r.status == 200 and b"<html" in r.read().lower()
    finally:
        os.killpg(proc.pid, 15)  # our own process group (start_new_session)
        proc.wait(timeout=20)
        log.close()
