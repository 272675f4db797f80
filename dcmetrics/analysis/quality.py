"""Data-quality review for reviewers (issue 18): across every unit of a year in the reviewer's area,
values far from their peers, implausible year-on-year changes, indicators everyone left empty and
identical rows from different units; each finding marked reviewed with a note.

Findings are computed from the current self-assessed figures (what units sent, before any
appraisal: that is what a reviewer checks) and only for indicators the units enter themselves.
Every threshold here is the software's default: no resolution sets one (DEFAULTS_NOTE says so).

Which kinds each rule reads, and why:
- outliers among peers (median and MAD): counts, points, percentages and ratios (as their
  percentage). The rule needs no distribution, so a bounded percentage is fine; a group whose
  MAD is 0 (most peers give the same value) has no yardstick and flags nothing. Yes/no answers are
  left out: a «không» among «có» is a fact the profile scores, not a suspicious number.
- year-on-year jumps: the same kinds; a yes/no that flips is a real change, not a jump.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from dcmetrics import access, audit, config, sqlfiles, territory
from dcmetrics.errors import Conflict, InputError, NotFound
from dcmetrics.fmt import fmt_num
from dcmetrics.framework_model import Profile
from dcmetrics.store import Store, bump_data_version

OUTLIER, JUMP, EMPTY, DUPLICATE = "outlier", "jump", "empty", "duplicate"
KINDS = (OUTLIER, JUMP, EMPTY, DUPLICATE)
KIND_LABELS = {OUTLIER: "Khác xa đơn vị cùng loại", JUMP: "Thay đổi bất thường so với năm trước",
               EMPTY: "Chỉ tiêu mọi đơn vị bỏ trống", DUPLICATE: "Dòng số liệu trùng hệt đơn vị khác"}
AUDIT_ACTION = audit.QUALITY_REVIEW

MAD_SCALE = 1.4826  # MAD × 1,4826 estimates the standard deviation of normal data


@dataclass(frozen=True)
class Settings:
    """The rules' thresholds: every one the software's default (no text sets them)."""

    k: float = 3.5                      # outlier: |x − median| > k · 1,4826 · MAD (Iglewicz–Hoaglin)
    min_peers: int = 8                  # outlier: at least this many reported values among peers
    outlier_kinds: tuple[str, ...] = ("count", "points", "percent", "ratio")
    jump_rel: float = 0.5               # jump: change ≥ half the larger of the two values
    # jump: and at least this absolute change (percentage points for percent and ratio)
    jump_min_change: tuple[tuple[str, float], ...] = (("percent", 30.0), ("ratio", 30.0), ("count", 5.0),
                                                      ("points", 5.0))
    empty_min_units: int = 2            # empty indicator: at least this many units sent a file


DEFAULTS = Settings()


def defaults_note(s: Settings = DEFAULTS) -> str:
    """What the page and the export say of the thresholds."""
    mins = ", ".join(f"{_change_text(k, v)} ({_KIND_WORDS[k]})" for k, v in s.jump_min_change)
    return (f"Các ngưỡng là mặc định của phần mềm — chưa có văn bản quy định. Khác xa đơn vị cùng loại: "
            f"|giá trị − trung vị| > {fmt_num(s.k, 1)} × 1,4826 × MAD (độ lệch tuyệt đối trung vị), so trong "
            f"cùng loại đơn vị, cùng địa bàn, cần ít nhất {s.min_peers} đơn vị có số liệu. Thay đổi bất thường "
            f"so với năm trước: chênh lệch từ {fmt_num(s.jump_rel * 100, 0)}% giá trị lớn hơn trở lên và ít nhất "
            f"{mins}. Chỉ tiêu bỏ trống: từ {s.empty_min_units} đơn vị trở lên của một địa bàn đã gửi số liệu "
            "mà không đơn vị nào điền. Chỉ tiêu Có/Không không xét khác xa và thay đổi bất thường.")


_KIND_WORDS = {"percent": "tỷ lệ", "ratio": "tỷ lệ tính từ tử số, mẫu số", "count": "số đếm", "points": "điểm"}


def _change_text(kind: str, amount: float) -> str:
    """An absolute change in the kind's unit: percentage points for shares."""
    return f"{fmt_num(amount, 2)} điểm %" if kind in ("percent", "ratio") else fmt_num(amount, 2)


FINDING_SCHEMA = {
    "finding_key": pl.String, "kind": pl.String, "kind_label": pl.String, "year": pl.Int32,
    "unit_code": pl.String, "unit_name": pl.String, "unit_type": pl.String, "area_code": pl.String,
    "area_name": pl.String, "indicator": pl.String, "indicator_label": pl.String, "value": pl.Float64,
    "reference": pl.Float64, "submission_id": pl.Int64, "file_name": pl.String, "submission_area": pl.String,
    "sentence": pl.String,
    "fingerprint": pl.String,
}


def finding_key(kind: str, year: int, unit: str, indicator: str | None, fingerprint: str) -> str:
    """Stable across recomputation: what the finding is and the values it was found on."""
    text = "|".join([kind, str(year), unit, indicator or "", fingerprint])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _scope(store: Store, actor, profile: Profile, year: int, area_code: str | None) -> tuple[pl.DataFrame, str | None]:
    """The units reviewed (unit_code, unit_type, area_code = parent) and the area (None: all).
    REVIEW on the area, checked here; with no area, the actor's own."""
    acct = access.require(store, actor, access.REVIEW)
    area = area_code or (None if acct.area_code == access.ALL_AREAS else acct.area_code)
    if area is not None:
        access.require(store, acct, access.REVIEW, area)
        units = store.frame(sqlfiles.load("unit_subtree"), {"area": area})
        if units.is_empty():
            raise NotFound(f"Không có địa bàn mã «{area}».")
    else:
        units = store.frame("SELECT * FROM units")
    version = profile.in_force(year)
    units = units.filter(pl.col("type").is_in(list(version.unit_types))
                         & (pl.col("active_from").is_null() | (pl.col("active_from") <= year))
                         & (pl.col("active_to").is_null() | (pl.col("active_to") >= year)))
    own = territory.units_of(store, profile.id, year)
    if own is not None:  # profiles assigned by territory: only the units this one evaluates
        units = units.filter(pl.col("code").is_in(own))
    return units.select(pl.col("code").alias("unit_code"), pl.col("type").alias("unit_type"),
                        pl.col("parent_code").fill_null("").alias("area_code")), area


def _asked(profile: Profile, year: int) -> pl.DataFrame:
    """(unit_type, indicator, kind) of every indicator the profile asks units to enter."""
    version = profile.in_force(year)
    rows = [(t, i.code, i.kind) for i in version.indicators() if i.entered_by == "unit"
            for t in i.applies if t in version.unit_types]
    return pl.DataFrame(rows, schema={"unit_type": pl.String, "indicator": pl.String, "kind": pl.String},
                        orient="row")


def raw_findings(store: Store, units: pl.DataFrame, asked: pl.DataFrame, year: int,
                 s: Settings = DEFAULTS) -> dict[str, pl.DataFrame]:
    """The four rules' SQL results over `units` (no access check: callers check)."""
    cur = store.cursor()
    try:
        # temp tables of this cursor (the rules read them several times), dropped at the end:
        # on PostgreSQL the cursor's connection goes back to a pool with its temp tables
        cur.register("q_units_frame", units)
        _temp_table(cur, "q_units", "SELECT * FROM q_units_frame")
        cur.register("q_asked", asked)
        cur.register("q_jump_rules", pl.DataFrame(list(s.jump_min_change), schema={"kind": pl.String,
                                                   "min_change": pl.Float64}, orient="row"))
        years = {"years": [year - 1, year]}
        _temp_table(cur, "q_sent", sqlfiles.load("quality_sent"), years)
        _temp_table(cur, "q_all", sqlfiles.load("quality_values"), years)
        out = {
            OUTLIER: cur.sql(sqlfiles.load("quality_outliers"), params={
                "y": year, "k": s.k, "min_peers": s.min_peers, "kinds": list(s.outlier_kinds)}).pl(),
            JUMP: cur.sql(sqlfiles.load("quality_jumps"), params={"y": year, "rel": s.jump_rel}).pl(),
            EMPTY: cur.sql(sqlfiles.load("quality_empty"), params={"y": year, "min_units": s.empty_min_units}).pl(),
            DUPLICATE: cur.sql(sqlfiles.load("quality_duplicates"), params={"y": year}).pl(),
        }
        return out
    finally:
        try:
            for name in ("q_all", "q_sent", "q_units"):
                cur.execute(f"DROP TABLE IF EXISTS {name}")
            for name in ("q_units_frame", "q_asked", "q_jump_rules"):
                cur.unregister(name)
        finally:
            cur.close()


def _temp_table(cur, name: str, query: str, params: dict | None = None) -> None:
    """A temp table of the query's rows on both stores (PostgreSQL has no CREATE OR REPLACE
    TABLE; a name left by an earlier failed call on a pooled connection is dropped first)."""
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    cur.execute(f"CREATE TEMP TABLE {name} AS {query}", params)


def _type_label(unit_type: str) -> str:
    return config.UNIT_TYPE_LABELS.get(unit_type, unit_type)


def _n(v: float | None) -> str:
    return fmt_num(v, 2) if v is not None else "–"


def _assemble(raw: dict[str, pl.DataFrame], year: int, names: dict[str, str], labels: dict[str, str],
              s: Settings, file_areas: dict[int, str] | None = None) -> pl.DataFrame:
    rows = []
    for r in raw[OUTLIER].iter_rows(named=True):
        rows.append({"kind": OUTLIER, "unit_code": r["unit_code"], "unit_type": r["unit_type"],
                     "area_code": r["area_code"], "indicator": r["indicator"], "value": r["x"],
                     "reference": r["peer_median"], "submission_id": r["submission_id"], "file_name": r["file_name"],
                     "fingerprint": repr(r["x"]),
                     "sentence": (f"Giá trị {_n(r['x'])} khác xa trung vị {_n(r['peer_median'])} của {r['n_peers']} "
                                  "đơn vị cùng loại cùng địa bàn: "
                                  f"lệch {_n(abs(r['x'] - r['peer_median']))}, quá ngưỡng {_n(r['threshold'])} "
                                  f"({fmt_num(s.k, 1)} × 1,4826 × MAD {_n(r['mad'])}).")})
    for r in raw[JUMP].iter_rows(named=True):
        rows.append({"kind": JUMP, "unit_code": r["unit_code"], "unit_type": r["unit_type"],
                     "area_code": r["area_code"], "indicator": r["indicator"], "value": r["x"],
                     "reference": r["previous"], "submission_id": r["submission_id"], "file_name": r["file_name"],
                     "fingerprint": f"{r['previous']!r}>{r['x']!r}",
                     "sentence": (f"Năm {year - 1}: {_n(r['previous'])}; năm {year}: {_n(r['x'])} — "
                                  f"{'tăng' if r['x'] > r['previous'] else 'giảm'} {_n(r['change'])}; ngưỡng: "
                                  f"chênh lệch từ {fmt_num(s.jump_rel * 100, 0)}% giá trị lớn hơn và từ "
                                  f"{_change_text(r['kind'], r['min_change'])} trở lên.")})
    for r in raw[EMPTY].iter_rows(named=True):
        files = f" (trong {r['n_files']} tệp)" if r["n_files"] > 1 else ""
        rows.append({"kind": EMPTY, "unit_code": r["area_code"], "unit_type": r["unit_type"],
                     "area_code": r["area_code"], "indicator": r["indicator"], "value": None, "reference": None,
                     "submission_id": r["submission_id"], "file_name": r["file_name"],
                     "fingerprint": f"{r['unit_type']}:{r['n_units']}",
                     "sentence": (f"Cả {r['n_units']} đơn vị loại «{_type_label(r['unit_type'])}» "
                                  f"đã gửi số liệu của {names.get(r['area_code'], r['area_code'])}{files} đều bỏ trống "
                                  "chỉ tiêu này, dù bộ tiêu chí yêu cầu.")})
    for r in raw[DUPLICATE].iter_rows(named=True):
        others = ", ".join(f"{names.get(o, o)} ({o})" for o in r["others"][:5])
        more = f" và {len(r['others']) - 5} đơn vị khác" if len(r["others"]) > 5 else ""
        rows.append({"kind": DUPLICATE, "unit_code": r["unit_code"], "unit_type": r["unit_type"],
                     "area_code": None, "indicator": None, "value": None, "reference": None,
                     "submission_id": r["submission_id"], "file_name": r["file_name"],
                     "fingerprint": r["fingerprint"],
                     "sentence": (f"Cả dòng số liệu ({r['n_values']} giá trị) trùng hệt với {others}{more}.")})
    out = pl.DataFrame(rows, schema={k: FINDING_SCHEMA[k] for k in (
        "kind", "unit_code", "unit_type", "area_code", "indicator", "value", "reference", "submission_id",
        "file_name", "fingerprint", "sentence")})
    return out.with_columns(
        finding_key=pl.struct("kind", "unit_code", "indicator", "fingerprint").map_elements(
            lambda r: finding_key(r["kind"], year, r["unit_code"], r["indicator"], r["fingerprint"] or ""),
            return_dtype=pl.String),
        kind_label=pl.col("kind").replace_strict(KIND_LABELS, return_dtype=pl.String),
        year=pl.lit(year, pl.Int32),
        unit_name=pl.col("unit_code").replace_strict(names, default=pl.col("unit_code"), return_dtype=pl.String),
        area_name=pl.col("area_code").replace_strict(names, default=None, return_dtype=pl.String),
        indicator_label=pl.col("indicator").replace_strict(labels, default=pl.col("indicator"), return_dtype=pl.String),
        # the area whose file it is: where the review page shows the file
        submission_area=pl.col("submission_id").replace_strict(file_areas or {}, default=None, return_dtype=pl.String),
    ).select(list(FINDING_SCHEMA))


# Findings depend only on stored figures, units and the profile: kept per version of those. A
# review mark bumps the data version too (as evidence does) but names no unit, like every change
# that touches no figure; the marks are joined afresh, so marking never recomputes the nation.
_CACHE: dict[tuple, pl.DataFrame] = {}


def figures_version(store: Store) -> int:
    """The last change that touched figures or units (data_changes naming units, or everything)."""
    return store.rows("SELECT coalesce(max(seq), 0) FROM data_changes "
                      "WHERE unit_codes IS NULL OR cardinality(unit_codes) > 0")[0][0]  # cardinality: both stores


def findings(store: Store, actor, profile: Profile, year: int, area_code: str | None = None,
             s: Settings = DEFAULTS) -> pl.DataFrame:
    """Every finding of `year` in the area (None: the actor's own), with its reviewed state:
    FINDING_SCHEMA plus reviewed (bool), note, reviewed_by, reviewed_at. Needs REVIEW there."""
    units, area = _scope(store, actor, profile, year, area_code)
    key = (str(store.path), id(store), figures_version(store), profile.id, profile.sha256, year, area, s)
    if key not in _CACHE:
        version = profile.in_force(year)
        raw = raw_findings(store, units, _asked(profile, year), year, s)
        names = dict(store.rows("SELECT code, name FROM units"))
        labels = {i.code: i.name for i in version.indicators()}
        file_areas = dict(store.rows("SELECT id, area_code FROM submissions"))
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = _assemble(raw, year, names, labels, s, file_areas).sort(["kind", "unit_code", "indicator"],
                                                                  nulls_last=True)
    found = _CACHE[key]
    marks = store.frame("SELECT finding_key, note, reviewed_by, reviewed_at FROM quality_reviews WHERE year = $y",
                        {"y": year})
    return (found.join(marks, on="finding_key", how="left", maintain_order="left")
            .with_columns(reviewed=pl.col("reviewed_by").is_not_null()))


def counts(frame: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """kind → (findings, of which not reviewed)."""
    out = {}
    for k in KINDS:
        part = frame.filter(pl.col("kind") == k)
        out[k] = (part.height, part.filter(~pl.col("reviewed")).height)
    return out


def mark_reviewed(store: Store, actor, profile: Profile, year: int, key: str, note: str,
                  area_code: str | None = None) -> dict:
    """Mark one current finding (by its key, among the actor's findings) reviewed with a note
    (required); one transaction, audited. The row stored."""
    note = (note or "").strip()
    if not note:
        raise InputError("Hãy ghi chú vì sao phát hiện này đã được xem (bắt buộc).")
    found = findings(store, actor, profile, year, area_code).filter(pl.col("finding_key") == key)
    if found.is_empty():
        raise NotFound("Không còn phát hiện này trên địa bàn của bạn (số liệu có thể đã thay đổi); hãy tải lại trang.")
    f = found.row(0, named=True)
    if f["reviewed"]:
        raise Conflict(f"Phát hiện này đã được {f['reviewed_by']} đánh dấu đã xem.")
    acct = access.require(store, actor, access.REVIEW)
    row = {"finding_key": key, "kind": f["kind"], "year": year, "unit_code": f["unit_code"],
           "indicator": f["indicator"], "fingerprint": f["fingerprint"], "note": note,
           "reviewed_by": acct.username, "reviewed_at": datetime.now()}
    try:
        _store_mark(store, acct, f, row)
    except Exception as e:
        if not _duplicate_key(e):
            raise
        # marked by someone else since the findings were read
        raise Conflict("Phát hiện này vừa được người khác đánh dấu đã xem; hãy tải lại trang.") from None
    return row


def _duplicate_key(error: Exception) -> bool:
    """A primary-key clash on either store: DuckDB's ConstraintException, or PostgreSQL's
    unique_violation (SQLSTATE 23505, on every psycopg error as .sqlstate)."""
    return isinstance(error, duckdb.ConstraintException) or getattr(error, "sqlstate", None) == "23505"


def _store_mark(store: Store, acct, f: dict, row: dict) -> None:
    """The mark and its audit row, one transaction."""
    year = row["year"]
    with store.transaction() as cur:
        cur.execute("INSERT INTO quality_reviews (finding_key, kind, year, unit_code, indicator, fingerprint, note, "
                    "reviewed_by, reviewed_at) VALUES ($finding_key, $kind, $year, $unit_code, $indicator, "
                    "$fingerprint, $note, $reviewed_by, $reviewed_at)", row)
        audit.record(cur, acct, AUDIT_ACTION, f"quality:{year}:{f['kind']}:{f['unit_code']}:{f['indicator'] or ''}",
                     before={"reviewed": False},
                     after={"reviewed": True, "note": row["note"], "finding_key": row["finding_key"], "value": f["value"],
                            "submission_id": f["submission_id"]})
        bump_data_version(cur, year, [])  # no score changes


def export_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The findings as the xlsx export shows them (Vietnamese headers)."""
    return frame.select(
        pl.col("kind_label").alias("Loại phát hiện"), pl.col("unit_code").alias("Mã đơn vị/địa bàn"),
        pl.col("unit_name").alias("Đơn vị/địa bàn"), pl.col("indicator").alias("Mã chỉ tiêu"),
        pl.col("indicator_label").alias("Chỉ tiêu"), pl.col("value").alias("Giá trị"),
        pl.col("reference").alias("Trung vị đơn vị cùng loại / năm trước"),
        pl.col("submission_id").alias("Mã tệp"), pl.col("file_name").alias("Tệp số liệu"),
        pl.col("sentence").alias("Giải thích"),
        pl.when(pl.col("reviewed")).then(pl.lit("Đã xem")).otherwise(pl.lit("Chưa xem")).alias("Trạng thái"),
        pl.col("note").alias("Ghi chú"), pl.col("reviewed_by").alias("Người xem"))
