"""Commendation shortlist (danh sách đề nghị khen thưởng): which units of an area meet the
committee's rules in a year, which do not and why, the leading unit of each emulation cluster
and the units to be reminded.

The shortlist is material for the Emulation and Commendation Council (Hội đồng Thi đua – Khen
thưởng) to discuss and vote on; it is not an award.

Rules (`Rules`, defaults from the profile's [commendation] table), checked for every scored unit
of the scope in the year:

- ok_level: rated, and the level is `min_level` or better;
- ok_total: total ≥ `min_total` (when set);
- ok_complete: no missing value of an applicable indicator (when `require_complete`);
- ok_violations: no unhandled violation (when `no_unhandled_violation`): unhandled = DISC_HANDLED
  denominator − numerator; without a DISC_HANDLED value, the DISC_VIOLATIONS count (none of the
  violations is known to be handled). A unit with neither value passes this rule: the missing
  value is what `ok_complete` is about;
- ok_history: `min_level` or better, and rated, in each of the `previous_years` years before
  (a unit formed by the 2025 reorganisation, without a score of its own in such a year, is judged
  by its predecessors: each scored, each rated, the weakest level counts, and the reason says so);
- ok_quota: only for the candidates (units that pass every rule above; null = not considered
  for the others). Candidates are ranked by total, ties sharing the rank (1, 2, 2, 4), names in
  Vietnamese order only to list tied units in a stable order. First `max_per_area` applies
  within each parent area (with `per_cluster`: within each emulation cluster), then `max_share`
  to the units left: at most floor(max_share × rated units of the scope) units (with
  `per_cluster`: of the rated units of the cluster in the scope), at least 1 when there is a
  candidate. **Ties at a cut are all kept**: a unit whose shared rank is within the cap is kept
  even when that makes the list longer than the cap, and its reasons say so.

Status: "Đề nghị" (selected), "Sát nút" (rated, and exactly one rule failed: the quota only, or
one other rule), "Không đạt" (everything else, units not rated included).

Scope: the subtree of `area` (default: the actor's area; administrators: everything), optionally
one unit type. Ranks shown (rank, rank_parent, rank_cluster; `rank_used` = rank_parent, or
rank_cluster with `per_cluster`) are the scoring's own, over the whole area or cluster. Cluster
leaders are the best rated totals of each cluster among the units in scope (ties all listed),
with their rank in the whole cluster (1 unless the cluster reaches beyond the scope).
Reminders: units not rated, of the profile's lowest level, or with an unhandled violation.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import polars as pl

from dcmetrics import access, scoring, sqlfiles, territory, unit_reviews, units
from dcmetrics.config import UNIT_TYPE_LABELS, UNIT_TYPES
from dcmetrics.errors import Conflict, DcmetricsError
from dcmetrics.fmt import fmt_num, fmt_points
from dcmetrics.framework_model import Profile
from dcmetrics.kept import Kept
from dcmetrics.store import Store, cache_key

SELECTED = "Đề nghị"
NEAR = "Sát nút"
FAILED = "Không đạt"
STATUSES = (SELECTED, NEAR, FAILED)

RULE_COLUMNS = ("ok_level", "ok_total", "ok_complete", "ok_violations", "ok_history", "ok_quota")
RULE_LABELS = {
    "ok_level": "Mức xếp loại",
    "ok_total": "Tổng điểm tối thiểu",
    "ok_complete": "Số liệu đầy đủ",
    "ok_violations": "Không còn vi phạm chưa xử lý",
    "ok_history": "Kết quả các năm trước",
    "ok_quota": "Hạn mức đề nghị",
}
VIOLATIONS = "DISC_VIOLATIONS"      # count of violations found in the year
HANDLED = "DISC_HANDLED"            # ratio: handled (numerator) / found (denominator)
NO_CLUSTER = "Chưa xếp cụm thi đua"
EPS = 1e-9


@dataclass(frozen=True)
class Rules:
    """What a unit must meet to be proposed; the committee may change any of it."""

    min_level: str
    min_total: float | None = None
    require_complete: bool = True
    no_unhandled_violation: bool = True
    previous_years: int = 0
    max_per_area: int | None = None
    max_share: float | None = None
    per_cluster: bool = False
    basis: str = "appraised"

    @classmethod
    def from_profile(cls, profile: Profile, **changes) -> "Rules":
        """The profile's [commendation] defaults; without them: its best level this year, complete
        data, no unhandled violation, no history rule and no quota. `changes` override fields."""
        c = profile.commendation or {}
        rules = cls(
            min_level=c.get("min_level", profile.levels[0].level),
            min_total=float(c["min_total"]) if c.get("min_total") is not None else None,
            require_complete=bool(c.get("require_complete", True)),
            no_unhandled_violation=bool(c.get("no_unhandled_violation", True)),
            previous_years=int(c.get("previous_years", 0)),
            max_per_area=int(c["max_per_area"]) if c.get("max_per_area") is not None else None,
            max_share=float(c["max_share"]) if c.get("max_share") is not None else None,
        )
        return replace(rules, **changes) if changes else rules

    def check(self, profile: Profile) -> None:
        """Raise DcmetricsError (Vietnamese) when a rule makes no sense for `profile`."""
        problems = []
        names = profile.level_names()
        if self.min_level not in names:
            problems.append(f"mức tối thiểu «{self.min_level}» không phải một mức xếp loại của bộ tiêu chí "
                            f"«{profile.id}» ({', '.join(names)})")
        if self.min_total is not None and not (0 <= self.min_total <= profile.total_max):
            problems.append(f"tổng điểm tối thiểu phải từ 0 đến {fmt_num(profile.total_max)}, "
                            f"đang là {fmt_num(self.min_total)}")
        if not isinstance(self.previous_years, int) or self.previous_years < 0:
            problems.append(f"số năm trước phải là số nguyên từ 0 trở lên, đang là {self.previous_years}")
        if self.max_per_area is not None and (not isinstance(self.max_per_area, int) or self.max_per_area < 1):
            problems.append(f"số đơn vị tối đa mỗi địa bàn phải là số nguyên từ 1 trở lên, đang là {self.max_per_area}")
        if self.max_share is not None and not (0 < self.max_share <= 1):
            problems.append(f"tỷ lệ tối đa phải lớn hơn 0 và không quá 100 %, đang là {fmt_num(self.max_share * 100)} %")
        if self.basis not in scoring.BASES:
            problems.append(f"cơ sở tính điểm «{self.basis}» không hợp lệ (appraised hoặc self)")
        if problems:
            raise DcmetricsError("Tiêu chí đề xuất khen thưởng không hợp lệ: " + "; ".join(problems) + ".")

    def describe(self) -> list[str]:
        """The rules in Vietnamese, one line each, as the exports print them."""
        lines = [f"Mức xếp loại năm đánh giá từ «{self.min_level}» trở lên"]
        if self.min_total is not None:
            lines.append(f"Tổng điểm từ {fmt_points(self.min_total)} trở lên")
        if self.require_complete:
            lines.append("Số liệu đầy đủ (không thiếu chỉ tiêu bắt buộc)")
        if self.no_unhandled_violation:
            lines.append("Không còn vi phạm về thực hiện dân chủ ở cơ sở chưa được xử lý")
        if self.previous_years:
            lines.append(f"Đạt mức «{self.min_level}» trở lên trong {self.previous_years} năm liền trước")
        where = "cụm thi đua" if self.per_cluster else "địa bàn (đơn vị cấp trên trực tiếp)"
        if self.max_per_area is not None:
            lines.append(f"Tối đa {self.max_per_area} đơn vị mỗi {where}")
        if self.max_share is not None:
            of = "số đơn vị được xếp loại của mỗi cụm thi đua" if self.per_cluster else "số đơn vị được xếp loại trong phạm vi"
            lines.append(f"Tối đa {fmt_num(self.max_share * 100)} % {of} (làm tròn xuống, ít nhất 1 đơn vị)")
        lines.append("Thứ hạng xét trong từng cụm thi đua" if self.per_cluster else "Thứ hạng xét trong từng địa bàn")
        lines.append("Tính trên điểm sau thẩm định" if self.basis == "appraised" else "Tính trên điểm tự chấm")
        return lines


@dataclass(frozen=True)
class Shortlist:
    """The committee's working list for one year and scope (Polars frames) and its provenance."""

    units: pl.DataFrame            # every scored unit of the scope: rules, rank, selected, status, reasons
    cluster_leaders: pl.DataFrame  # leading unit(s) of each emulation cluster in the scope
    reminders: pl.DataFrame        # units to be reminded, with the reason
    rules: Rules
    profile_id: str
    profile_version: str
    profile_title: str
    year: int
    basis: str
    area_code: str | None          # None: the whole system
    area_name: str
    unit_type: str | None
    n_rated: int                   # rated units of the scope (the base of max_share)
    data_version: int
    defaults_note: str = ""        # which of the profile's numbers are the software's defaults
    # units of the scope whose figures are not approved (awaiting review or returned), with the
    # reason they are left out (appraised basis) or marked (self-assessed basis)
    awaiting: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=AWAITING_SCHEMA))

    @property
    def pending_selected(self) -> pl.DataFrame:
        """Proposed units whose figures nobody has approved (only on the self-assessed basis)."""
        return self.selected.filter(pl.col("review_state").fill_null("") != unit_reviews.APPROVED)

    @property
    def selected(self) -> pl.DataFrame:
        """The proposed units, in the order of the list."""
        return self.units.filter(pl.col("selected"))

    @property
    def near(self) -> pl.DataFrame:
        return self.units.filter(pl.col("status") == NEAR)

    @property
    def others(self) -> pl.DataFrame:
        """Every unit not proposed: near misses first, then the others."""
        return self.units.filter(~pl.col("selected"))

    def provenance(self) -> dict:
        return {"profile_id": self.profile_id, "profile_version": self.profile_version,
                "profile_title": self.profile_title, "year": self.year, "basis": self.basis,
                "area_code": self.area_code, "area_name": self.area_name, "unit_type": self.unit_type,
                "n_rated": self.n_rated, "data_version": self.data_version, "rules": asdict(self.rules)}


AWAITING_SCHEMA = {"unit_code": pl.String, "unit_name": pl.String, "parent_name": pl.String,
                   "review_state": pl.String, "review_label": pl.String, "reason": pl.String}


def check_reviewed(sl: Shortlist, why: str | None) -> str | None:
    """A proposal may be exported while a proposed unit's figures await review only with the
    committee's recorded reason (printed in the document). The reason kept, or Conflict."""
    pending = sl.pending_selected
    if pending.is_empty():
        return None
    if not why or not why.strip():
        names = ", ".join(pending["unit_name"].head(5).to_list()) + (" …" if pending.height > 5 else "")
        raise Conflict(f"{pending.height} đơn vị được đề nghị có số liệu chưa được phê duyệt ({names}). Hãy chờ "
                       "thẩm định xong, hoặc ghi lý do Hội đồng vẫn xuất danh sách; lý do được in kèm danh sách.")
    return why.strip()


def _awaiting(store: Store, year: int, in_scope) -> pl.DataFrame:
    """Units of the scope with figures not approved, and why they are not counted as reviewed."""
    st = unit_reviews.states(store, year).filter(pl.col("review_state") != unit_reviews.APPROVED)
    if st.is_empty():
        return pl.DataFrame(schema=AWAITING_SCHEMA)
    named = st.join(store.frame("SELECT u.code AS unit_code, u.name AS unit_name, u.type AS unit_type, "
                                "p.name AS parent_name FROM units u LEFT JOIN units p ON p.code = u.parent_code "
                                "WHERE list_contains($c, u.code)", {"c": st["unit_code"].to_list()}),
                    on="unit_code", how="inner")
    return (in_scope(named)
            .with_columns(review_label=pl.col("review_state").replace_strict(unit_reviews.STATE_LABELS,
                                                                            return_dtype=pl.String),
                          reason=pl.when(pl.col("review_state") == unit_reviews.RETURNED)
                          .then(pl.format("Số liệu bị trả lại, chờ đơn vị gửi lại: {}",
                                          pl.col("review_reason").fill_null("không ghi lý do")))
                          .otherwise(pl.lit("Số liệu chưa được phê duyệt (chờ thẩm định)")))
            .sort("unit_name").select(list(AWAITING_SCHEMA)))


# --- helpers -------------------------------------------------------------------------------------

def _vn_points(expr: pl.Expr) -> pl.Expr:
    """Points as text with two decimals and a decimal comma (92,50), like fmt.fmt_points, for
    values under 1000 (totals; larger values are not expected)."""
    cents = (expr * 100).round(0).cast(pl.Int64)
    return pl.when(expr.is_null()).then(pl.lit("–")).otherwise(
        pl.format("{},{}", (cents // 100).cast(pl.String), (cents % 100).cast(pl.String).str.zfill(2)))


def _int_text(expr: pl.Expr) -> pl.Expr:
    return expr.round(0).cast(pl.Int64).cast(pl.String)


def _capitalise(expr: pl.Expr) -> pl.Expr:
    return expr.str.slice(0, 1).str.to_uppercase() + expr.str.slice(1)


def _join_parts(parts: list[pl.Expr]) -> pl.Expr:
    """Non-null texts of `parts` joined with '; ' (empty string when none)."""
    if not parts:
        return pl.lit("")
    return pl.concat_list([p.cast(pl.String) for p in parts]).list.drop_nulls().list.join("; ")


def vi_order(store: Store, keys: list[str], texts: list[str]) -> pl.DataFrame:
    """key, ord: the Vietnamese alphabetical order of `texts` (ties by key)."""
    if not keys:
        return pl.DataFrame(schema={"key": pl.String, "ord": pl.Int64})
    return store.frame(sqlfiles.load("shortlist_vi_order"), {"keys": keys, "texts": texts}).with_columns(
        pl.col("key").cast(pl.String), pl.col("ord").cast(pl.Int64))


def _scope(store: Store, actor, area: str | None) -> tuple[set[str] | None, str | None, str]:
    """(codes of the scope or None for everything, area code, area name) after the check."""
    acct = access.require(store, actor, access.COMMEND, area)
    if area is None and not (acct.area_code == access.ALL_AREAS or acct.role == access.ADMIN):
        area = acct.area_code
    if area is None:
        return None, None, access.ALL_AREAS_LABEL
    tree = units.subtree(store, area)
    name = tree.filter(pl.col("code") == area)["name"].to_list()
    return set(tree["code"].to_list()), area, (name[0] if name else area)


def _violations(items: pl.DataFrame, year: int) -> pl.DataFrame:
    """unit_code, n_unhandled (null when the unit has neither indicator's value)."""
    it = items.filter((pl.col("year") == year) & pl.col("indicator").is_in([HANDLED, VIOLATIONS]))
    handled = (it.filter((pl.col("indicator") == HANDLED) & pl.col("num").is_not_null() & pl.col("den").is_not_null())
               .select("unit_code", (pl.col("den") - pl.col("num")).clip(lower_bound=0).alias("_unhandled")))
    found = (it.filter((pl.col("indicator") == VIOLATIONS) & pl.col("value").is_not_null())
             .select("unit_code", pl.col("value").alias("_found")))
    both = pl.concat([handled.select("unit_code"), found.select("unit_code")]).unique()
    return (both.join(handled, on="unit_code", how="left").join(found, on="unit_code", how="left")
            .select("unit_code", pl.coalesce("_unhandled", "_found").round(0).cast(pl.Int64).alias("n_unhandled")))


def apply_quota(frame: pl.DataFrame, rules: Rules, n_rated: int) -> pl.DataFrame:
    """The quota over `frame` (columns candidate, total, name_ord, quota_group, rated); adds
    group_candidate_rank, candidate_rank, share_base, share_cap, _in_area, selected, ok_quota,
    kept_by_tie.

    Candidates are ranked by total within their quota group (parent area or cluster), ties sharing
    the rank; those ranked within `max_per_area` stay (all tied units at the cut stay). The
    units left are ranked again, over the scope (per cluster with `per_cluster`), and those
    ranked within the share cap floor(max_share × rated units), at least 1, are selected (ties
    at the cut again all selected). `kept_by_tie`: selected although its place in the list
    (ties ordered by Vietnamese name) is beyond a cap."""
    share_over = "quota_group" if rules.per_cluster else None
    # ranks among the candidates (ties share: 1, 2, 2, 4); null for the others
    total_c = pl.when(pl.col("candidate")).then(pl.col("total"))
    frame = frame.with_columns(
        total_c.rank("min", descending=True).over("quota_group").cast(pl.Int64).alias("group_candidate_rank"))
    if rules.max_per_area is not None:
        frame = frame.with_columns(
            (pl.col("candidate") & (pl.col("group_candidate_rank") <= rules.max_per_area)).alias("_in_area"))
    else:
        frame = frame.with_columns(pl.col("candidate").alias("_in_area"))
    # the share cap applies to what is left after the per-area cap
    total_a = pl.when(pl.col("_in_area")).then(pl.col("total")).rank("min", descending=True)
    rated_base = pl.col("rated").cast(pl.Int64).sum()
    if share_over:
        frame = frame.with_columns(total_a.over(share_over).cast(pl.Int64).alias("candidate_rank"),
                                   rated_base.over(share_over).cast(pl.Int64).alias("share_base"))
    else:
        frame = frame.with_columns(total_a.cast(pl.Int64).alias("candidate_rank"),
                                   pl.lit(n_rated, pl.Int64).alias("share_base"))
    if rules.max_share is not None:
        # floor(share × base), at least 1; the tiny epsilon keeps 0.15 × 20 = 3 (not 2.9999...)
        cap = pl.max_horizontal(pl.lit(1, pl.Int64),
                                (pl.col("share_base") * rules.max_share + 1e-9).floor().cast(pl.Int64))
        frame = frame.with_columns(cap.alias("share_cap"))
        frame = frame.with_columns((pl.col("_in_area") & (pl.col("candidate_rank") <= pl.col("share_cap")))
                                   .alias("selected"))
    else:
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias("share_cap"), pl.col("_in_area").alias("selected"))
    # place in the list (1, 2, 3 ... by total, then Vietnamese name), to tell which selected units
    # are there only because they tie with the last one within a cap
    order_key = -(pl.col("total") * 100).round(0).cast(pl.Int64) * 10_000_000 + pl.col("name_ord")
    pos_share = pl.when(pl.col("_in_area")).then(order_key).rank("ordinal")
    frame = frame.with_columns(
        (pos_share.over(share_over) if share_over else pos_share).cast(pl.Int64).alias("_pos_share"),
        pl.when(pl.col("candidate")).then(order_key).rank("ordinal").over("quota_group").cast(pl.Int64)
        .alias("_pos_area"),
    )
    beyond_area = pl.lit(rules.max_per_area is not None) & (pl.col("_pos_area") > (rules.max_per_area or 0))
    beyond_share = pl.lit(rules.max_share is not None) & (pl.col("_pos_share") > pl.col("share_cap").fill_null(0))
    return frame.with_columns(
        pl.when(pl.col("candidate")).then(pl.col("selected")).otherwise(None).cast(pl.Boolean).alias("ok_quota"),
        pl.col("selected").fill_null(False),
        (pl.col("selected") & (beyond_area | beyond_share)).fill_null(False).alias("kept_by_tie"),
    ).drop("_pos_share", "_pos_area")


# --- the shortlist -------------------------------------------------------------------------------

def shortlist(store: Store, actor, profile: Profile, year: int, rules: Rules | None = None,
              area: str | None = None, unit_type: str | None = None) -> Shortlist:
    """The commendation shortlist of `year` for the units of `area` (its subtree; default: the
    actor's area), optionally of one unit type. Requires the COMMEND permission on the area.
    The rules are those of the profile version in force that year."""
    scope_codes, area_code, area_name = _scope(store, actor, area)
    head, profile = profile, profile.in_force(year)
    rules = rules or Rules.from_profile(profile)
    rules.check(profile)
    if unit_type is not None and unit_type not in UNIT_TYPES:
        raise DcmetricsError(f"Loại đơn vị «{unit_type}» không hợp lệ; chọn một trong: "
                             + ", ".join(f"{t} ({UNIT_TYPE_LABELS[t]})" for t in UNIT_TYPES) + ".")
    scoring.require_year(store, year)
    # the page reruns on every widget; the list depends only on the stored data (data version:
    # scores, reviews, lineage, units and assignments all bump it), the profile's versions, the
    # rules and the scope, never on who asks once the check above has passed
    key = cache_key(store, head.id, scoring._versions_key(head), year, rules, area_code, unit_type)
    return _CACHE.get(key, lambda: _build(store, head, profile, year, rules, scope_codes, area_code, area_name,
                                          unit_type))


BIND_LIMIT = 5000  # above this many units, the year's review states are read whole
_CACHE = Kept(16)


def _build(store: Store, head: Profile, profile: Profile, year: int, rules: Rules, scope_codes: set[str] | None,
           area_code: str | None, area_name: str, unit_type: str | None) -> Shortlist:
    """The shortlist itself (shortlist() checks the access and the rules first)."""
    history_years = list(range(year - rules.previous_years, year))
    # (a previous year no version covers has no scores: its units fail the history rule)
    result = scoring.cached_score(store, head, [*[y for y in history_years if head.has_version_for(y)], year],
                                  rules.basis)

    # where profiles are assigned by territory, a profile shortlists only the units it evaluates
    assigned = territory.units_of(store, head.id, year)

    def in_scope(frame: pl.DataFrame, rank: bool = True) -> pl.DataFrame:
        if assigned is not None:  # ranked among the profile's own units
            frame = frame.filter(pl.col("unit_code").is_in(assigned))
            frame = territory.ranked_among(frame) if rank else frame
        if scope_codes is not None:
            frame = frame.filter(pl.col("unit_code").is_in(list(scope_codes)))
        if unit_type is not None:
            frame = frame.filter(pl.col("unit_type") == unit_type)
        return frame

    year_all = result.year(year)
    frame = in_scope(year_all).select(
        "unit_code", "unit_name", "unit_type", "parent_code", "parent_name", "cluster", "total", "level",
        "level_ord", "rated", "not_rated_reason", "complete", "n_missing", "rank", "rank_parent",
        "rank_type", "rank_cluster")
    names = vi_order(store, frame["unit_code"].to_list(), frame["unit_name"].fill_null("").to_list())
    clusters = sorted(set(frame["cluster"].drop_nulls().to_list()))
    cluster_order = vi_order(store, clusters, clusters).rename({"key": "cluster", "ord": "cluster_ord"})
    frame = (frame.join(names.rename({"key": "unit_code", "ord": "name_ord"}), on="unit_code", how="left")
             .join(cluster_order, on="cluster", how="left")
             .join(_violations(result.items_for(indicators=[HANDLED, VIOLATIONS]), year), on="unit_code", how="left")
             .with_columns(pl.col("unit_type").replace_strict(UNIT_TYPE_LABELS, default=pl.col("unit_type"),
                                                              return_dtype=pl.String).alias("unit_type_label")))
    n_rated = int(frame["rated"].sum()) if frame.height else 0
    min_ord = profile.level_names().index(rules.min_level) + 1
    lowest = profile.levels[-1].level

    # history: one set of columns per previous year (a loop over years, not units)
    # A unit formed by the 2025 reorganisation has no result of its own before it: its predecessors'
    # stand in (each must have been scored and rated, the weakest level counts), and the reasons say so.
    links = store.frame("SELECT new_code AS unit_code, old_code FROM unit_lineage")
    hist_ok, hist_fail, hist_pass = [], [], []
    for y in history_years:
        year_units = result.units.filter(pl.col("year") == y)
        h = year_units.select("unit_code", pl.lit(True).alias(f"_h{y}"), pl.col("rated").alias(f"_h{y}_rated"),
                              pl.col("level").alias(f"_h{y}_level"), pl.col("level_ord").alias(f"_h{y}_ord"),
                              pl.lit(False).alias(f"_h{y}_pred"))
        seen = year_units.select(pl.col("unit_code").alias("old_code"), pl.lit(True).alias("_seen"), "rated",
                                 "level", "level_ord")
        preds = (links.filter(~pl.col("unit_code").is_in(h["unit_code"].implode()))
                 .join(seen, on="old_code", how="left")
                 .group_by("unit_code")
                 .agg(pl.col("_seen").fill_null(False).all().alias(f"_h{y}"),
                      pl.col("rated").fill_null(False).all().alias(f"_h{y}_rated"),
                      pl.col("level").sort_by(pl.col("level_ord").fill_null(99)).last().alias(f"_h{y}_level"),
                      pl.col("level_ord").max().alias(f"_h{y}_ord"))
                 .with_columns(pl.lit(True).alias(f"_h{y}_pred")))
        frame = frame.join(pl.concat([h, preds.select(h.columns)], how="vertical_relaxed"), on="unit_code", how="left")
        present, rated = pl.col(f"_h{y}").fill_null(False), pl.col(f"_h{y}_rated").fill_null(False)
        ok = present & rated & (pl.col(f"_h{y}_ord") <= min_ord).fill_null(False)
        pred = pl.col(f"_h{y}_pred").fill_null(False)
        hist_ok.append(ok)
        hist_fail.append(
            pl.when(~present & pred).then(pl.lit(f"năm {y} có đơn vị trước sắp xếp chưa có kết quả đánh giá"))
            .when(~present).then(pl.lit(f"năm {y} chưa có kết quả đánh giá"))
            .when(~rated & pred).then(pl.lit(f"năm {y} có đơn vị trước sắp xếp không đủ điều kiện xếp loại"))
            .when(~rated).then(pl.lit(f"năm {y} không đủ điều kiện xếp loại"))
            .when(~ok & pred).then(pl.format(f"năm {y} có đơn vị trước sắp xếp chỉ đạt {{}}", pl.col(f"_h{y}_level")))
            .when(~ok).then(pl.format(f"năm {y} chỉ đạt {{}}", pl.col(f"_h{y}_level"))))
        hist_pass.append(pl.when(pred).then(pl.format(f"năm {y} các đơn vị trước sắp xếp đều đạt {{}} trở lên",
                                                      pl.col(f"_h{y}_level")))
                         .otherwise(pl.format(f"năm {y} đạt {{}}", pl.col(f"_h{y}_level"))))

    frame = frame.with_columns(
        (pl.col("rated") & (pl.col("level_ord") <= min_ord).fill_null(False)).alias("ok_level"),
        (pl.lit(True) if rules.min_total is None else (pl.col("total") >= rules.min_total - EPS).fill_null(False))
        .alias("ok_total"),
        (pl.lit(True) if not rules.require_complete else pl.col("complete").fill_null(False)).alias("ok_complete"),
        (pl.lit(True) if not rules.no_unhandled_violation else (pl.col("n_unhandled").fill_null(0) == 0))
        .alias("ok_violations"),
        (pl.all_horizontal(hist_ok) if hist_ok else pl.lit(True)).alias("ok_history"),
    )
    candidate = pl.all_horizontal("ok_level", "ok_total", "ok_complete", "ok_violations", "ok_history")

    # --- quota --------------------------------------------------------------------------------
    group = (pl.col("cluster").fill_null(NO_CLUSTER) if rules.per_cluster else pl.col("parent_code").fill_null(""))
    frame = frame.with_columns(candidate.alias("candidate"), group.alias("quota_group"),
                               (pl.col("rank_cluster") if rules.per_cluster else pl.col("rank_parent"))
                               .alias("rank_used"))
    frame = apply_quota(frame, rules, n_rated)
    n_failed = pl.sum_horizontal([(~pl.col(c)).fill_null(False).cast(pl.Int64) for c in RULE_COLUMNS])
    frame = frame.with_columns(n_failed.alias("n_failed"))
    frame = frame.with_columns(
        pl.when(pl.col("selected")).then(pl.lit(SELECTED))
        .when(pl.col("rated") & (pl.col("n_failed") == 1)).then(pl.lit(NEAR))
        .otherwise(pl.lit(FAILED)).alias("status"))

    # --- reasons ------------------------------------------------------------------------------
    total_vn = _vn_points(pl.col("total"))
    where_word = "cụm thi đua" if rules.per_cluster else "địa bàn"
    fail_parts = [
        pl.when(~pl.col("ok_level") & ~pl.col("rated")).then(
            pl.format("không đủ điều kiện xếp loại ({})", pl.col("not_rated_reason").fill_null("không rõ lý do")))
        .when(~pl.col("ok_level")).then(pl.format(f"mức {{}}, chưa đạt mức tối thiểu {rules.min_level}",
                                                  pl.col("level"))),
        pl.when(~pl.col("ok_total")).then(
            pl.format(f"tổng điểm {{}}, dưới mức tối thiểu {fmt_points(rules.min_total)}", total_vn)),
        pl.when(~pl.col("ok_complete")).then(pl.format("thiếu số liệu {} chỉ tiêu", _int_text(pl.col("n_missing")))),
        pl.when(~pl.col("ok_violations")).then(
            pl.format("còn {} vi phạm chưa xử lý", _int_text(pl.col("n_unhandled")))),
        *[pl.when(~pl.col("ok_history")).then(part) for part in hist_fail],
    ]
    if rules.max_per_area is not None:
        fail_parts.append(pl.when(pl.col("candidate") & ~pl.col("_in_area")).then(pl.format(
            f"vượt hạn mức: tối đa {rules.max_per_area} đơn vị mỗi {where_word} "
            f"(đứng thứ {{}} trong số đơn vị đủ điều kiện của {{}})",
            pl.col("group_candidate_rank"),
            pl.col("cluster").fill_null(NO_CLUSTER) if rules.per_cluster else pl.col("parent_name").fill_null("địa bàn"))))
    if rules.max_share is not None:
        pct = fmt_num(rules.max_share * 100)
        of = " trong cụm" if rules.per_cluster else ""
        left = (f" còn lại sau hạn mức mỗi {where_word}" if rules.max_per_area is not None else "")
        fail_parts.append(pl.when(pl.col("_in_area") & ~pl.col("selected")).then(pl.format(
            f"ngoài {pct} % đơn vị đứng đầu: tối đa {{}} đơn vị ({pct} % của {{}} đơn vị được xếp loại{of}), "
            f"đơn vị đứng thứ {{}} trong số đơn vị đủ điều kiện{left}",
            pl.col("share_cap"), pl.col("share_base"), pl.col("candidate_rank"))))

    rank_where = (pl.format("đứng thứ {} trong {}", pl.col("rank_cluster"), pl.col("cluster"))
                  if rules.per_cluster else
                  pl.format("đứng thứ {} trong {}", pl.col("rank_parent"), pl.col("parent_name")))
    pass_parts = [
        pl.format("đạt mọi tiêu chí: mức {}, {} điểm", pl.col("level"), total_vn),
        pl.lit("số liệu đầy đủ") if rules.require_complete else None,
        pl.lit("không còn vi phạm chưa xử lý") if rules.no_unhandled_violation else None,
        *hist_pass,
        rank_where,
        pl.when(pl.col("kept_by_tie")).then(pl.lit("được giữ lại vì đồng điểm với đơn vị ở vị trí cuối hạn mức")),
    ]
    pass_parts = [p for p in pass_parts if p is not None]
    frame = frame.with_columns(
        _capitalise(pl.when(pl.col("selected")).then(_join_parts(pass_parts)).otherwise(_join_parts(fail_parts)))
        .alias("reasons"))

    status_ord = pl.col("status").replace_strict({s: i for i, s in enumerate(STATUSES)}, return_dtype=pl.Int64)
    # the list: proposed units first, then near misses, then the others; by cluster with
    # per_cluster; best total first, ties in Vietnamese name order
    by = ["_status_ord", *(["cluster_ord"] if rules.per_cluster else []), "total", "name_ord", "unit_code"]
    frame = frame.with_columns(status_ord.alias("_status_ord")).sort(
        by, descending=[c == "total" for c in by], nulls_last=True)
    keep = ["unit_code", "unit_name", "unit_type", "unit_type_label", "parent_code", "parent_name", "cluster",
            "total", "level", "level_ord", "rated", "not_rated_reason", "complete", "n_missing", "n_unhandled",
            "rank", "rank_parent", "rank_type", "rank_cluster", "rank_used", "quota_group",
            "candidate", "group_candidate_rank", "candidate_rank", "share_base", "share_cap", *RULE_COLUMNS, "n_failed", "kept_by_tie",
            "selected", "status", "reasons", "name_ord", "cluster_ord"]
    out = frame.select(keep)

    # --- cluster leaders ----------------------------------------------------------------------
    cluster_size = (year_all.filter(pl.col("rated") & pl.col("cluster").is_not_null())
                    .group_by("cluster").agg(pl.len().cast(pl.Int64).alias("n_cluster")))
    rated_c = out.filter(pl.col("rated") & pl.col("cluster").is_not_null())
    leaders = (rated_c.with_columns(pl.len().over("cluster").cast(pl.Int64).alias("n_cluster_in_scope"))
               .filter(pl.col("total") == pl.col("total").max().over("cluster"))
               .join(cluster_size, on="cluster", how="left"))
    leaders = (leaders.sort(["cluster_ord", "name_ord", "unit_code"])
               .select("cluster", "unit_code", "unit_name", "unit_type", "unit_type_label", "parent_code",
                       "parent_name", "total", "level", "rank_cluster", "n_cluster", "n_cluster_in_scope",
                       "selected", "status"))

    # --- reminders ----------------------------------------------------------------------------
    remind_parts = [
        pl.when(~pl.col("rated")).then(
            pl.format("không đủ điều kiện xếp loại ({})", pl.col("not_rated_reason").fill_null("không rõ lý do"))),
        pl.when(pl.col("rated") & (pl.col("level") == lowest)).then(
            pl.format(f"mức {lowest} (mức thấp nhất), {{}} điểm", _vn_points(pl.col("total")))),
        pl.when(pl.col("n_unhandled").fill_null(0) > 0).then(
            pl.format("còn {} vi phạm chưa xử lý", _int_text(pl.col("n_unhandled")))),
    ]
    reminders = (out.filter(~pl.col("rated") | (pl.col("level") == lowest).fill_null(False)
                            | (pl.col("n_unhandled").fill_null(0) > 0))
                 .with_columns(_capitalise(_join_parts(remind_parts)).alias("reasons"))
                 .sort(["rated", "total", "name_ord", "unit_code"], nulls_last=True)
                 .select("unit_code", "unit_name", "unit_type", "unit_type_label", "parent_code", "parent_name",
                         "cluster", "total", "level", "rated", "n_unhandled", "status", "reasons"))

    # a long list of codes costs more to bind than reading the year's states (the join keeps ours)
    codes = out["unit_code"].to_list() if out.height < BIND_LIMIT else None
    out = out.join(unit_reviews.states(store, year, codes).select("unit_code", "review_state"),
                   on="unit_code", how="left")
    awaiting = _awaiting(store, year, lambda f: in_scope(f, rank=False))
    return Shortlist(units=out, cluster_leaders=leaders, reminders=reminders, rules=rules,
                     profile_id=profile.id, profile_version=profile.version, profile_title=profile.title,
                     year=year, basis=rules.basis, area_code=area_code, area_name=area_name,
                     unit_type=unit_type, n_rated=n_rated, data_version=store.data_version(),
                     defaults_note=profile.defaults_note(), awaiting=awaiting)


def ties_explained(rules: Rules) -> str:
    """The tie rule in one Vietnamese sentence (pages and exports show it under the rules)."""
    if rules.max_per_area is None and rules.max_share is None:
        return "Không áp dụng hạn mức số đơn vị đề nghị."
    return ("Đơn vị bằng điểm nhau cùng thứ hạng (1, 2, 2, 4); khi hạn mức rơi vào nhóm đồng điểm, "
            "cả nhóm được giữ lại trong danh sách đề nghị.")


def share_cap(rules: Rules, n_rated: int) -> int | None:
    """How many units max_share allows for `n_rated` rated units (floor, at least 1)."""
    if rules.max_share is None:
        return None
    return max(1, math.floor(n_rated * rules.max_share + 1e-9))
