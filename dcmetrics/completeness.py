"""Completeness of a year's figures: by area and by unit, what is expected, sent, on time, late,
missing, returned and approved; whom to remind.

Expected: one figure per indicator the profile (its version in force that year) reads and asks
the unit to enter, for each unit the profile evaluates that year within the actor's area. A
figure is sent when the unit's current file carries it (a value, or both numerator and
denominator). The unit rows come from one set-based query (completeness_units.sql); areas are a
group-by of those rows, so a national registry (40.000 units) costs one query and one aggregation.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dcmetrics import access, exports, periods, sqlfiles, territory
from dcmetrics.dashboard import Filters
from dcmetrics.framework_model import Profile
from dcmetrics.kept import Kept
from dcmetrics.store import Store, cache_key

REVIEW_LABELS = {"missing": "Chưa gửi", "submitted": "Chờ thẩm định", "returned": "Bị trả lại",
                 "approved": "Đã phê duyệt"}
COUNTS = ["n_expected", "n_submitted", "n_on_time", "n_late", "n_missing", "n_returned", "n_approved"]
AREA_UNIT_COUNTS = ["units", "units_sent", "units_missing", "units_incomplete", "units_late", "units_returned",
                    "units_approved"]


@dataclass(frozen=True)
class Completeness:
    year: int
    units: pl.DataFrame      # one row per unit (see unit_rows)
    areas: pl.DataFrame      # one row per area that sends figures
    reminders: pl.DataFrame  # units to remind, with the area's uploader accounts
    period_text: str         # the year's period and where it stands (or that there is none)

    @property
    def total(self) -> dict:
        return totals(self.units)


def totals(units: pl.DataFrame) -> dict:
    """The totals of unit rows: every figure count, units, units_sent, units_approved, and the
    shares of expected figures sent, on time and approved (None when nothing is expected)."""
    sums = {c: int(units[c].sum()) for c in COUNTS}
    sums["units"] = units.height
    sums["units_sent"] = int(units["submission_id"].is_not_null().sum())
    sums["units_approved"] = int((units["review_state"] == "approved").sum())
    e = sums["n_expected"]
    for c in ("submitted", "on_time", "approved"):
        sums[f"pct_{c}"] = sums[f"n_{c}"] / e if e else None
    return sums


def _applies(profile: Profile) -> pl.DataFrame:
    """(indicator, unit_type) for every figure the profile reads and units enter themselves."""
    rows = [{"indicator": i.code, "unit_type": t} for i in profile.indicators() if i.entered_by == "unit"
            for t in i.applies if t in profile.unit_types]
    return pl.DataFrame(rows, schema={"indicator": pl.String, "unit_type": pl.String}).unique()


def _root(store: Store, f: Filters, actor) -> str | None:
    """The area whose subtree is counted (refused before anything is read, like the result pages)."""
    acct = access.require(store, actor, access.READ_SCORES, f.area)
    if f.area:
        return f.area
    return None if acct.role == access.ADMIN or acct.area_code == access.ALL_AREAS else acct.area_code


def unit_rows(store: Store, profile: Profile, f: Filters, actor) -> pl.DataFrame:
    """One row per evaluated unit in scope: area_code, area_name, unit_code, unit_name, unit_type,
    n_expected, n_submitted, submission_id, sent_by, sent_at, late, review_state, review_reason, and
    the figure counts n_on_time, n_late, n_missing, n_returned, n_approved."""
    root = _root(store, f, actor)
    version = profile.in_force(f.year)
    # kept per data version: uploads, reviews, periods and registry changes all bump it
    key = cache_key(store, "completeness", profile.id, version.version, version.sha256, f.year, f.unit_type, root)
    return _CACHE.get(key, lambda: _unit_rows(store, version, profile.id, f, root))


_CACHE = Kept(64)


def _unit_rows(store: Store, version: Profile, profile_id: str, f: Filters, root: str | None) -> pl.DataFrame:
    assigned = territory.units_of(store, profile_id, f.year)
    cur = store.cursor()
    try:
        cur.register("c_applies", _applies(version))
        cur.register("c_types", pl.DataFrame({"unit_type": list(version.unit_types)}, schema={"unit_type": pl.String}))
        cur.register("c_units", pl.DataFrame({"unit_code": assigned or []}, schema={"unit_code": pl.String}))
        frame = cur.sql(sqlfiles.load("completeness_units"),
                        params={"y": f.year, "root": root, "unit_type": f.unit_type,
                                "restricted": assigned is not None}).pl()
    finally:
        cur.close()
    sent = pl.col("n_submitted")
    return frame.with_columns(
        n_on_time=pl.when(~pl.col("late")).then(sent).otherwise(0),  # late null: nothing sent
        n_late=pl.when(pl.col("late")).then(sent).otherwise(0),
        n_missing=pl.col("n_expected") - sent,
        n_returned=pl.when(pl.col("review_state") == "returned").then(sent).otherwise(0),
        n_approved=pl.when(pl.col("review_state") == "approved").then(sent).otherwise(0),
        review_label=pl.col("review_state").replace_strict(REVIEW_LABELS, default=pl.col("review_state")),
    ).with_columns(pl.col(COUNTS).cast(pl.Int64))


def area_rows(units: pl.DataFrame) -> pl.DataFrame:
    """The unit rows summed by area, with the shares of expected figures sent, on time, approved."""
    sent = pl.col("submission_id").is_not_null()
    out = units.group_by("area_code", "area_name", maintain_order=True).agg(
        *[pl.col(c).sum() for c in COUNTS],
        units=pl.len(),
        units_sent=sent.sum(),
        units_missing=(~sent).sum(),
        units_incomplete=(sent & (pl.col("n_missing") > 0)).sum(),
        units_late=pl.col("late").fill_null(False).sum(),
        units_returned=(pl.col("review_state") == "returned").sum(),
        units_approved=(pl.col("review_state") == "approved").sum(),
    )

    def share(c: str) -> pl.Expr:
        return pl.when(pl.col("n_expected") > 0).then(pl.col(c) / pl.col("n_expected"))

    return out.with_columns(pl.col(AREA_UNIT_COUNTS).cast(pl.Int64),
                            pct_submitted=share("n_submitted"), pct_on_time=share("n_on_time"),
                            pct_approved=share("n_approved"))


def reminder_rows(store: Store, units: pl.DataFrame) -> pl.DataFrame:
    """Units to remind: nothing sent, figures returned, or figures missing; with the area's active
    uploader accounts (officers bound to that area), or none."""
    todo = units.filter(pl.col("submission_id").is_null() | (pl.col("review_state") == "returned")
                        | (pl.col("n_missing") > 0))
    accounts = store.frame(sqlfiles.load("completeness_uploaders"), {"areas": todo["area_code"].unique().to_list()})
    why = (pl.when(pl.col("submission_id").is_null()).then(pl.lit("Chưa gửi số liệu"))
           .when(pl.col("review_state") == "returned")
           .then(pl.lit("Bị trả lại: ") + pl.col("review_reason").fill_null("(không ghi lý do)"))
           .otherwise(pl.lit("Thiếu ") + pl.col("n_missing").cast(pl.String) + pl.lit(" số liệu")))
    return (todo.join(accounts, on="area_code", how="left")
            .with_columns(reason=why, uploaders=pl.col("uploaders").fill_null("chưa có tài khoản nhập liệu"))
            .select("area_code", "area_name", "unit_code", "unit_name", "unit_type", "reason", "n_expected",
                    "n_submitted", "n_missing", "uploaders"))


def completeness(store: Store, profile: Profile, f: Filters, actor) -> Completeness:
    """Everything the completeness page shows, for the filters and within the actor's area."""
    units = unit_rows(store, profile, f, actor)
    return Completeness(f.year, units, area_rows(units), reminder_rows(store, units),
                        periods.status_text(store, f.year))


REMINDER_HEADERS = {"area_code": "Mã địa bàn", "area_name": "Địa bàn", "unit_code": "Mã đơn vị",
                    "unit_name": "Đơn vị", "unit_type": "Loại đơn vị", "reason": "Cần nhắc",
                    "n_expected": "Số liệu phải nộp", "n_submitted": "Đã nộp", "n_missing": "Còn thiếu",
                    "uploaders": "Tài khoản nhập liệu của địa bàn"}


def reminders_xlsx(result: Completeness) -> bytes:
    """The list of whom to remind as an Excel sheet with Vietnamese headers."""
    from dcmetrics.config import UNIT_TYPE_LABELS

    frame = result.reminders.with_columns(
        pl.col("unit_type").replace_strict(UNIT_TYPE_LABELS, default=pl.col("unit_type")))
    frame = frame.select([pl.col(c).alias(h) for c, h in REMINDER_HEADERS.items()])
    return exports.xlsx_bytes(frame, f"Cần nhắc {result.year}", notes=[
        f"Danh sách đơn vị cần nhắc nộp số liệu năm {result.year}: chưa gửi, bị trả lại hoặc còn thiếu số liệu.",
        result.period_text, periods.DEFAULT_NOTE],
        title=f"DANH SÁCH ĐƠN VỊ CẦN NHẮC NỘP SỐ LIỆU NĂM {result.year}",
        lines=["Đơn vị chưa gửi số liệu, bị trả lại hoặc còn thiếu số liệu.", result.period_text])


def province_summary(store: Store, profile: Profile, f: Filters, actor) -> dict:
    """The scope's totals (see totals) for the overview's one line."""
    return totals(unit_rows(store, profile, f, actor))
