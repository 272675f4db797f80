"""Sensitivity of the ranks and of the commendation shortlist to the group weights (Monte Carlo,
in the spirit of the JRC/OECD Handbook on Constructing Composite Indicators, 2008, and COINr's
sensitivity analysis: the weights are an uncertain input, the ranks an output whose spread is
reported per unit).

Method: in each of N draws every group's weight is multiplied by U(1 − r, 1 + r) (r = 0,20 by
default); the factors are then scaled together so that the groups' maxima still add up to the
profile's total maximum: the level bands keep their meaning. A group's exact points scale with
its weight; then the chain's own steps are taken again on the stored figures, vectorised
(numpy), not by running the SQL chain N times:
- total = the groups' exact points − deductions + bonus, clamped to [0, total_max], kept at the
  profile's decimals by its rounding rule (taken to 9 decimals first, as exact_macros.sql does);
- level = the best band whose min_total the total reaches with every group's kept points at or
  above the band's floor × the group's (scaled) maximum; a veto cap keeps its cap; units not
  rated (veto, incomplete data where the profile says so) stay not rated and have no rank;
- rank = among the rated units the profile scores that year, ties sharing the lowest (1, 2, 2, 4).
With r = 0 every factor is exactly 1 and the computation is exact: the stored totals, levels and
ranks come back for every unit (checked on every run, `reproduces_stored`).

Missing values: no profile offers another treatment than the one it states (an applicable value
not sent scores 0; `not_rated_if_incomplete` is the profile's own rule), so only the weights are
varied and the result says so. What is held fixed: deductions, bonus, vetoes, completeness,
unhandled violations and the previous years' levels the shortlist's history rule reads.

Shortlist: for an actor who may see it (COMMEND), in each draw the shortlist's rule
(shortlist.py) is applied again with the draw's totals and levels: level and minimum total, the
fixed rules above, then the per-area cap and the share cap (ties at a cut all kept); the share of
draws in which each unit is on the list.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from dcmetrics import access, scoring, shortlist, units
from dcmetrics.dashboard import own_units
from dcmetrics.errors import DcmetricsError, NotFound
from dcmetrics.fmt import fmt_num, fmt_points
from dcmetrics.framework_model import Profile
from dcmetrics.store import Store

DEFAULT_R = 0.20
DEFAULT_N = 500
MAX_N = 2000  # the ranks of every draw are kept: 2000 x 40,000 units x 2 bytes = 160 MB at most
PICO = 10 ** 12
METHOD = ("Monte Carlo trên trọng số nhóm: mỗi lần rút, trọng số mỗi nhóm nhân với một số ngẫu nhiên đều trong "
          "[1 − r; 1 + r], rồi chuẩn hoá để tổng điểm tối đa các nhóm vẫn bằng tổng điểm tối đa của bộ tiêu chí "
          "(các mức xếp loại giữ nguyên ý nghĩa). Điểm trừ, điểm thưởng, điều kiện loại trừ, tính đầy đủ số liệu "
          "giữ nguyên. Không thay đổi cách xử lý số liệu thiếu: bộ tiêu chí không quy định cách nào khác "
          "(chỉ tiêu áp dụng mà thiếu số liệu tính 0 điểm).")


@dataclass(frozen=True)
class Sensitivity:
    units: pl.DataFrame        # one row per unit of the scope (see `analyse`)
    year: int
    basis: str
    profile_id: str
    profile_version: str
    r: float
    n: int
    seed: int
    area_code: str | None
    area_name: str
    with_shortlist: bool
    reproduces_stored: bool    # with every factor 1, the stored totals, levels and ranks came back
    mismatches: int
    seconds: float
    method: str = METHOD
    defaults_note: str = ""

    def notes(self) -> list[str]:
        """What the export says about how it was computed."""
        basis = "sau thẩm định" if self.basis == "appraised" else "tự chấm"
        return [
            f"Độ nhạy của xếp hạng năm {self.year} — bộ tiêu chí «{self.profile_id}» phiên bản {self.profile_version}, "
            f"điểm {basis}, phạm vi: {self.area_name}.",
            f"Phương pháp: {self.method}",
            f"Số lần rút N = {self.n}; biên độ r = {fmt_points(self.r)}; hạt giống (seed) = {self.seed} "
            "(cùng N, r, seed và cùng số liệu cho cùng kết quả).",
            "Hạng trung vị và khoảng 5 %–95 % của hạng qua các lần rút; hạng là hạng chung trong số đơn vị được "
            "xếp loại mà bộ tiêu chí chấm năm đó (đồng điểm cùng hạng).",
            ("Tỷ lệ ở lại danh sách đề nghị khen thưởng: số lần rút đơn vị vẫn được đề nghị theo tiêu chí của "
             "Hội đồng, chia cho N." if self.with_shortlist else ""),
            ("Kiểm tra: với r = 0, tổng điểm, mức và hạng tính lại trùng với kết quả đã lưu của mọi đơn vị."
             if self.reproduces_stored else
             f"CẢNH BÁO: {self.mismatches} đơn vị không tính lại đúng kết quả đã lưu với r = 0."),
            self.defaults_note,
        ]

    def export_frame(self) -> pl.DataFrame:
        cols = {"unit_code": "Mã đơn vị", "unit_name": "Tên đơn vị", "parent_name": "Đơn vị cấp trên",
                "total": "Tổng điểm", "level": "Mức", "rank": "Hạng (đã lưu)", "rank_median": "Hạng trung vị",
                "rank_p05": "Hạng tốt (5 %)", "rank_p95": "Hạng kém (95 %)", "rank_width": "Độ rộng khoảng hạng"}
        if self.with_shortlist:
            cols |= {"shortlisted": "Được đề nghị (đã lưu)", "stay_share": "Tỷ lệ ở lại danh sách"}
        return self.units.select(list(cols)).rename(cols)


def _kept(x: np.ndarray, places: int, rule: str) -> np.ndarray:
    """x (in 10^-12 units, ≥ 0) kept at `places` decimals: int64 in 10^-places units (kept() in
    exact_macros.sql: 9 decimals half up first, then the profile's rule)."""
    n9 = np.floor(x / 1000 + 0.5).astype(np.int64)
    step = 10 ** (9 - places)
    half = 0 if rule == "truncate" else step // 2
    return (n9 + half) // step


def _frames(store: Store, profile: Profile, year: int, basis: str):
    result = scoring.cached_score(store, profile, [year], basis)  # (the page asks again with other r, N)
    version = result.profile_of(year)
    year_units = own_units(store, result.year(year), profile.id, year)
    if year_units.is_empty():
        raise NotFound(f"Không có đơn vị nào được bộ tiêu chí «{profile.id}» chấm điểm năm {year}.")
    keys = [g.key for g in version.groups]
    groups = (result.groups_for(None).filter(pl.col("year") == year)
              .pivot(on="group_key", index="unit_code", values="raw_points"))
    frame = year_units.join(groups.select("unit_code", *keys), on="unit_code", how="left")
    return version, frame, keys


def analyse(store: Store, actor, profile: Profile, year: int, basis: str = "appraised", r: float = DEFAULT_R,
            n: int = DEFAULT_N, seed: int = 20261201, area: str | None = None) -> Sensitivity:
    """Median rank and 5 %–95 % interval per unit of the actor's area (READ_SCORES), and for an
    actor with COMMEND the share of draws each unit stays on the shortlist. See the module."""
    started = time.perf_counter()
    acct = access.require(store, actor, access.READ_SCORES, area)
    if area is None and not (acct.area_code == access.ALL_AREAS or acct.role == access.ADMIN):
        area = acct.area_code
    if not (0 <= r < 1):
        raise DcmetricsError(f"Biên độ r phải từ 0 đến dưới 1, đang là {fmt_num(r, 2)}.")
    if not (isinstance(n, int) and 1 <= n <= MAX_N):
        raise DcmetricsError(f"Số lần rút N phải là số nguyên từ 1 đến {MAX_N}, đang là {n}.")
    if not isinstance(seed, int) or seed < 0:
        raise DcmetricsError(f"Hạt giống (seed) phải là số nguyên từ 0 trở lên, đang là {seed}.")
    if basis not in scoring.BASES:
        raise DcmetricsError(f"Cơ sở tính điểm «{basis}» không hợp lệ.")
    scoring.require_year(store, year)
    version, frame, keys = _frames(store, profile, year, basis)
    rnd = version.rounding
    td, gd = rnd.total_decimals, rnd.group_decimals

    # exact integers (10^-12 points) of what the chain summed
    raw = np.rint(frame.select(keys).to_numpy().astype(np.float64) * PICO)  # U x G
    adj = np.rint((frame["bonus"].fill_null(0).to_numpy() - frame["deduction"].fill_null(0).to_numpy()) * PICO)
    rated = frame["rated"].to_numpy().astype(bool)
    max_micro = np.array([round(g.points * 10 ** 6) for g in version.groups], dtype=np.int64)
    floor_micro = np.array([round(lv.floor * 10 ** 6) for lv in version.levels], dtype=np.int64)
    thr = (floor_micro[:, None] * max_micro[None, :]).astype(np.float64)  # L x G, 10^-12 units
    min_total_micro = np.array([round(lv.min_total * 10 ** 6) for lv in version.levels], dtype=np.int64)
    total_max = float(round(version.total_max * 10 ** 6)) * 10 ** 6
    level_ord_of = {lv.level: i for i, lv in enumerate(version.levels, 1)}
    caps = [(v.reason, level_ord_of[v.cap_level]) for v in version.vetoes if v.effect == "cap" and v.cap_level]
    capped = frame["capped_by"].fill_null("").to_list()
    cap_ord = np.array([max([o for reason, o in caps if reason and reason in c], default=0) for c in capped],
                       dtype=np.int64)
    n_levels = len(version.levels)
    top = int(round(version.total_max * 10 ** td))  # the largest kept total, in 10^-td units

    def one(f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(total in 10^-td units, level_ord, rank) of every unit for group factors f."""
        scaled = raw * f[None, :]
        total = _kept(np.clip(scaled.sum(axis=1) + adj, 0, total_max), td, rnd.rule)
        points = _kept(scaled, gd, rnd.rule).astype(np.float64) * 10 ** (12 - gd)  # U x G
        total_micro = total * 10 ** (6 - td)
        band = np.full(len(total), n_levels, dtype=np.int64)
        for lo in range(n_levels - 1, -1, -1):  # best band last: it wins
            ok = (total_micro >= min_total_micro[lo]) & np.all(points >= thr[lo][None, :] * f[None, :], axis=1)
            band = np.where(ok, lo + 1, band)
        level = np.maximum(band, cap_ord)
        return total, level, np.where(rated, rank_min(total, rated, top), 0)

    # the cross-check: every factor 1 gives back what is stored
    t0, l0, k0 = one(np.ones(len(keys)))
    stored_total = np.rint(frame["total"].to_numpy().astype(np.float64) * 10 ** td).astype(np.int64)
    stored_level = frame["level_ord"].fill_null(0).to_numpy().astype(np.int64)
    stored_rank = frame["rank"].fill_null(0).to_numpy().astype(np.int64)
    bad = (t0 != stored_total) | (rated & ((l0 != stored_level) | (k0 != stored_rank)))
    mismatches = int(bad.sum())

    # the scope shown: the actor's area
    if area is not None:
        in_area = set(units.subtree(store, area)["code"].to_list())
        area_name = units.subtree(store, area).filter(pl.col("code") == area)["name"].to_list()
        area_name = area_name[0] if area_name else area
    else:
        in_area, area_name = None, access.ALL_AREAS_LABEL
    codes = frame["unit_code"].to_list()
    scope = np.array([in_area is None or c in in_area for c in codes])
    scope_idx = np.flatnonzero(scope)

    rng = np.random.default_rng(seed)
    maxima = np.array([g.points for g in version.groups], dtype=np.float64)
    u = rng.uniform(1 - r, 1 + r, size=(n, len(keys))) if r > 0 else np.ones((n, len(keys)))
    factors = u * (maxima.sum() / (u * maxima[None, :]).sum(axis=1))[:, None]

    with_sl = access.can(store, actor, access.COMMEND, area)
    sl_state = _shortlist_state(store, actor, profile, version, year, basis, area, frame) if with_sl else None
    ranks = np.zeros((n, len(scope_idx)), dtype=np.uint16 if rated.sum() < 2**16 else np.int32)
    stays = np.zeros(len(codes), dtype=np.int64)
    for d in range(n):  # one draw at a time: memory stays that of one draw and the ranks kept
        total, level, rank = one(factors[d])
        ranks[d] = rank[scope_idx]
        if sl_state is not None:
            stays += _selected_counts(sl_state, total[None, :], level[None, :], td, top)

    rated_scope = rated[scope_idx]
    q = np.quantile(ranks[:, rated_scope], [0.05, 0.5, 0.95], axis=0, method="inverted_cdf") \
        if rated_scope.any() else np.zeros((3, 0))
    out = frame.filter(pl.Series(scope)).select(
        "unit_code", "unit_name", "unit_type", "parent_code", "parent_name", "cluster", "total", "level", "rated", "rank")
    stats = {k: np.full(len(scope_idx), None, dtype=object) for k in ("rank_p05", "rank_median", "rank_p95")}
    for i, k in enumerate(("rank_p05", "rank_median", "rank_p95")):
        stats[k][rated_scope] = q[i].astype(np.int64)
    out = out.with_columns(*(pl.Series(k, v.tolist(), dtype=pl.Int64) for k, v in stats.items()))
    out = out.with_columns((pl.col("rank_p95") - pl.col("rank_p05")).alias("rank_width"))
    if sl_state is not None:
        base_sel = dict(zip(sl_state["codes"], sl_state["selected"]))
        share = stays / n
        out = out.with_columns(
            pl.Series("shortlisted", [bool(base_sel.get(c, False)) for c in out["unit_code"]], dtype=pl.Boolean),
            pl.Series("stay_share", share[scope_idx].tolist(), dtype=pl.Float64))
    out = out.sort(["rated", "rank_median", "rank", "unit_code"], descending=[True, False, False, False],
                   nulls_last=True)
    return Sensitivity(out, year, basis, profile.id, version.version, float(r), n, seed, area, area_name,
                       sl_state is not None, mismatches == 0, mismatches, time.perf_counter() - started,
                       defaults_note=version.defaults_note())


def _shortlist_state(store, actor, head, version, year, basis, area, frame) -> dict:
    """What the shortlist's rule reads and the weights leave unchanged, per unit of the year."""
    rules = shortlist.Rules.from_profile(version, basis=basis)
    sl = shortlist.shortlist(store, actor, head, year, rules, area=area).units
    idx = {c: i for i, c in enumerate(frame["unit_code"].to_list())}
    sl = sl.filter(pl.col("unit_code").is_in(list(idx)))
    fixed = (sl["ok_complete"] & sl["ok_violations"] & sl["ok_history"] & sl["rated"]).fill_null(False)
    # quota groups and share caps as integers (numpy over every draw)
    group_codes = sl["quota_group"].fill_null("").rank("dense").cast(pl.Int64).to_numpy()
    return {"codes": sl["unit_code"].to_list(), "selected": sl["selected"].to_list(),
            "idx": np.array([idx[c] for c in sl["unit_code"]], dtype=np.int64),
            "fixed": fixed.to_numpy(), "group": group_codes,
            "share_cap": sl["share_cap"].fill_null(-1).cast(pl.Int64).to_numpy(),
            "rules": rules, "min_ord": version.level_names().index(rules.min_level) + 1}


def rank_min(total: np.ndarray, mask: np.ndarray, top: int) -> np.ndarray:
    """1 + how many units of `mask` have a greater total (ties share the lowest rank: 1, 2, 2, 4),
    for every unit; totals are whole numbers in [0, top] (kept totals in 10^-td units)."""
    hist = np.bincount(total[mask], minlength=top + 2)
    greater = np.concatenate([np.cumsum(hist[::-1])[::-1][1:], [0]])  # units above each value
    return greater[total] + 1


def rank_in_groups(total: np.ndarray, group: np.ndarray, mask: np.ndarray, top: int) -> np.ndarray:
    """rank_min within each group (integer codes), for the units of `mask` (0 elsewhere)."""
    out = np.zeros(len(total), dtype=np.int64)
    where = np.flatnonzero(mask)
    if not len(where):
        return out
    key = group[where] * (top + 2) + (top - total[where])  # a group's best total first
    order = np.argsort(key, kind="stable")
    k = key[order]
    first = np.searchsorted(k, k, side="left")                    # first unit with the same total
    start = np.searchsorted(k, (k // (top + 2)) * (top + 2), side="left")  # the group's first unit
    out[where[order]] = first - start + 1
    return out


def _selected_counts(state: dict, totals: np.ndarray, levels: np.ndarray, td: int, top: int) -> np.ndarray:
    """How many of these draws (rows) select each unit of the year (the shortlist's rule:
    candidates, the per-area cap, then the share cap, ties at a cut all kept)."""
    rules: shortlist.Rules = state["rules"]
    idx, group, cap = state["idx"], state["group"], state["share_cap"]
    counts = np.zeros(totals.shape[1], dtype=np.int64)
    for t_all, l_all in zip(totals, levels):
        t = t_all[idx]
        cand = state["fixed"] & (l_all[idx] <= state["min_ord"])
        if rules.min_total is not None:
            cand &= t / 10 ** td >= rules.min_total - shortlist.EPS
        in_area = cand
        if rules.max_per_area is not None:
            in_area = cand & (rank_in_groups(t, group, cand, top) <= rules.max_per_area)
        sel = in_area
        if rules.max_share is not None:
            r = rank_in_groups(t, group, in_area, top) if rules.per_cluster else rank_min(t, in_area, top)
            sel = in_area & (r <= cap)
        counts[idx] += sel
    return counts


def chart_rows(result: Sensitivity, top: int = 30) -> pl.DataFrame:
    """The best `top` units by median rank, for the interval chart."""
    return result.units.filter(pl.col("rated")).head(top)


def stay_threshold_text(share: float | None) -> str:
    return "–" if share is None or math.isnan(share) else f"{fmt_num(share * 100, 1)} %"
