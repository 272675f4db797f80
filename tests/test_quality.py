"""Data-quality review (issue 18): planted outlier, jump, empty indicator and duplicate row with
clean controls that must not be flagged; the outlier SQL against a plain Polars computation;
reviewed marks (stored, audited, kept across recomputation, reset when the value changes); access."""

from __future__ import annotations

import dataclasses
import html
import io
import json
import zipfile

import polars as pl
import pytest
from conftest import STORE_KINDS, insert_observations

from dcmetrics import access, sqlfiles, territory
from dcmetrics.analysis import quality
from dcmetrics.errors import AccessDenied, Conflict, InputError, NotFound
from dcmetrics.store import bump_data_version

PASSWORD = "mat-khau-thu-01"
# the indicators the test profile asks (one of each kind the rules treat differently)
ASKED = ("TRAIN_CLASSES", "TRAIN_STAFF", "RESP_CONSULT", "PROP_PLAN", "RESP_DIALOGUE")

# 2025 figures of district D1's ten communes: (TRAIN_CLASSES count, TRAIN_STAFF %, RESP_CONSULT
# num/den, PROP_PLAN yes/no); RESP_DIALOGUE (count) left empty by every D1 commune.
D1_2025 = {
    "C01": (3, 80, (9, 10), 1),
    "C02": (4, 82, (9, 10), 1),
    "C03": (3, 78, (8, 10), 1),
    "C04": (5, 85, (9, 10), 1),
    "C05": (4, 79, (10, 10), 1),
    "C06": (5, 81, (9, 10), 1),   # control: C08's row but for TRAIN_STAFF (not a duplicate)
    "C07": (4, 83, (8, 10), 1),
    "C08": (5, 80, (9, 10), 1),   # planted: the same row as C09
    "C09": (5, 80, (9, 10), 1),
    "C10": (40, 77, (9, 10), 0),  # planted: TRAIN_CLASSES 40 among peers of 3–5
}
# 2024: as 2025 but for these cells
D1_2024 = {
    ("C03", "TRAIN_STAFF"): 20,          # planted jump: 20 → 78 (≥ 30 points, ≥ 50 % of 78)
    ("C07", "RESP_CONSULT"): (2, 10),    # planted jump on a ratio: 20 % → 80 %
    ("C01", "TRAIN_STAFF"): 70,          # control: 70 → 80, 10 points
    ("C05", "TRAIN_STAFF"): 40,          # control: 40 → 79, 39 points but under 50 % of 79
    ("C02", "TRAIN_CLASSES"): 1,         # control: 1 → 4, relative but under 5 (absolute)
    ("C01", "PROP_PLAN"): 0,             # control: a yes/no that flips is no jump
}


def _obs(unit: str, cells: tuple, override: dict | None = None) -> list[dict]:
    classes, staff, (num, den), plan = cells
    vals = {"TRAIN_CLASSES": classes, "TRAIN_STAFF": staff, "RESP_CONSULT": (num, den), "PROP_PLAN": plan}
    for (u, ind), v in (override or {}).items():
        if u == unit:
            vals[ind] = v
    out = []
    for ind, v in vals.items():
        if ind == "RESP_CONSULT":
            out.append({"unit_code": unit, "indicator": ind, "num": float(v[0]), "den": float(v[1])})
        else:
            out.append({"unit_code": unit, "indicator": ind, "value": float(v)})
    # RESP_DIALOGUE: a row left empty for odd units, no row at all for even ones (both: empty)
    if int(unit[1:]) % 2:
        out.append({"unit_code": unit, "indicator": "RESP_DIALOGUE", "value": None})
    return out


UNITS = ([{"code": c, "name": f"Xã {c}", "type": "commune", "parent_code": "D1"} for c in D1_2025]
         + [{"code": c, "name": f"Xã {c}", "type": "commune", "parent_code": "D2"} for c in ("E1", "E2", "E3")])


def _d2() -> list[dict]:
    """D2: E1 fills every indicator (RESP_DIALOGUE too: not empty in D2); E2 and E3 sent rows
    wholly empty (the same row, but empty rows are no duplicates)."""
    rows = [o for o in _obs("E1", (2, 50, (1, 2), 1)) if o["indicator"] != "RESP_DIALOGUE"]
    rows.append({"unit_code": "E1", "indicator": "RESP_DIALOGUE", "value": 3.0})
    for u in ("E2", "E3"):
        rows += [{"unit_code": u, "indicator": i, "value": None} for i in ASKED]
    return rows


@pytest.fixture
def profile(profiles):
    """«chung» cut to the five ASKED indicators (its own sha: the findings cache keys on it)."""
    base = profiles["chung"].in_force(2025)
    groups = []
    for g in base.groups:
        items = tuple(it for it in g.items if it.indicator.code in ASKED)
        if items:
            groups.append(dataclasses.replace(g, items=items))
    return dataclasses.replace(base, groups=tuple(groups), vetoes=(), adjustments=(), targets=(), earlier=(),
                               effective_from=None, sha256="test-quality-profile")


@pytest.fixture(params=STORE_KINDS)
def qs(request, store_factory, monkeypatch):
    """The planted units and figures, on each store in turn (the four rules' SQL on both)."""
    store = store_factory(request.param, "empty")
    monkeypatch.setattr(access, "HASHER", access.DEMO_HASHER)  # test passwords: a cheap hash
    quality._CACHE.clear()
    insert_observations(store, UNITS, [o for u, c in D1_2025.items() for o in _obs(u, c, D1_2024)] + _d2(),
                        year=2024)
    insert_observations(store, UNITS, [o for u, c in D1_2025.items() for o in _obs(u, c)] + _d2(), year=2025)
    for name, role, area in [("thamdinh1", access.REVIEWER, "D1"), ("thamdinh2", access.REVIEWER, "D2"),
                             ("canbo1", access.OFFICER, "D1"), ("quantri", access.ADMIN, access.ALL_AREAS)]:
        access.create_account(store, access.SYSTEM, name, PASSWORD, role, area)
    yield store
    quality._CACHE.clear()


def _keyed(frame: pl.DataFrame) -> set[tuple]:
    return {(r["kind"], r["unit_code"], r["indicator"], r["value"], r["reference"])
            for r in frame.iter_rows(named=True)}


EXPECTED = {
    ("outlier", "C10", "TRAIN_CLASSES", 40.0, 4.5),   # median of 3,3,4,4,4,5,5,5,5,40
    ("jump", "C03", "TRAIN_STAFF", 78.0, 20.0),
    ("jump", "C07", "RESP_CONSULT", 80.0, 20.0),      # 8/10 after 2/10, as percentages
    ("empty", "D1", "RESP_DIALOGUE", None, None),
    ("duplicate", "C08", None, None, None),
    ("duplicate", "C09", None, None, None),
}


def test_planted_findings_exactly(qs, profile):
    found = quality.findings(qs, "quantri", profile, 2025)
    assert _keyed(found) == EXPECTED  # and nothing else: every control stays clean


@pytest.mark.parametrize("kind, unit, indicator, submission_year, sentence", [
    ("outlier", "C10", "TRAIN_CLASSES", 2025,
     ("Giá trị 40 khác xa trung vị 4,5 của 10 đơn vị cùng loại cùng địa bàn: lệch 35,5, quá ngưỡng 2,59 "
      "(3,5 × 1,4826 × MAD 0,5).")),
    ("jump", "C03", "TRAIN_STAFF", 2025,
     "Năm 2024: 20; năm 2025: 78 — tăng 58; ngưỡng: chênh lệch từ 50% giá trị lớn hơn và từ 30 điểm % trở lên."),
    ("empty", "D1", "RESP_DIALOGUE", 2025,
     "Cả 10 đơn vị loại «Xã, phường, thị trấn, đặc khu» đã gửi số liệu của Địa bàn D1 đều bỏ trống chỉ tiêu này, dù bộ tiêu chí yêu cầu."),
    ("duplicate", "C08", None, 2025, "Cả dòng số liệu (4 giá trị) trùng hệt với Xã C09 (C09)."),
])
def test_each_finding_names_its_unit_file_and_why(qs, profile, kind, unit, indicator, submission_year, sentence):
    found = quality.findings(qs, "thamdinh1", profile, 2025)
    row = found.filter((pl.col("kind") == kind) & (pl.col("unit_code") == unit)).row(0, named=True)
    sid = qs.rows("SELECT id FROM submissions WHERE year = $y AND state = 'current'", {"y": submission_year})[0][0]
    assert (row["indicator"], row["submission_id"], row["file_name"]) == (indicator, sid, "test.csv")
    assert row["unit_name"] == ("Địa bàn D1" if unit == "D1" else f"Xã {unit}")
    assert row["kind_label"] == quality.KIND_LABELS[kind]
    assert row["sentence"] == sentence


def _polars_outliers(store, profile, year: int, s: quality.Settings) -> set[tuple[str, str]]:
    """The outlier rule computed plainly in Polars from the newest current values
    (current_values_of_year.sql, another path than quality_values.sql), over the same scope."""
    vals = store.frame(sqlfiles.load("current_values_of_year"), {"y": year, "units": None})
    units = store.frame("SELECT code AS unit_code, type AS unit_type, coalesce(parent_code, '') AS area_code, "
                        "active_from, active_to FROM units")
    units = units.filter((pl.col("active_from").is_null() | (pl.col("active_from") <= year))
                         & (pl.col("active_to").is_null() | (pl.col("active_to") >= year))
                         & pl.col("unit_type").is_in(list(profile.unit_types)))
    own = territory.units_of(store, profile.id, year)  # profiles assigned by territory: their own units
    if own is not None:
        units = units.filter(pl.col("unit_code").is_in(own))
    kinds = {i.code: i.kind for i in profile.indicators() if i.entered_by == "unit"}
    applies = {(t, i.code) for i in profile.indicators() if i.entered_by == "unit" for t in i.applies}
    rows = []
    for r in vals.join(units, on="unit_code").iter_rows(named=True):
        kind = kinds.get(r["indicator"])
        if kind not in s.outlier_kinds or (r["unit_type"], r["indicator"]) not in applies:
            continue
        x = (100.0 * r["num"] / r["den"] if r["num"] is not None and r["den"] else None) if kind == "ratio" \
            else r["value"]
        if x is not None:
            rows.append((r["unit_code"], r["unit_type"], r["area_code"], r["indicator"], x))
    frame = pl.DataFrame(rows, schema=["unit_code", "unit_type", "area_code", "indicator", "x"], orient="row")
    g = ["unit_type", "area_code", "indicator"]
    frame = frame.with_columns(med=pl.col("x").median().over(g), n=pl.len().over(g))
    frame = frame.with_columns(mad=(pl.col("x") - pl.col("med")).abs().median().over(g))
    hit = frame.filter((pl.col("n") >= s.min_peers) & (pl.col("mad") > 0)
                       & ((pl.col("x") - pl.col("med")).abs() > s.k * 1.4826 * pl.col("mad")))
    return set(zip(hit["unit_code"], hit["indicator"]))


@pytest.mark.parametrize("k", [3.5, 2.0, 1.0])
def test_outlier_sql_equals_plain_polars_on_the_sample(any_sample_store, profiles, k):
    quality._CACHE.clear()
    s = quality.Settings(k=k)
    profile = profiles["chung"]
    found = quality.findings(any_sample_store, access.SYSTEM, profile, 2025, s=s).filter(pl.col("kind") == "outlier")
    expected = _polars_outliers(any_sample_store, profile.in_force(2025), 2025, s)
    assert len(expected) > 0
    assert set(zip(found["unit_code"], found["indicator"])) == expected


def test_outlier_sql_equals_plain_polars_on_the_planted_store(qs, profile):
    s = quality.Settings(k=1.0)
    found = quality.findings(qs, "quantri", profile, 2025, s=s).filter(pl.col("kind") == "outlier")
    assert set(zip(found["unit_code"], found["indicator"])) == _polars_outliers(qs, profile, 2025, s)


# ---------------------------------------------------------------- reviewed marks

def _one(frame: pl.DataFrame, kind: str, unit: str) -> dict:
    return frame.filter((pl.col("kind") == kind) & (pl.col("unit_code") == unit)).row(0, named=True)


def test_mark_reviewed_stores_audits_and_survives_recompute(qs, profile):
    f = _one(quality.findings(qs, "thamdinh1", profile, 2025), "outlier", "C10")
    assert not f["reviewed"]
    version, figures = qs.data_version(), quality.figures_version(qs)
    quality.mark_reviewed(qs, "thamdinh1", profile, 2025, f["finding_key"], "  Đã gọi điện xác minh: đúng 40 lớp.  ")
    stored = qs.rows("SELECT finding_key, kind, year, unit_code, indicator, fingerprint, note, reviewed_by "
                     "FROM quality_reviews")
    assert stored == [(f["finding_key"], "outlier", 2025, "C10", "TRAIN_CLASSES", "40.0",
                       "Đã gọi điện xác minh: đúng 40 lớp.", "thamdinh1")]
    audit_rows = qs.rows("SELECT actor, object, before_json, after_json FROM audit WHERE action = 'quality_review'")
    assert len(audit_rows) == 1
    actor, obj, before, after = audit_rows[0]
    assert (actor, obj, json.loads(before)) == ("thamdinh1", "quality:2025:outlier:C10:TRAIN_CLASSES",
                                                {"reviewed": False})
    assert json.loads(after) == {"reviewed": True, "note": "Đã gọi điện xác minh: đúng 40 lớp.",
                                 "finding_key": f["finding_key"], "value": 40.0, "submission_id": f["submission_id"]}
    assert qs.data_version() == version + 1
    assert quality.figures_version(qs) == figures  # no figure changed: the findings are not recomputed
    # recomputed from scratch: the same key, reviewed, with who and the note
    quality._CACHE.clear()
    again = quality.findings(qs, "thamdinh1", profile, 2025)
    row = _one(again, "outlier", "C10")
    assert (row["finding_key"], row["reviewed"], row["note"], row["reviewed_by"]) == (
        f["finding_key"], True, "Đã gọi điện xác minh: đúng 40 lớp.", "thamdinh1")
    assert quality.counts(again)["outlier"] == (1, 0) and quality.counts(again)["jump"] == (2, 2)
    with pytest.raises(Conflict, match="đã được thamdinh1 đánh dấu"):
        quality.mark_reviewed(qs, "thamdinh1", profile, 2025, f["finding_key"], "lần nữa")


def test_changed_value_shows_as_not_reviewed_again(qs, profile):
    f = _one(quality.findings(qs, "thamdinh1", profile, 2025), "outlier", "C10")
    quality.mark_reviewed(qs, "thamdinh1", profile, 2025, f["finding_key"], "Đã xác minh.")
    with qs.transaction() as cur:  # C10 corrects its figure to another implausible one
        cur.execute("UPDATE observations SET value = 41 WHERE unit_code = 'C10' AND year = 2025 "
                    "AND indicator = 'TRAIN_CLASSES'")
        bump_data_version(cur, 2025, ["C10"])
    row = _one(quality.findings(qs, "thamdinh1", profile, 2025), "outlier", "C10")
    assert row["value"] == 41.0 and row["finding_key"] != f["finding_key"] and not row["reviewed"]


def test_a_mark_made_meanwhile_by_another_reviewer_is_a_conflict(qs, profile, monkeypatch):
    f = _one(quality.findings(qs, "thamdinh1", profile, 2025), "jump", "C07")
    quality.mark_reviewed(qs, "quantri", profile, 2025, f["finding_key"], "Đã xem trước.")
    read_before = quality.findings
    # the second reviewer's findings were read before the first one's mark
    monkeypatch.setattr(quality, "findings", lambda *a, **k: read_before(*a, **k).with_columns(
        reviewed=pl.lit(False), reviewed_by=pl.lit(None, pl.String)))
    with pytest.raises(Conflict, match="vừa được người khác"):
        quality.mark_reviewed(qs, "thamdinh1", profile, 2025, f["finding_key"], "Tôi cũng xem.")
    assert qs.rows("SELECT reviewed_by, note FROM quality_reviews") == [("quantri", "Đã xem trước.")]
    assert qs.rows("SELECT count(*) FROM audit WHERE action = 'quality_review'")[0][0] == 1


def test_note_required_and_unknown_key_refused(qs, profile):
    f = _one(quality.findings(qs, "thamdinh1", profile, 2025), "jump", "C03")
    with pytest.raises(InputError, match="bắt buộc"):
        quality.mark_reviewed(qs, "thamdinh1", profile, 2025, f["finding_key"], "   ")
    with pytest.raises(NotFound):
        quality.mark_reviewed(qs, "thamdinh1", profile, 2025, "0" * 32, "ghi chú")
    assert qs.rows("SELECT count(*) FROM quality_reviews")[0][0] == 0


# ---------------------------------------------------------------- access

def test_officer_refused(qs, profile):
    with pytest.raises(AccessDenied, match="canbo1"):
        quality.findings(qs, "canbo1", profile, 2025)


def test_reviewer_of_another_area_sees_nothing_of_this_one(qs, profile):
    own = quality.findings(qs, "thamdinh2", profile, 2025)
    d1 = {"D1", *D1_2025}
    assert not set(own["unit_code"]) & d1  # D2 has nothing to show: too few peers, no planted case
    assert own.is_empty()
    with pytest.raises(AccessDenied, match="thamdinh2"):
        quality.findings(qs, "thamdinh2", profile, 2025, area_code="D1")
    key = _one(quality.findings(qs, "thamdinh1", profile, 2025), "outlier", "C10")["finding_key"]
    with pytest.raises(NotFound):  # not among their findings: cannot mark it either
        quality.mark_reviewed(qs, "thamdinh2", profile, 2025, key, "ghi chú")


def test_reviewer_area_filter_narrows(qs, profile):
    assert _keyed(quality.findings(qs, "quantri", profile, 2025, area_code="D1")) == EXPECTED
    assert quality.findings(qs, "quantri", profile, 2025, area_code="D2").is_empty()


def test_export_has_vietnamese_headers(qs, profile):
    from dcmetrics.exports import xlsx_bytes

    frame = quality.export_frame(quality.findings(qs, "thamdinh1", profile, 2025))
    assert frame.columns[:3] == ["Loại phát hiện", "Mã đơn vị/địa bàn", "Đơn vị/địa bàn"]
    assert set(frame["Trạng thái"]) == {"Chưa xem"}
    data = xlsx_bytes(frame, "Chất lượng số liệu", notes=[quality.defaults_note()])
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # what the workbook holds, read without a spreadsheet library
        book = z.read("xl/workbook.xml").decode("utf-8")
        # the title block's strings are shared, the table's cells inline strings (reports/sheet_body.py)
        strings = html.unescape(z.read("xl/sharedStrings.xml").decode("utf-8")
                                + "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")))
    assert 'name="Chất lượng số liệu"' in book and 'name="Ghi chú"' in book
    c10 = frame.filter(pl.col("Mã đơn vị/địa bàn") == "C10")["Giải thích"][0]
    assert c10 in strings and quality.defaults_note() in strings and "Loại phát hiện" in strings


def test_defaults_note_says_software_default():
    note = quality.defaults_note()
    assert "mặc định của phần mềm — chưa có văn bản quy định" in note
    assert "3,5 × 1,4826 × MAD" in note and "ít nhất 8 đơn vị" in note
    assert "ít nhất 30 điểm % (tỷ lệ), 30 điểm % (tỷ lệ tính từ tử số, mẫu số), 5 (số đếm), 5 (điểm)" in note
