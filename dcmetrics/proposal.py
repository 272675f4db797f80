"""Exports of the commendation shortlist: an Excel workbook and a print-ready HTML document.

Both say what they are: material for the Emulation and Commendation Council to consider and
vote on, not a decision to award. Every text that comes from data (unit names, areas, reasons,
profile titles) is made safe: in Excel, text a spreadsheet would run as a formula gets a leading
apostrophe; in HTML, everything is escaped with html.escape. Numbers stay numbers in Excel
(format 0.00; Excel shows them in the reader's locale) and are printed Vietnamese style (92,50)
in HTML.
"""

from __future__ import annotations

import io

import polars as pl

from dcmetrics.documents import document, esc as _e, national_header, signatures, table
from dcmetrics.exports import neutralise, safe_cell
from dcmetrics.fmt import fmt_num, fmt_points
from dcmetrics.shortlist import NEAR, Shortlist, check_reviewed, ties_explained

NOT_A_DECISION = ("Tài liệu phục vụ Hội đồng Thi đua – Khen thưởng xem xét, biểu quyết; "
                  "không phải quyết định khen thưởng.")
SHEET_SELECTED = "Danh sách đề nghị"
SHEET_OTHERS = "Không đạt, sát nút"
SHEET_REMINDERS = "Nhắc nhở"
SHEET_LEADERS = "Đứng đầu cụm thi đua"
TABLE_ROW = 9  # 0-based row of every sheet's table header (the header block is above it)
BASIS_LABELS = {"appraised": "điểm sau thẩm định", "self": "điểm tự chấm"}


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

def shortlist_xlsx(sl: Shortlist, title: str | None = None, pending_reason: str | None = None) -> bytes:
    """The shortlist as an Excel workbook: the proposed units, the others with their reasons,
    the units to remind, the leading unit of each cluster; each sheet opens with the header block
    and has its table header on row TABLE_ROW + 1. Refused (Conflict) while a proposed unit's
    figures await review, unless the committee's reason is given (see check_reviewed)."""
    pending_reason = check_reviewed(sl, pending_reason)
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True})
    f_title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    f_line = wb.add_format({"text_wrap": True, "valign": "top"})
    f_note = wb.add_format({"italic": True, "bold": True, "font_color": "#9C0006", "text_wrap": True})
    f_head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                            "valign": "vcenter", "align": "center"})
    f_text = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    f_int = wb.add_format({"valign": "top", "border": 1, "num_format": "0"})
    f_pts = wb.add_format({"valign": "top", "border": 1, "num_format": "0.00"})

    def sheet(name: str, columns: list[tuple[str, str, str, float]], frame: pl.DataFrame):
        """columns: (header, frame column or '#', kind text|int|points, width)."""
        ws = wb.add_worksheet(name)
        last = len(columns) - 1
        ws.merge_range(0, 0, 0, last, safe_cell(heading(sl)), f_title)
        ws.set_row(0, 24)
        width = sum(w for _, _, _, w in columns)
        for i, (key, line) in enumerate(header_lines(sl, title, pending_reason).items(), 1):
            ws.merge_range(i, 0, i, last, safe_cell(line), f_note if key == "caveat" else f_line)
            ws.set_row(i, 15 * max(1, -(-len(line) // int(width))))
        ws.write_row(TABLE_ROW, 0, [h for h, _, _, _ in columns], f_head)
        safe = neutralise(frame)
        for r, row in enumerate(safe.iter_rows(named=True), TABLE_ROW + 1):
            for c, (_, col, kind, _) in enumerate(columns):
                value = r - TABLE_ROW if col == "#" else row[col]
                if value is None:
                    ws.write_blank(r, c, None, f_text)
                elif kind == "points":
                    ws.write_number(r, c, float(value), f_pts)
                elif kind == "int":
                    ws.write_number(r, c, int(value), f_int)
                else:
                    ws.write_string(r, c, safe_cell(value), f_text)
        for c, (_, _, _, width) in enumerate(columns):
            ws.set_column(c, c, width)
        ws.freeze_panes(TABLE_ROW + 1, 0)
        ws.repeat_rows(TABLE_ROW)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        return ws

    unit_cols = [("STT", "#", "int", 5), ("Mã đơn vị", "unit_code", "text", 10), ("Tên đơn vị", "unit_name", "text", 34),
                 ("Địa bàn", "parent_name", "text", 22), ("Loại đơn vị", "unit_type_label", "text", 20),
                 ("Cụm thi đua", "cluster", "text", 20), ("Tổng điểm", "total", "points", 9), ("Mức", "level", "text", 10),
                 ("Thứ hạng trong cụm", "rank_cluster", "int", 9)]
    sheet(SHEET_SELECTED, [*unit_cols, ("Lý do đề nghị", "reasons", "text", 70)], sl.selected)
    sheet(SHEET_OTHERS, [*unit_cols, ("Tình trạng", "status", "text", 11), ("Lý do chưa đề nghị", "reasons", "text", 70)],
          sl.others)
    sheet(SHEET_REMINDERS, [("STT", "#", "int", 5), ("Mã đơn vị", "unit_code", "text", 10),
                            ("Tên đơn vị", "unit_name", "text", 34), ("Địa bàn", "parent_name", "text", 22),
                            ("Loại đơn vị", "unit_type_label", "text", 20), ("Tổng điểm", "total", "points", 9),
                            ("Mức", "level", "text", 10), ("Vi phạm chưa xử lý", "n_unhandled", "int", 10),
                            ("Lý do nhắc nhở", "reasons", "text", 60)], sl.reminders)
    sheet(SHEET_LEADERS, [("STT", "#", "int", 5), ("Cụm thi đua", "cluster", "text", 26),
                          ("Mã đơn vị", "unit_code", "text", 10), ("Tên đơn vị", "unit_name", "text", 34),
                          ("Địa bàn", "parent_name", "text", 22), ("Tổng điểm", "total", "points", 9),
                          ("Mức", "level", "text", 10), ("Thứ hạng trong cụm", "rank_cluster", "int", 9),
                          ("Số đơn vị được xếp loại của cụm", "n_cluster", "int", 12),
                          ("Tình trạng", "status", "text", 11)], sl.cluster_leaders)
    wb.set_properties({"title": safe_cell(title or heading(sl)), "subject": NOT_A_DECISION,
                       "comments": f"{sl.profile_id} {sl.profile_version}; {sl.basis}; dữ liệu phiên bản {sl.data_version}"})
    wb.close()
    return buf.getvalue()


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
        f'<td class="num">{_e(_rank(r["rank_cluster"]))}</td>', f"<td>{_e(r['reasons'])}</td>"])
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
{table(["STT", "Đơn vị", "Địa bàn", "Tổng điểm", "Mức", "Thứ hạng trong cụm", "Lý do đề nghị"], sel,
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
