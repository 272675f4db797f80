"""The review state of each unit-year's figures: submitted, returned (with its reason), approved.

A state belongs to the figures a file carries for a unit (`unit_reviews.submission_id`): a new
file carrying the unit starts it again at «submitted»; a file that leaves the unit out keeps its
figures and their state. Only approved figures enter the appraised basis (current_observations.sql).
Every change here happens inside the caller's transaction (commit, approve, return, restore, reopen).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dcmetrics import sqlfiles
from dcmetrics.errors import Conflict
from dcmetrics.store import Store

SUBMITTED, RETURNED, APPROVED = "submitted", "returned", "approved"
STATE_LABELS = {SUBMITTED: "Chờ thẩm định", RETURNED: "Bị trả lại", APPROVED: "Đã phê duyệt"}
NOT_SENT_LABEL = "Chưa gửi"
# what each state may become, and by which act (table-driven tests read this)
TRANSITIONS = {
    ("upload", None): SUBMITTED, ("upload", SUBMITTED): SUBMITTED, ("upload", RETURNED): SUBMITTED,
    ("approve", SUBMITTED): APPROVED,
    ("return", SUBMITTED): RETURNED, ("return", RETURNED): RETURNED,
    ("reopen", APPROVED): SUBMITTED,
    ("restore", None): SUBMITTED, ("restore", SUBMITTED): SUBMITTED, ("restore", RETURNED): SUBMITTED,
}
_REFUSALS = {
    ("approve", APPROVED): "đã được phê duyệt; không duyệt lại",
    ("approve", RETURNED): "đã bị trả lại, chờ đơn vị gửi lại trước khi duyệt",
    ("approve", None): "chưa có số liệu",
    ("return", APPROVED): "đã được phê duyệt và khóa; cần mở lại trước khi trả lại",
    ("return", None): "chưa có số liệu",
    ("reopen", SUBMITTED): "chưa được phê duyệt",
    ("reopen", RETURNED): "chưa được phê duyệt",
    ("reopen", None): "chưa có số liệu",
    ("upload", APPROVED): "đã được phê duyệt và khóa; cần mở lại trước khi gửi số liệu mới",
    ("restore", APPROVED): "đã được phê duyệt và khóa; cần mở lại trước",
}


def next_state(act: str, state: str | None, unit: str = "") -> str:
    """The state that `act` leads to from `state`, or Conflict naming the unit and why not."""
    if (act, state) in TRANSITIONS:
        return TRANSITIONS[(act, state)]
    why = _REFUSALS.get((act, state), "không thực hiện được ở trạng thái này")
    raise Conflict(f"Số liệu của đơn vị {unit} {why}." if unit else f"Số liệu {why}.")


def states(db, year: int, unit_codes: list[str] | None = None) -> pl.DataFrame:
    """unit_code, review_state, review_reason, reviewed_by, reviewed_at, submission_id, area_code."""
    params = {"y": year, "units": None if unit_codes is None else sorted(set(unit_codes))}
    sql = sqlfiles.load("unit_review_states")
    if isinstance(db, Store):
        return db.frame(sql, params)
    return db.execute(sql, params).pl()


def with_states(frame: pl.DataFrame, store: Store, year: int) -> pl.DataFrame:
    """`frame` (with unit_code) with review_state and its Vietnamese label «review_label»
    («Chưa gửi» for a unit without figures)."""
    st = states(store, year, frame["unit_code"].unique().to_list() if frame.height < 5000 else None)
    out = frame.join(st.select("unit_code", "review_state", "review_reason"), on="unit_code", how="left")
    return out.with_columns(review_label=pl.col("review_state").replace_strict(
        STATE_LABELS, default=NOT_SENT_LABEL, return_dtype=pl.String))


def pending_count(store: Store, year: int, unit_codes: list[str] | None = None) -> dict[str, int]:
    """How many of the units (all: None) are in each state for the year."""
    st = states(store, year, unit_codes)
    counts = dict(st.group_by("review_state").len().iter_rows()) if st.height else {}
    return {s: int(counts.get(s, 0)) for s in STATE_LABELS}


def awaiting_sentence(counts: dict[str, int], basis: str) -> str | None:
    """What a results page says of figures not approved yet (None when every unit is approved)."""
    waiting, returned = counts.get(SUBMITTED, 0), counts.get(RETURNED, 0)
    if not waiting and not returned:
        return None
    parts = [f"{waiting} đơn vị chờ thẩm định"] if waiting else []
    parts += [f"{returned} đơn vị bị trả lại chờ gửi lại"] if returned else []
    text = "Còn " + " và ".join(parts) + "."
    if basis == "appraised":
        return text + " Số liệu chưa được phê duyệt không có trong kết quả sau thẩm định."
    return text + " Các dòng đó được đánh dấu ở cột «Trạng thái số liệu»; kết quả tự chấm chưa qua thẩm định."


# ------------------------------------------------------------------ changes (inside a transaction)

def _current(cur, submission_ids: list[int]) -> dict[str, tuple[str, int]]:
    """unit → (state, submission) of the rows that point at these submissions."""
    if not submission_ids:
        return {}
    rows = cur.execute("SELECT unit_code, state, submission_id FROM unit_reviews WHERE list_contains($ids, submission_id)",
                       {"ids": list(submission_ids)}).fetchall()
    return {u: (s, i) for u, s, i in rows}


def record_upload(cur, sid: int, year: int, file_units: list[str], kept_units: list[str], replaced: list[int],
                  by: str, at: datetime | None = None) -> None:
    """A new current file `sid`: its own units start at «submitted»; units it keeps (not in the
    file, copied from the file it replaces) keep their state; units of the replaced files that
    neither carries lose their figures and so their state."""
    before = _current(cur, replaced)
    kept = set(kept_units)
    for u in file_units:
        next_state("upload", before.get(u, (None,))[0], u)  # an approved unit is refused earlier; say so anyway
    cur.execute("DELETE FROM unit_reviews WHERE year = $y AND list_contains($ids, submission_id) "
                "AND NOT list_contains($kept, unit_code)", {"y": year, "ids": list(replaced), "kept": sorted(kept)})
    cur.execute("UPDATE unit_reviews SET submission_id = $s WHERE year = $y AND list_contains($ids, submission_id) "
                "AND list_contains($kept, unit_code)", {"s": sid, "y": year, "ids": list(replaced), "kept": sorted(kept)})
    cur.execute("INSERT OR REPLACE INTO unit_reviews (unit_code, year, submission_id, state, reason, acted_by, acted_at) "
                "SELECT unnest($units), $y, $s, 'submitted', NULL, $by, coalesce($at, current_timestamp)",
                {"units": sorted(set(file_units)), "y": year, "s": sid, "by": by, "at": at})


def apply(cur, act: str, sid: int, year: int, unit_codes: list[str] | None, by: str,
          reason: str | None = None) -> list[str]:
    """`act` (approve | return | reopen) on the units of the current file `sid` (all of them, or
    `unit_codes`). All or nothing: one unit that may not take the act refuses the whole act.
    For the whole file, units already in the target state are left as they are. The units changed."""
    rows = dict(cur.execute("SELECT unit_code, state FROM unit_reviews WHERE submission_id = $s AND year = $y",
                            {"s": sid, "y": year}).fetchall())
    if unit_codes is None:
        skip = {"approve": {APPROVED}, "return": {RETURNED}, "reopen": {SUBMITTED, RETURNED}}[act]
        wanted = [u for u, s in sorted(rows.items()) if s not in skip]
        if not wanted:
            only = set(rows.values())
            why = _REFUSALS.get((act, only.pop())) if len(only) == 1 else None
            raise Conflict(f"Số liệu {why or 'chưa có số liệu của đơn vị nào'}.")
    else:
        wanted = sorted(set(unit_codes))
    changed = []
    for u in wanted:
        new = next_state(act, rows.get(u), u)
        changed.append((u, new))
    cur.execute("UPDATE unit_reviews SET state = v.state, reason = $r, acted_by = $by, acted_at = current_timestamp "
                "FROM (SELECT unnest($u) AS unit_code, unnest($st) AS state) v "
                "WHERE unit_reviews.unit_code = v.unit_code AND unit_reviews.year = $y AND unit_reviews.submission_id = $s",
                {"u": [u for u, _ in changed], "st": [s for _, s in changed], "r": reason if act == "return" else None,
                 "by": by, "y": year, "s": sid})
    return [u for u, _ in changed]


def file_state(cur, sid: int, year: int) -> str:
    """The state of a file as a whole, from its units: approved when every unit is, returned when
    any unit is, else pending (the submissions.review_state the area tables show)."""
    got = {s for (s,) in cur.execute("SELECT DISTINCT state FROM unit_reviews WHERE submission_id = $s AND year = $y",
                                     {"s": sid, "y": year}).fetchall()}
    if got == {APPROVED}:
        return "approved"
    return "returned" if RETURNED in got else "pending"
