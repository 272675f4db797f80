"""What each route reads: the same core functions the pages call, with the token's account as
the actor (role and area checked there). Each returns a Result: a frame whose columns are the
route's fields, and a few facts about it (meta)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import polars as pl

from dcmetrics import access, completeness, config, scoring, shortlist, units
from dcmetrics.api.schema import (AREA, BASIS, PROFILE, PROFILE_PATH, SCORE_FILTERS, UNIT_TYPE, VERSION,
                                  YEAR, YEAR_OPTIONAL, Endpoint, Field)
from dcmetrics.dashboard import Filters, overview, ranking
from dcmetrics.errors import NotFound
from dcmetrics.framework_model import Profile
from dcmetrics.store import Store


@dataclass(frozen=True)
class Context:
    store: Store
    profiles: dict[str, Profile]
    actor: access.Account


@dataclass(frozen=True)
class Result:
    frame: pl.DataFrame
    meta: dict = field(default_factory=dict)


def _profile(ctx: Context, pid: str) -> Profile:
    if pid not in ctx.profiles:
        raise NotFound(f"Không có bộ tiêu chí «{pid}». Các bộ tiêu chí: {', '.join(sorted(ctx.profiles))}.")
    return ctx.profiles[pid]


def _area(ctx: Context, code: str | None) -> str | None:
    if code is not None:
        units.get_unit(ctx.store, code)  # NotFound for a code the registry lacks
    return code


def _filters(ctx: Context, p: dict) -> tuple[Profile, Filters]:
    profile = _profile(ctx, p["profile"])
    f = Filters(p["year"], _area(ctx, p["area"]), p["unit_type"], p["basis"])
    scoring.require_year(ctx.store, f.year)
    profile.in_force(f.year)  # NotFound when no version scores that year
    return profile, f


def _rounding(version: Profile) -> dict:
    r = version.rounding
    return {"total_decimals": r.total_decimals, "group_decimals": r.group_decimals, "rule": r.rule,
            "description": r.describe(), "source": r.number_source.label(), "is_default": r.number_source.is_default}


def _score_meta(profile: Profile, f: Filters) -> dict:
    v = profile.in_force(f.year)
    return {"profile_id": profile.id, "profile_version": v.version, "year": f.year, "basis": f.basis,
            "area": f.area, "unit_type": f.unit_type, "rounding": _rounding(v), "defaults_note": v.defaults_note()}


def _select(frame: pl.DataFrame, fields: tuple[Field, ...]) -> pl.DataFrame:
    return frame.select([f.name for f in fields])


# --- units -------------------------------------------------------------------------------------

UNIT_FIELDS = (Field("code", "string", "Mã đơn vị", False), Field("name", "string", "Tên đơn vị", False),
               Field("type", "string", "Loại"), Field("type_label", "string", "Tên loại"),
               Field("parent_code", "string", "Mã đơn vị cấp trên"), Field("cluster", "string", "Cụm, khối thi đua"),
               Field("active_from", "integer", "Năm bắt đầu hoạt động"),
               Field("active_to", "integer", "Năm cuối cùng hoạt động"))


def _readable_codes(ctx: Context, area: str | None) -> pl.Series | None:
    """The unit codes the actor reads within `area` (refused when outside its own); None: every
    unit (an administrator asking for no area: 40,000 codes not gathered for nothing)."""
    acct = access.require(ctx.store, ctx.actor, access.READ_SCORES, area)
    if area is None and acct.role == access.ADMIN:
        return None
    codes = access.allowed_areas(ctx.store, acct)
    if area is not None:
        codes &= set(units.subtree(ctx.store, area)["code"].to_list())
    return pl.Series("code", sorted(codes), dtype=pl.String)


def units_list(ctx: Context, p: dict) -> Result:
    codes = _readable_codes(ctx, _area(ctx, p["area"]))
    frame = units.all_units(ctx.store)
    if codes is not None:
        frame = frame.filter(pl.col("code").is_in(codes.implode()))
    if p["unit_type"] is not None:
        frame = frame.filter(pl.col("type") == p["unit_type"])
    if p["year"] is not None:
        frame = units.active_in(frame, p["year"])
    frame = frame.sort("code").with_columns(
        pl.col("type").replace_strict(config.UNIT_TYPE_LABELS, default=None, return_dtype=pl.String).alias("type_label"))
    return Result(_select(frame, UNIT_FIELDS))


TYPE_FIELDS = (Field("code", "string", "Mã loại", False), Field("label", "string", "Tên loại", False),
               Field("evaluated", "boolean", "Là loại đơn vị được đánh giá", False))


def unit_types(ctx: Context, p: dict) -> Result:
    access.require(ctx.store, ctx.actor, access.READ_SCORES)
    rows = [{"code": c, "label": config.UNIT_TYPE_LABELS[c], "evaluated": c in config.UNIT_TYPES}
            for c in (*config.AREA_TYPES, *config.UNIT_TYPES)]
    return Result(pl.DataFrame(rows, schema={"code": pl.String, "label": pl.String, "evaluated": pl.Boolean}))


YEAR_FIELDS = (Field("year", "integer", "Năm có số liệu", False),)


def years(ctx: Context, p: dict) -> Result:
    access.require(ctx.store, ctx.actor, access.READ_SCORES)
    return Result(pl.DataFrame({"year": scoring.scored_years(ctx.store)}, schema={"year": pl.Int64}))


LINEAGE_FIELDS = (Field("old_code", "string", "Mã đơn vị cũ", False), Field("new_code", "string", "Mã đơn vị mới", False),
                  Field("effective_date", "date", "Ngày hiệu lực"),
                  Field("share", "number", "Phần của đơn vị cũ chuyển vào đơn vị mới"),
                  Field("is_default", "boolean", "Phần là mặc định của phần mềm"),
                  Field("source", "string", "Nguồn"), Field("reason", "string", "Lý do"))


def lineage(ctx: Context, p: dict) -> Result:
    """Old → new links where the old or the new unit lies in what the actor reads."""
    codes = _readable_codes(ctx, _area(ctx, p["area"]))
    links = ctx.store.frame("SELECT old_code, new_code, effective_date, share, is_default, source, reason "
                            "FROM unit_lineage ORDER BY old_code, new_code")
    if codes is not None:
        links = links.filter(pl.col("old_code").is_in(codes.implode()) | pl.col("new_code").is_in(codes.implode()))
    return Result(_select(links, LINEAGE_FIELDS))


# --- profiles ----------------------------------------------------------------------------------

PROFILE_FIELDS = (Field("id", "string", "Mã bộ tiêu chí", False), Field("title", "string", "Tên bộ tiêu chí"),
                  Field("version", "string", "Phiên bản mới nhất"), Field("effective_from", "integer", "Áp dụng từ năm"),
                  Field("n_versions", "integer", "Số phiên bản"), Field("total_max", "number", "Tổng điểm tối đa"),
                  Field("document", "string", "Văn bản"), Field("unit_types", "string", "Loại đơn vị được đánh giá"),
                  Field("n_default_numbers", "integer", "Số con số là mặc định của phần mềm"))


def profiles_list(ctx: Context, p: dict) -> Result:
    access.require(ctx.store, ctx.actor, access.READ_SCORES)
    rows = [{"id": pr.id, "title": pr.title, "version": pr.version, "effective_from": pr.effective_from,
             "n_versions": len(pr.versions()), "total_max": pr.total_max, "document": pr.document.title,
             "unit_types": ",".join(pr.unit_types),
             "n_default_numbers": sum(1 for _, _, s in pr.numbers() if s.is_default)}
            for pr in (ctx.profiles[k] for k in sorted(ctx.profiles))]
    return Result(pl.DataFrame(rows, schema={f.name: _dtype(f) for f in PROFILE_FIELDS}))


VERSION_FIELDS = (Field("version", "string", "Phiên bản", False), Field("effective_from", "integer", "Áp dụng từ năm"),
                  Field("effective_to", "integer", "Áp dụng đến năm"), Field("years", "string", "Các năm áp dụng"),
                  Field("title", "string", "Tên"), Field("sha256", "string", "Dấu vân tay nội dung"),
                  Field("total_max", "number", "Tổng điểm tối đa"), Field("defaults_note", "string", "Ghi chú mặc định"))


def profile_versions(ctx: Context, p: dict) -> Result:
    access.require(ctx.store, ctx.actor, access.READ_SCORES)
    pr = _profile(ctx, p["profile_id"])
    rows = [{"version": v.version, "effective_from": first, "effective_to": last, "years": pr.period_text(v.version),
             "title": v.title, "sha256": v.sha256, "total_max": v.total_max, "defaults_note": v.defaults_note()}
            for v, first, last in pr.periods()]
    return Result(pl.DataFrame(rows, schema={f.name: _dtype(f) for f in VERSION_FIELDS}), {"profile_id": pr.id})


NUMBER_FIELDS = (Field("position", "integer", "Thứ tự", False), Field("what", "string", "Con số", False),
                 Field("value", "string", "Giá trị"), Field("source_id", "string", "Mã nguồn"),
                 Field("source_kind", "string", "Loại nguồn (default, clause, decision)"),
                 Field("source", "string", "Nguồn (văn bản, điều khoản, lời văn)"),
                 Field("is_default", "boolean", "Là mặc định của phần mềm — chưa có văn bản quy định"))


def _version(pr: Profile, version: str | None) -> Profile:
    if version is None:
        return pr
    for v in pr.versions():
        if v.version == version:
            return v
    raise NotFound(f"Bộ tiêu chí «{pr.id}» không có phiên bản «{version}»; các phiên bản: "
                   + ", ".join(v.version for v in pr.versions()) + ".")


def profile_numbers(ctx: Context, p: dict) -> Result:
    """Every number of one version with its source (a clause quoted, a decision, or the default)."""
    access.require(ctx.store, ctx.actor, access.READ_SCORES)
    pr = _profile(ctx, p["profile_id"])
    v = _version(pr, p["version"])
    rows = [{"position": i, "what": what, "value": shown, "source_id": src.id, "source_kind": src.kind,
             "source": src.label(), "is_default": src.is_default}
            for i, (what, shown, src) in enumerate(v.numbers(), start=1)]
    return Result(pl.DataFrame(rows, schema={f.name: _dtype(f) for f in NUMBER_FIELDS}),
                  {"profile_id": pr.id, "profile_version": v.version, "rounding": _rounding(v)})


# --- scores, groups, ranks, levels ---------------------------------------------------------------

SCORE_FIELDS = (
    Field("unit_code", "string", "Mã đơn vị", False), Field("unit_name", "string", "Đơn vị"),
    Field("unit_type", "string", "Loại"), Field("parent_code", "string", "Mã địa bàn"),
    Field("parent_name", "string", "Địa bàn"), Field("cluster", "string", "Cụm, khối thi đua"),
    Field("year", "integer", "Năm"), Field("framework_id", "string", "Bộ tiêu chí"),
    Field("framework_version", "string", "Phiên bản"), Field("basis", "string", "Cơ sở tính"),
    Field("base", "number", "Điểm các nhóm"), Field("deduction", "number", "Điểm trừ"),
    Field("bonus", "number", "Điểm thưởng"), Field("raw_total", "number", "Tổng trước làm tròn, giới hạn"),
    Field("total", "number", "Tổng điểm"), Field("complete", "boolean", "Đủ số liệu"),
    Field("n_missing", "integer", "Số chỉ tiêu thiếu"), Field("rated", "boolean", "Được xếp mức"),
    Field("not_rated_reason", "string", "Lý do không xếp mức"), Field("level", "string", "Mức độ"),
    Field("level_ord", "integer", "Thứ bậc mức"), Field("classification_cap", "string", "Đề xuất xếp loại"),
    Field("held_by", "string", "Mức bị giữ bởi"), Field("capped_by", "string", "Trần do"),
    Field("review_state", "string", "Trạng thái số liệu"), Field("review_label", "string", "Trạng thái số liệu (nhãn)"))


def scores(ctx: Context, p: dict) -> Result:
    profile, f = _filters(ctx, p)
    return Result(_select(ranking(ctx.store, profile, f, ctx.actor), SCORE_FIELDS), _score_meta(profile, f))


GROUP_FIELDS = (Field("unit_code", "string", "Mã đơn vị", False), Field("year", "integer", "Năm"),
                Field("group_key", "string", "Nhóm", False), Field("group_number", "string", "Mục"),
                Field("group_name", "string", "Tên nhóm"), Field("points", "number", "Điểm của nhóm (như đã lưu)"),
                Field("max_points", "number", "Điểm tối đa của nhóm"))


def score_groups(ctx: Context, p: dict) -> Result:
    """The points of every group of every unit in scope, one row each (long form: the group keys
    differ between profiles, the field names do not)."""
    profile, f = _filters(ctx, p)
    version = profile.in_force(f.year)
    wide = ranking(ctx.store, profile, f, ctx.actor)
    groups = pl.DataFrame([{"group_key": g.key, "group_number": g.number, "group_name": g.name, "max_points": g.points,
                            "g_ord": i} for i, g in enumerate(version.groups)],
                          schema={"group_key": pl.String, "group_number": pl.String, "group_name": pl.String,
                                  "max_points": pl.Float64, "g_ord": pl.Int64})
    keys = [g.key for g in version.groups]
    long = (wide.with_row_index("u_ord").select("u_ord", "unit_code", "year", *keys)
            .unpivot(index=["u_ord", "unit_code", "year"], on=keys, variable_name="group_key", value_name="points")
            .join(groups, on="group_key", how="left").sort("u_ord", "g_ord"))
    return Result(_select(long, GROUP_FIELDS), _score_meta(profile, f))


RANK_FIELDS = (Field("unit_code", "string", "Mã đơn vị", False), Field("unit_name", "string", "Đơn vị"),
               Field("total", "number", "Tổng điểm"), Field("level", "string", "Mức độ"),
               Field("rank", "integer", "Hạng"), Field("rank_parent", "integer", "Hạng trong địa bàn"),
               Field("rank_type", "integer", "Hạng theo loại"), Field("rank_cluster", "integer", "Hạng trong cụm"),
               Field("n_rated", "integer", "Số đơn vị được xếp hạng"), Field("prev_rank", "integer", "Hạng năm trước"),
               Field("rank_change", "integer", "Hạng tăng/giảm"), Field("prev_total", "number", "Tổng điểm năm trước"),
               Field("total_change", "number", "Điểm tăng/giảm"))


def ranks(ctx: Context, p: dict) -> Result:
    profile, f = _filters(ctx, p)
    return Result(_select(ranking(ctx.store, profile, f, ctx.actor), RANK_FIELDS), _score_meta(profile, f))


LEVEL_FIELDS = (Field("level", "string", "Mức độ", False), Field("level_ord", "integer", "Thứ bậc", False),
                Field("min_total", "number", "Tổng điểm tối thiểu"),
                Field("floor", "number", "Tỷ lệ tối thiểu mỗi nhóm"),
                Field("classification_cap", "string", "Đề xuất xếp loại"),
                Field("source", "string", "Nguồn của ngưỡng"), Field("is_default", "boolean", "Là mặc định của phần mềm"),
                Field("count", "integer", "Số đơn vị"), Field("share", "number", "Tỷ lệ trong số đơn vị được xếp mức"),
                Field("prev_count", "integer", "Số đơn vị năm trước"))


def levels(ctx: Context, p: dict) -> Result:
    """The version's levels with their thresholds and sources, and how many units reach each."""
    profile, f = _filters(ctx, p)
    version = profile.in_force(f.year)
    ov = overview(ctx.store, profile, f, ctx.actor)
    bands = pl.DataFrame([{"level": lv.level, "min_total": lv.min_total, "floor": lv.floor, "classification_cap": lv.cap,
                           "source": lv.source.label(), "is_default": lv.source.is_default} for lv in version.levels],
                         schema={"level": pl.String, "min_total": pl.Float64, "floor": pl.Float64,
                                 "classification_cap": pl.String, "source": pl.String, "is_default": pl.Boolean})
    frame = ov.levels.join(bands, on="level", how="left").with_columns(
        pl.col("count").cast(pl.Int64), pl.col("prev_count").cast(pl.Int64), pl.col("level_ord").cast(pl.Int64))
    return Result(_select(frame, LEVEL_FIELDS), {**_score_meta(profile, f), "n_units": ov.n_units, "n_rated": ov.n_rated})


EFFECT_FIELDS = (Field("unit_type", "string", "Loại đơn vị", False), Field("level", "string", "Mức độ", False),
                 Field("classification_cap", "string", "Đề xuất xếp loại"),
                 Field("effect", "string", "Tác động (cap: trần xếp loại, basis: một căn cứ, none: không có)"),
                 Field("text", "string", "Văn bản quy định"))


def classification_effects(ctx: Context, p: dict) -> Result:
    """What each level means for the annual classification of each unit type (the documents' words)."""
    access.require(ctx.store, ctx.actor, access.READ_SCORES)
    pr = _profile(ctx, p["profile"])
    v = pr.in_force(p["year"]) if p["year"] is not None else pr
    rows = []
    for t in v.unit_types:
        if p["unit_type"] is not None and t != p["unit_type"]:
            continue
        for lv in v.levels:
            kind, text = v.classification_note(t, lv.cap)
            rows.append({"unit_type": t, "level": lv.level, "classification_cap": lv.cap, "effect": kind, "text": text})
    return Result(pl.DataFrame(rows, schema={f.name: pl.String for f in EFFECT_FIELDS}),
                  {"profile_id": pr.id, "profile_version": v.version})


# --- shortlist, completeness ---------------------------------------------------------------------

SHORTLIST_FIELDS = (
    Field("unit_code", "string", "Mã đơn vị", False), Field("unit_name", "string", "Đơn vị"),
    Field("unit_type", "string", "Loại"), Field("parent_name", "string", "Địa bàn"),
    Field("cluster", "string", "Cụm, khối thi đua"), Field("total", "number", "Tổng điểm"),
    Field("level", "string", "Mức độ"), Field("rank_used", "integer", "Hạng được xét"),
    Field("selected", "boolean", "Được đề xuất"), Field("status", "string", "Tình trạng"),
    Field("reasons", "string", "Lý do"),
    *(Field(c, "boolean", f"Đạt: {shortlist.RULE_LABELS[c]}") for c in shortlist.RULE_COLUMNS),
    Field("n_failed", "integer", "Số điều kiện chưa đạt"), Field("review_state", "string", "Trạng thái số liệu"))


def commendation(ctx: Context, p: dict) -> Result:
    """The committee's shortlist with each rule's verdict (the profile's default rules)."""
    profile = _profile(ctx, p["profile"])
    area = _area(ctx, p["area"])
    scoring.require_year(ctx.store, p["year"])
    version = profile.in_force(p["year"])
    rules = replace(shortlist.Rules.from_profile(version), basis=p["basis"])
    sl = shortlist.shortlist(ctx.store, ctx.actor, profile, p["year"], rules, area, p["unit_type"])
    meta = {"profile_id": sl.profile_id, "profile_version": sl.profile_version, "year": sl.year, "basis": sl.basis,
            "area": sl.area_code, "area_name": sl.area_name, "n_rated": sl.n_rated, "rules": rules.describe(),
            "n_selected": sl.selected.height, "defaults_note": sl.defaults_note}
    return Result(_select(sl.units, SHORTLIST_FIELDS), meta)


COMPLETENESS_FIELDS = (
    Field("area_code", "string", "Mã địa bàn"), Field("area_name", "string", "Địa bàn"),
    Field("unit_code", "string", "Mã đơn vị", False), Field("unit_name", "string", "Đơn vị"),
    Field("unit_type", "string", "Loại"), Field("n_expected", "integer", "Số chỉ tiêu phải gửi"),
    Field("n_submitted", "integer", "Số chỉ tiêu đã gửi"), Field("n_on_time", "integer", "Gửi đúng hạn"),
    Field("n_late", "integer", "Gửi muộn"), Field("n_missing", "integer", "Chưa gửi"),
    Field("n_returned", "integer", "Bị trả lại"), Field("n_approved", "integer", "Đã phê duyệt"),
    Field("sent_at", "datetime", "Thời điểm gửi"), Field("late", "boolean", "Gửi muộn"),
    Field("review_state", "string", "Trạng thái"), Field("review_label", "string", "Trạng thái (nhãn)"))


def completeness_rows(ctx: Context, p: dict) -> Result:
    profile, f = _filters(ctx, p)
    frame = completeness.unit_rows(ctx.store, profile, f, ctx.actor)
    return Result(_select(frame, COMPLETENESS_FIELDS), {**_score_meta(profile, f), **completeness.totals(frame)})


def _dtype(f: Field):
    return {"string": pl.String, "integer": pl.Int64, "number": pl.Float64, "boolean": pl.Boolean,
            "date": pl.Date, "datetime": pl.Datetime}[f.type]


ENDPOINTS: list[Endpoint] = [
    Endpoint("/units", "units", "Danh mục đơn vị (cây đơn vị qua parent_code, loại, năm hoạt động) trong địa bàn "
             "tài khoản được xem.", (AREA, UNIT_TYPE, YEAR_OPTIONAL), UNIT_FIELDS, units_list),
    Endpoint("/unit-types", "unit_types", "Các loại đơn vị.", (), TYPE_FIELDS, unit_types),
    Endpoint("/years", "years", "Các năm có số liệu.", (), YEAR_FIELDS, years),
    Endpoint("/lineage", "lineage", "Liên kết đơn vị cũ → mới (sắp xếp đơn vị hành chính).", (AREA,),
             LINEAGE_FIELDS, lineage),
    Endpoint("/profiles", "profiles", "Các bộ tiêu chí.", (), PROFILE_FIELDS, profiles_list),
    Endpoint("/profiles/{profile_id}/versions", "profile_versions", "Các phiên bản của một bộ tiêu chí và năm áp dụng.",
             (PROFILE_PATH,), VERSION_FIELDS, profile_versions),
    Endpoint("/profiles/{profile_id}/numbers", "profile_numbers", "Mọi con số của một phiên bản và nguồn của nó "
             "(điều khoản văn bản, quyết định của tỉnh, hoặc mặc định của phần mềm).", (PROFILE_PATH, VERSION),
             NUMBER_FIELDS, profile_numbers),
    Endpoint("/scores", "scores", "Điểm của từng đơn vị theo năm, bộ tiêu chí, cơ sở tính và địa bàn, xếp từ cao "
             "xuống thấp.", SCORE_FILTERS, SCORE_FIELDS, scores),
    Endpoint("/scores/groups", "score_groups", "Điểm từng nhóm của từng đơn vị, như đã lưu.", SCORE_FILTERS,
             GROUP_FIELDS, score_groups),
    Endpoint("/ranks", "ranks", "Thứ hạng (chung, trong địa bàn, theo loại, trong cụm) và thay đổi so với năm trước.",
             SCORE_FILTERS, RANK_FIELDS, ranks),
    Endpoint("/levels", "levels", "Các mức độ, ngưỡng, nguồn và số đơn vị đạt mỗi mức.", SCORE_FILTERS, LEVEL_FIELDS,
             levels),
    Endpoint("/classification-effects", "classification_effects", "Tác động của mỗi mức đến xếp loại hằng năm theo "
             "loại đơn vị.", (PROFILE, YEAR_OPTIONAL, UNIT_TYPE), EFFECT_FIELDS, classification_effects),
    Endpoint("/commendation", "commendation", "Danh sách xét đề nghị khen thưởng, kết quả từng điều kiện, theo điều kiện "
             "mặc định của phiên bản bộ tiêu chí (meta.rules); cần quyền của Hội đồng Thi đua – Khen thưởng.", (YEAR, PROFILE, BASIS, AREA, UNIT_TYPE), SHORTLIST_FIELDS,
             commendation, permission=access.COMMEND),
    Endpoint("/completeness", "completeness", "Tiến độ gửi số liệu của từng đơn vị.", SCORE_FILTERS,
             COMPLETENESS_FIELDS, completeness_rows),
]


def json_value(v):
    """A cell as JSON: NaN and infinity (an open-ended band) become null."""
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v
