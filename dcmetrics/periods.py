"""Evaluation periods: when a year's figures are taken, when they are late, when the year closes.

One period per year, province-wide (the resolutions ask for a reporting regime, Vĩnh Linh 7.c,
Thái Nguyên 2.e, but give no dates: every date is the province's choice, set by the
administrator). A day counts whole: a file sent on the deadline day is on time.

- before opens_on: refused;
- up to submit_by: on time;
- after submit_by, up to closes_on: late, accepted and marked late ('accept_late') or refused
  ('refuse');
- after closes_on: refused, unless a reviewer reopened the area (or an area above it) for that
  year: the upload is then taken, marked late.
A year without a period: uploads are open and nothing is late.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

import polars as pl

from dcmetrics import access, audit, sqlfiles, units
from dcmetrics.errors import Conflict, Problem, ValidationError
from dcmetrics.store import Store, bump_data_version

ACCEPT_LATE = "accept_late"
REFUSE = "refuse"
LATE_POLICIES = {ACCEPT_LATE: "Nhận, đánh dấu nộp muộn", REFUSE: "Không nhận"}

# field -> its Vietnamese name, in the order the dates must follow
DATE_FIELDS = {"opens_on": "Ngày mở", "submit_by": "Hạn gửi số liệu", "review_by": "Hạn thẩm định",
               "closes_on": "Ngày đóng"}
NO_PERIOD_TEXT = "Năm {year} chưa đặt kỳ đánh giá: địa bàn gửi số liệu lúc nào cũng được, không tính nộp muộn."
DEFAULT_NOTE = ("Ngày mở, hạn gửi, hạn thẩm định, ngày đóng do tỉnh quyết định (nghị quyết chỉ yêu cầu chế độ "
                "báo cáo, không quy định ngày cụ thể).")


class PeriodError(ValidationError):
    """A period that cannot be stored; `problems` names each field (pages list them)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.args = (f"Kỳ đánh giá có {len(problems)} lỗi, chưa lưu.",)


def fmt_date(d: date | None) -> str:
    return "–" if d is None else d.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Period:
    year: int
    opens_on: date
    submit_by: date
    review_by: date
    closes_on: date
    late_policy: str = ACCEPT_LATE
    set_by: str | None = None
    set_at: datetime | None = None

    def describe(self) -> str:
        return (f"Kỳ đánh giá năm {self.year}: mở ngày {fmt_date(self.opens_on)}, hạn gửi số liệu "
                f"{fmt_date(self.submit_by)}, hạn thẩm định {fmt_date(self.review_by)}, đóng ngày "
                f"{fmt_date(self.closes_on)}; số liệu gửi sau hạn: {LATE_POLICIES[self.late_policy].lower()}.")


@dataclass(frozen=True)
class Verdict:
    """What an upload of an area for a year gets at a moment."""

    late: bool
    refused: Problem | None = None
    period: Period | None = None
    reopened: bool = False


_COLUMNS = ["year", "opens_on", "submit_by", "review_by", "closes_on", "late_policy", "set_by", "set_at"]


def _read(db, year: int) -> Period | None:
    sql = f"SELECT {', '.join(_COLUMNS)} FROM evaluation_periods WHERE year = $y"
    rows = db.rows(sql, {"y": int(year)}) if isinstance(db, Store) else db.execute(sql, {"y": int(year)}).fetchall()
    return Period(*rows[0]) if rows else None


def get_period(store: Store, year: int) -> Period | None:
    """The period of `year`, or None (uploads open, nothing late). Anyone may read the dates."""
    return _read(store, year)


def list_periods(store: Store) -> pl.DataFrame:
    return store.frame(f"SELECT {', '.join(_COLUMNS)} FROM evaluation_periods ORDER BY year DESC")


def period_problems(year: int, dates: dict[str, date | None], late_policy: str) -> list[Problem]:
    """Every reason the period cannot be stored, in Vietnamese, naming the field."""
    out = []
    for key, label in DATE_FIELDS.items():
        if not isinstance(dates.get(key), date):
            out.append(Problem(label, f"chưa nhập {label.lower()}"))
    if late_policy not in LATE_POLICIES:
        out.append(Problem("Số liệu gửi sau hạn", f"cách xử lý «{late_policy}» không có; chọn một trong: "
                           + ", ".join(LATE_POLICIES.values())))
    if out:
        return out
    keys = list(DATE_FIELDS)
    for a, b in zip(keys, keys[1:]):
        if dates[b] < dates[a]:
            out.append(Problem(DATE_FIELDS[b], f"{DATE_FIELDS[b]} ({fmt_date(dates[b])}) phải từ "
                               f"{DATE_FIELDS[a].lower()} ({fmt_date(dates[a])}) trở đi"))
    if dates["closes_on"].year < year:
        out.append(Problem("Ngày đóng", f"ngày đóng ({fmt_date(dates['closes_on'])}) phải sau khi năm {year} "
                           "bắt đầu"))
    return out


def set_period(store: Store, actor, year: int, opens_on: date, submit_by: date, review_by: date, closes_on: date,
               late_policy: str = ACCEPT_LATE) -> Period:
    """Store (or change) the period of `year` (administrators), audited with before and after."""
    me = access.require(store, actor, access.MANAGE_PERIODS)
    year = int(year)
    dates = {"opens_on": opens_on, "submit_by": submit_by, "review_by": review_by, "closes_on": closes_on}
    problems = period_problems(year, dates, late_policy)
    if problems:
        raise PeriodError(problems)
    now = datetime.now()
    new = Period(year, opens_on, submit_by, review_by, closes_on, late_policy, me.username, now)
    with store.transaction() as cur:
        old = _read(cur, year)
        cur.execute("INSERT OR REPLACE INTO evaluation_periods VALUES ($y, $o, $s, $r, $c, $p, $u, $t)",
                    {"y": year, "o": opens_on, "s": submit_by, "r": review_by, "c": closes_on, "p": late_policy,
                     "u": me.username, "t": now})
        audit.record(cur, me, audit.PERIOD_SET, f"period:{year}", before=_snapshot(old), after=_snapshot(new), at=now)
        bump_data_version(cur, year, [])  # lateness shown on pages changes; no score does
    return new


def _snapshot(p: Period | None) -> dict | None:
    if p is None:
        return None
    d = asdict(p)
    d.pop("set_by"), d.pop("set_at")
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}


def reopened(store: Store, area_code: str, year: int) -> dict | None:
    """The reopening that covers `area_code` for `year` (its own or one of an area above it)."""
    if not area_code:
        return None
    rows = store.rows(sqlfiles.load("period_reopened"), {"area": area_code, "y": int(year)})
    return dict(zip(["area_code", "reason", "reopened_by", "reopened_at"], rows[0])) if rows else None


def upload_verdict(store: Store, area_code: str, year: int, at: datetime) -> Verdict:
    """Whether an upload of `area_code` for `year` at `at` is taken, and whether it is late."""
    p = _read(store, year)
    if p is None:
        return Verdict(False)
    day = at.date()
    if day < p.opens_on:
        return Verdict(False, Problem("tệp", f"Kỳ đánh giá năm {year} chưa mở: nhận số liệu từ ngày "
                                             f"{fmt_date(p.opens_on)} (hạn gửi {fmt_date(p.submit_by)})."), p)
    if day <= p.submit_by:
        return Verdict(False, None, p)
    again = reopened(store, area_code, year) is not None
    if again:
        return Verdict(True, None, p, True)
    if day > p.closes_on:
        return Verdict(True, Problem("tệp", f"Kỳ đánh giá năm {year} đã đóng ngày {fmt_date(p.closes_on)}; "
                                            "chỉ người thẩm định mở lại được địa bàn."), p)
    if p.late_policy == REFUSE:
        return Verdict(True, Problem("tệp", f"Đã quá hạn gửi số liệu năm {year} (hạn {fmt_date(p.submit_by)}); "
                                            "kỳ đánh giá không nhận số liệu gửi muộn: đề nghị người thẩm định "
                                            "mở lại địa bàn."), p)
    return Verdict(True, None, p)


def reopen_area(store: Store, actor, area_code: str, year: int, reason: str, at: datetime | None = None) -> None:
    """A reviewer lets an area (and the areas below it) upload for `year` after the deadline or
    the closing; its uploads are marked late. Reason required; audited."""
    me = access.require(store, actor, access.REVIEW, area_code)
    unit = units.get_unit(store, area_code)
    reason = (reason or "").strip()
    if not reason:
        raise Conflict("Mở lại địa bàn phải ghi rõ lý do.")
    now = at or datetime.now()
    p = _read(store, year)
    if p is None:
        raise Conflict(NO_PERIOD_TEXT.format(year=year) + " Không cần mở lại.")
    if now.date() <= p.submit_by:
        raise Conflict(f"Chưa đến hạn gửi số liệu năm {year} ({fmt_date(p.submit_by)}): {unit['name']} vẫn gửi "
                       "được, không cần mở lại.")
    with store.transaction() as cur:
        before = cur.execute("SELECT reason, reopened_by FROM period_reopenings WHERE area_code = $a AND year = $y",
                             {"a": area_code, "y": int(year)}).fetchall()
        cur.execute("INSERT OR REPLACE INTO period_reopenings VALUES ($a, $y, $r, $u, $t)",
                    {"a": area_code, "y": int(year), "r": reason, "u": me.username, "t": now})
        audit.record(cur, me, audit.PERIOD_REOPEN, f"area:{area_code}:{year}",
                     before={"reason": before[0][0], "by": before[0][1]} if before else None,
                     after={"reason": reason, "closes_on": p.closes_on.isoformat()}, at=now)
        bump_data_version(cur, int(year), [])


def reopenings(store: Store, actor, year: int) -> pl.DataFrame:
    """The areas reopened for `year` that the actor may see."""
    acct = access.require(store, actor, access.READ_DRAFTS)
    frame = store.frame("SELECT r.area_code, u.name AS area_name, r.reason, r.reopened_by, r.reopened_at "
                        "FROM period_reopenings r LEFT JOIN units u ON u.code = r.area_code WHERE r.year = $y "
                        "ORDER BY r.reopened_at DESC", {"y": int(year)})
    if acct.role != access.ADMIN:
        frame = frame.filter(pl.col("area_code").is_in(sorted(access.allowed_areas(store, acct))))
    return frame


def status_text(store: Store, year: int, today: date | None = None) -> str:
    """One sentence for the pages: the period of `year` and where it stands today."""
    p = _read(store, year)
    if p is None:
        return NO_PERIOD_TEXT.format(year=year)
    today = today or date.today()
    if today < p.opens_on:
        now = "chưa mở"
    elif today <= p.submit_by:
        now = f"đang nhận số liệu, còn {(p.submit_by - today).days} ngày đến hạn"
    elif today <= p.closes_on:
        now = "đã quá hạn gửi" + ("; số liệu gửi muộn được nhận, đánh dấu nộp muộn" if p.late_policy == ACCEPT_LATE
                                  else "; không nhận số liệu gửi muộn trừ địa bàn được mở lại")
    else:
        now = "đã đóng; chỉ địa bàn được người thẩm định mở lại mới gửi được"
    return f"{p.describe()} Hôm nay ({fmt_date(today)}): {now}."

