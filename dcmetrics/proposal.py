"""Exports of the commendation shortlist: an Excel workbook and a print-ready HTML document.

Both say what they are: material for the Emulation and Commendation Council to consider and
vote on, not a decision to award. Every text that comes from data (unit names, areas, reasons,
profile titles) is made safe: in Excel, text a spreadsheet would run as a formula gets a leading
apostrophe; in HTML, everything is escaped with html.escape. Numbers stay numbers in Excel
(format 0.00; Excel shows them in the reader's locale) and are printed Vietnamese style (92,50)
in HTML.
"""

from __future__ import annotations

import html
import io

import polars as pl

from dcmetrics.exports import neutralise, safe_cell
from dcmetrics.fmt import fmt_num, fmt_points
from dcmetrics.shortlist import NEAR, Shortlist, ties_explained

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


def header_lines(sl: Shortlist, title: str | None = None) -> dict[str, str]:
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
    if sl.defaults_note:
        lines["defaults"] = sl.defaults_note
    return lines


# --- Excel ---------------------------------------------------------------------------------------

def shortlist_xlsx(sl: Shortlist, title: str | None = None) -> bytes:
    """The shortlist as an Excel workbook: the proposed units, the others with their reasons,
    the units to remind, the leading unit of each cluster; each sheet opens with the header block
    and has its table header on row TABLE_ROW + 1."""
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
        for i, (key, line) in enumerate(header_lines(sl, title).items(), 1):
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

_CSS = """
@page { size: A4 portrait; margin: 20mm 15mm 20mm 25mm; }
* { box-sizing: border-box; }
body { font-family: "Times New Roman", Times, serif; font-size: 13pt; line-height: 1.35; color: #000;
       max-width: 190mm; margin: 0 auto; padding: 10mm 0; }
.national { display: flex; justify-content: space-between; text-align: center; margin-bottom: 8mm; }
.national .left { width: 42%; font-weight: bold; }
.national .right { width: 58%; }
.national .right .motto { font-weight: bold; }
.national .right .motto span { border-bottom: 1px solid #000; padding-bottom: 1px; }
.national .right .country { font-weight: bold; }
h1 { font-size: 14pt; text-align: center; margin: 4mm 0 1mm; }
.subtitle { text-align: center; font-weight: bold; margin: 0 0 3mm; }
.meta { font-size: 11.5pt; margin: 1mm 0; }
.meta ul { margin: 1mm 0 1mm 6mm; padding: 0; }
.defaults { font-size: 9pt; font-style: italic; }
.caveat { font-style: italic; font-weight: bold; border: 1px solid #000; padding: 2mm 3mm; margin: 3mm 0; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
table { width: 100%; border-collapse: collapse; font-size: 11pt; page-break-inside: auto; }
th, td { border: 1px solid #000; padding: 1.2mm 1.5mm; vertical-align: top; }
th { background: #eee; text-align: center; }
td.num { text-align: right; white-space: nowrap; }
td.stt { text-align: center; }
tr { page-break-inside: avoid; }
thead { display: table-header-group; }
.empty { font-style: italic; }
.signatures { display: flex; justify-content: space-between; margin-top: 12mm; text-align: center;
              page-break-inside: avoid; }
.signatures > div { width: 45%; }
.signatures .role { font-weight: bold; }
.signatures .hint { font-style: italic; font-size: 11pt; }
.signatures .space { height: 25mm; }
.date { text-align: right; font-style: italic; margin-top: 8mm; }
@media print {
  body { padding: 0; max-width: none; }
  .no-print { display: none; }
  a { color: #000; text-decoration: none; }
}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _rows(frame: pl.DataFrame, cells) -> str:
    out = []
    for i, row in enumerate(frame.iter_rows(named=True), 1):
        out.append("<tr>" + "".join(cells(i, row)) + "</tr>")
    return "\n".join(out)


def _rank(value) -> str:
    return "–" if value is None else fmt_num(value, 0)


def shortlist_html(sl: Shortlist, title: str | None = None) -> str:
    """A standalone, print-ready HTML document (A4): national header, heading, scope and rules,
    the proposed units with reasons, the units just outside (near misses), the leading units of the
    clusters, signature block."""
    head = heading(sl)
    lines = header_lines(sl, title)
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

    def table(headers: list[str], body: str, cols: int, empty: str) -> str:
        if not body:
            body = f'<tr><td colspan="{cols}" class="empty">{_e(empty)}</td></tr>'
        ths = "".join(f"<th>{_e(h)}</th>" for h in headers)
        return f"<table>\n<thead><tr>{ths}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"

    body = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title.strip() if title and title.strip() else head)}</title>
<style>{_CSS}</style>
</head>
<body>
<div class="national">
  <div class="left">HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG<br>{_e(sl.area_name.upper())}</div>
  <div class="right"><div class="country">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>
  <div class="motto"><span>Độc lập - Tự do - Hạnh phúc</span></div></div>
</div>
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
{table(["STT", "Đơn vị", "Địa bàn", "Tổng điểm", "Mức", "Thứ hạng trong cụm", "Lý do đề nghị"], sel, 7,
       "Không có đơn vị nào đạt đủ tiêu chí.")}
<h2>II. Đơn vị sát nút ({sl.near.height})</h2>
{table(["STT", "Đơn vị", "Địa bàn", "Tổng điểm", "Mức", "Lý do chưa đề nghị"], near, 6,
       f"Không có đơn vị {NEAR.lower()}.")}
<h2>III. Đơn vị đứng đầu cụm thi đua ({sl.cluster_leaders.height})</h2>
{table(["STT", "Cụm thi đua", "Đơn vị", "Tổng điểm", "Mức", "Thứ hạng trong cụm", "Tình trạng"], leaders, 7,
       "Không có cụm thi đua nào trong phạm vi.")}
<p class="date">…………, ngày …… tháng …… năm ……</p>
<div class="signatures">
  <div><div class="role">NGƯỜI LẬP BIỂU</div><div class="hint">(Ký, ghi rõ họ tên)</div><div class="space"></div></div>
  <div><div class="role">CHỦ TỊCH HỘI ĐỒNG</div><div class="hint">(Ký, ghi rõ họ tên, đóng dấu)</div><div class="space"></div></div>
</div>
<p class="meta"><small>Bộ tiêu chí {_e(sl.profile_id)}, phiên bản {_e(sl.profile_version)}; {_e(BASIS_LABELS.get(sl.basis, sl.basis))}; dữ liệu phiên bản {_e(sl.data_version)}.</small></p>
</body>
</html>
"""
    return body
