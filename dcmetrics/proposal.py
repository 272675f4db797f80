"""Exports of the commendation shortlist: an Excel workbook and a print-ready HTML document.

Both say what they are: material for the Emulation and Commendation Council to consider and
vote on, not a decision to award. Every text that comes from data (unit names, areas, reasons,
profile titles) is made safe: in Excel, text a spreadsheet would run as a formula gets a leading
apostrophe; in HTML, everything is escaped with html.escape. Numbers stay numbers in Excel
(format 0.00; Excel shows them in the reader's locale) and are printed Vietnamese style (92,50)
in HTML.
"""

from __future__ import annotations

import polars as pl

from dcmetrics.documents import document, esc as _e, national_header, signatures, table
from dcmetrics.fmt import fmt_num, fmt_points
from dcmetrics.shortlist import NEAR, Shortlist, check_reviewed, ties_explained

NOT_A_DECISION = ("Tài liệu phục vụ Hội đồng Thi đua – Khen thưởng xem xét, biểu quyết; "
                  "không phải quyết định khen thưởng.")
SHEET_SELECTED = "Danh sách đề nghị"
SHEET_OTHERS = "Không đạt, sát nút"
SHEET_REMINDERS = "Nhắc nhở"
SHEET_LEADERS = "Đứng đầu cụm thi đua"
TABLE_ROW = 11  # 0-based row of every sheet's table header (title, up to 8 lines, the date, a blank row)
BASIS_LABELS = {"appraised": "điểm sau thẩm định", "self": "điểm tự chấm"}
# Above this many units in the list, the page builds the files when asked (a button first): the
# workbook of 40,000 units took 6,8 s of CPU, paid by every first view of the page (software default).
ON_DEMAND_UNITS = 2_000


def build_on_demand(sl: Shortlist) -> bool:
    return sl.units.height > ON_DEMAND_UNITS


def heading(sl: Shortlist) -> str:
    return f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG THỰC HIỆN DÂN CHỦ Ở CƠ SỞ NĂM {sl.year}"


def header_lines(sl: Shortlist, title: str | None = None, pending_reason: str | None = None) -> dict[str, str]:
    """The lines under the heading, by name, in print order: subtitle (the caller's title, when
    given and different from the heading), scope, profile, rules, ties, counts, caveat, and the note on
    the defaults in force."""
    from dcmetrics.config import UNIT_TYPE_LABELS

    scope = sl.area_name + (f" – {UNIT_TYPE_LABELS.get(sl.unit_type, sl.unit_type)}" if sl.unit_type else "")
    lines = {}
    if title and title.strip() and title.strip() != heading(sl):
        lines["subtitle"] = title.strip()
    lines.update({
        "scope": f"Phạm vi: {scope}; năm đánh giá {sl.year}; {BASIS_LABELS.get(sl.basis, sl.basis)}.",
        "profile": f"Bộ tiêu chí: {sl.profile_title} (mã {sl.profile_id}, phiên bản {sl.profile_version}).",
        "rules": "Tiêu chí đề nghị: " + "; ".join(sl.rules.describe()) + ".",
        "ties": ties_explained(sl.rules),
        "counts": f"Số đơn vị đề nghị: {sl.selected.height}; sát nút: {sl.near.height}; "
                  f"số đơn vị được xếp loại trong phạm vi: {sl.n_rated}; cần nhắc nhở: {sl.reminders.height}.",
        "caveat": NOT_A_DECISION,
    })
    # said in the counts line: the header block has a fixed number of rows above the table
    if sl.awaiting.height and sl.basis == "appraised":
        lines["counts"] += (f" Không xét {sl.awaiting.height} đơn vị có số liệu chưa được phê duyệt (chờ thẩm định "
                            "hoặc bị trả lại).")
    if pending_reason:
        lines["counts"] += (f" {sl.pending_selected.height} đơn vị được đề nghị có số liệu chưa được phê duyệt; "
                            f"Hội đồng vẫn xuất danh sách vì: {pending_reason}")
    if sl.defaults_note:
        lines["defaults"] = sl.defaults_note
    return lines


# --- Excel ---------------------------------------------------------------------------------------

def rank_column(sl: Shortlist) -> tuple[str, str]:
    """(header, column) of the rank the rule used: within the cluster with per_cluster, else
    within the parent area (shortlist.py: rank_used)."""
    if sl.rules.per_cluster:
        return "Thứ hạng xét trong cụm thi đua", "rank_used"
    return "Thứ hạng xét trong địa bàn", "rank_used"


def shortlist_xlsx(sl: Shortlist, title: str | None = None, pending_reason: str | None = None,
                   now=None) -> bytes:
    """The shortlist as an Excel workbook: the proposed units, the others with their reasons,
    the units to remind, the leading unit of each cluster; each sheet opens with the header block
    and has its table header on row TABLE_ROW + 1; widths, row heights and print setup from
    dcmetrics/reports/sheets.py. Refused (Conflict) while a proposed unit's figures await
    review, unless the committee's reason is given (see check_reviewed)."""
    from dcmetrics.reports.sheets import Col, Sheet, exported_at, workbook

    pending_reason = check_reviewed(sl, pending_reason)
    lines = header_lines(sl, title, pending_reason)
    block = [*lines.values(), exported_at(now)]
    rank_label, rank_col = rank_column(sl)

    def sheet(name: str, columns: list[Col], frame: pl.DataFrame) -> Sheet:
        numbered = frame.with_row_index("n", offset=1).with_columns(pl.col("n").cast(pl.Int64))
        return Sheet(name, numbered, heading(sl), block, [Col("n", "STT", "int"), *columns],
                     table_row=TABLE_ROW, emphasised=(NOT_A_DECISION,))

    unit_cols = [Col("unit_code", "Mã đơn vị", "code"), Col("unit_name", "Tên đơn vị", cap=26),
                 Col("parent_name", "Địa bàn", cap=18), Col("unit_type_label", "Loại đơn vị", cap=14),
                 Col("cluster", "Cụm thi đua", cap=14), Col("total", "Tổng điểm", "points"),
                 Col("level", "Mức", cap=12), Col(rank_col, rank_label, "int", cap=12)]
    sheets = [
        sheet(SHEET_SELECTED, [*unit_cols, Col("reasons", "Lý do đề nghị", cap=44)], sl.selected),
        sheet(SHEET_OTHERS, [*unit_cols, Col("status", "Tình trạng", cap=14),
                             Col("reasons", "Lý do chưa đề nghị", cap=44)], sl.others),
        sheet(SHEET_REMINDERS, [Col("unit_code", "Mã đơn vị", "code"), Col("unit_name", "Tên đơn vị", cap=26),
                                Col("parent_name", "Địa bàn", cap=18), Col("unit_type_label", "Loại đơn vị", cap=14),
                                Col("total", "Tổng điểm", "points"), Col("level", "Mức", cap=12),
                                Col("n_unhandled", "Vi phạm chưa xử lý", "int", cap=12),
                                Col("reasons", "Lý do nhắc nhở", cap=44)], sl.reminders),
        sheet(SHEET_LEADERS, [Col("cluster", "Cụm thi đua", cap=26), Col("unit_code", "Mã đơn vị", "code"),
                              Col("unit_name", "Tên đơn vị", cap=26), Col("parent_name", "Địa bàn", cap=18),
                              Col("total", "Tổng điểm", "points"), Col("level", "Mức", cap=12),
                              Col("rank_cluster", "Thứ hạng trong cụm", "int", cap=12),
                              Col("n_cluster", "Số đơn vị được xếp loại của cụm", "int", cap=14),
                              Col("status", "Tình trạng", cap=14)], sl.cluster_leaders),
    ]
    return workbook(sheets, properties={
        "title": title or heading(sl), "subject": NOT_A_DECISION,
        "comments": f"{sl.profile_id} {sl.profile_version}; {sl.basis}; dữ liệu phiên bản {sl.data_version}"})


# --- HTML ----------------------------------------------------------------------------------------




def _rows(frame: pl.DataFrame, cells) -> str:
    out = []
    for i, row in enumerate(frame.iter_rows(named=True), 1):
        out.append("<tr>" + "".join(cells(i, row)) + "</tr>")
    return "\n".join(out)


def _rank(value) -> str:
    return "–" if value is None else fmt_num(value, 0)


def shortlist_html(sl: Shortlist, title: str | None = None, pending_reason: str | None = None) -> str:
    """A standalone, print-ready HTML document (A4): national header, heading, scope and rules,
    the proposed units with reasons, the units just outside (near misses), the leading units of the
    clusters, signature block."""
    head = heading(sl)
    pending_reason = check_reviewed(sl, pending_reason)
    lines = header_lines(sl, title, pending_reason)
    subtitle = lines.get("subtitle")
    rules = sl.rules.describe()

    sel = _rows(sl.selected, lambda i, r: [
        f'<td class="stt">{i}</td>', f"<td>{_e(r['unit_name'])}<br><small>{_e(r['unit_code'])}</small></td>",
        f"<td>{_e(r['parent_name'])}</td>", f'<td class="num">{_e(fmt_points(r["total"]))}</td>',
        f"<td>{_e(r['level'])}</td>",
        f'<td class="num">{_e(_rank(r["rank_used"]))}</td>', f"<td>{_e(r['reasons'])}</td>"])
    near = _rows(sl.near, lambda i, r: [
        f'<td class="stt">{i}</td>', f"<td>{_e(r['unit_name'])}<br><small>{_e(r['unit_code'])}</small></td>",
        f"<td>{_e(r['parent_name'])}</td>", f'<td class="num">{_e(fmt_points(r["total"]))}</td>',
        f"<td>{_e(r['level'] or 'Không xếp loại')}</td>", f"<td>{_e(r['reasons'])}</td>"])
    leaders = _rows(sl.cluster_leaders, lambda i, r: [
        f'<td class="stt">{i}</td>', f"<td>{_e(r['cluster'])}</td>", f"<td>{_e(r['unit_name'])}</td>",
        f'<td class="num">{_e(fmt_points(r["total"]))}</td>', f"<td>{_e(r['level'])}</td>",
        f'<td class="num">{_e(_rank(r["rank_cluster"]))}/{_e(_rank(r["n_cluster"]))}</td>',
        f"<td>{_e(r['status'])}</td>"])

    body = f"""{national_header(["HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG", sl.area_name.upper()])}
<h1>{_e(head)}</h1>
{f'<p class="subtitle">{_e(subtitle)}</p>' if subtitle else ''}
<div class="meta">
<p>{_e(lines["scope"])}<br>{_e(lines["profile"])}</p>
<p>Tiêu chí đề nghị:</p>
<ul>
{"".join(f"<li>{_e(x)}</li>" for x in rules)}
<li>{_e(ties_explained(sl.rules))}</li>
</ul>
<p>{_e(lines["counts"])}</p>
</div>
<p class="caveat">{_e(NOT_A_DECISION)}</p>
{f'<p class="defaults">{_e(lines["defaults"])}</p>' if "defaults" in lines else ''}
<h2>I. Đơn vị đề nghị ({sl.selected.height})</h2>
{table(["STT", "Đơn vị", "Địa bàn", "Tổng điểm", "Mức", rank_column(sl)[0], "Lý do đề nghị"], sel,
       "Không có đơn vị nào đạt đủ tiêu chí.")}
<h2>II. Đơn vị sát nút ({sl.near.height})</h2>
{table(["STT", "Đơn vị", "Địa bàn", "Tổng điểm", "Mức", "Lý do chưa đề nghị"], near,
       f"Không có đơn vị {NEAR.lower()}.")}
<h2>III. Đơn vị đứng đầu cụm thi đua ({sl.cluster_leaders.height})</h2>
{table(["STT", "Cụm thi đua", "Đơn vị", "Tổng điểm", "Mức", "Thứ hạng trong cụm", "Tình trạng"], leaders,
       "Không có cụm thi đua nào trong phạm vi.")}
{signatures([("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"), ("CHỦ TỊCH HỘI ĐỒNG", "(Ký, ghi rõ họ tên, đóng dấu)")])}
<p class="meta"><small>Bộ tiêu chí {_e(sl.profile_id)}, phiên bản {_e(sl.profile_version)}; {_e(BASIS_LABELS.get(sl.basis, sl.basis))}; dữ liệu phiên bản {_e(sl.data_version)}.</small></p>"""
    return document(title.strip() if title and title.strip() else head, body)
