"""The annual report as a PDF (fpdf2), in the layout of an administrative document (Nghị định
30/2020/NĐ-CP): A4, the issuing body and the national header side by side, number and date
placeholders, title, body, recipients and the signature block left blank, «Trang x/y» below.

The font is embedded: Liberation Serif (vendored under reports/fonts with its licence), since a
fresh machine has no system fonts and PDF core fonts have no Vietnamese glyphs. Charts are drawn
with fpdf2's vector primitives in the palette's colours.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from dcmetrics.reports import content as C
from dcmetrics.reports.annual import AnnualReport

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "LiberationSerif"
BODY_PT = 13
SMALL_PT = 10.5
TABLE_PT = 9.5
LINE = 6.2  # mm per body line
# Nghị định 30/2020: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm
MARGINS = (30, 20, 15)  # left, top, right (mm); bottom 20 via auto page break


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _faded(hex_color: str, keep: float = 0.45) -> tuple[int, int, int]:
    """The colour mixed with white (the year before, beside this year's bar)."""
    return tuple(round(255 - (255 - c) * keep) for c in _rgb(hex_color))  # type: ignore[return-value]


class _Doc(FPDF):
    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", SMALL_PT)
        self.cell(0, 6, f"Trang {self.page_no()}/{{nb}}", align="C")


def _new_doc(r: AnnualReport) -> _Doc:
    pdf = _Doc(orientation="P", unit="mm", format="A4")
    for style, name in (("", "Regular"), ("B", "Bold"), ("I", "Italic")):
        pdf.add_font(FAMILY, style, str(FONTS / f"LiberationSerif-{name}.ttf"))
    pdf.set_margins(*MARGINS)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(f"{C.TITLE} {C.subtitle(r)}")
    pdf.set_author(f"Ủy ban nhân dân {r.issuer_name}")
    pdf.set_creator("dcmetrics")
    pdf.set_lang("vi")
    return pdf


def _header(pdf: _Doc, r: AnnualReport) -> None:
    # the national name on one line (12 pt bold, as Nghị định 30 sets it); the issuer gets the rest
    pdf.set_font(FAMILY, "B", 12)
    gap = 2
    right_w = pdf.get_string_width(C.NATIONAL) + 4
    left_w = pdf.epw - right_w - gap
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_font(FAMILY, "", 12.5)
    pdf.set_xy(x0, y0)
    pdf.multi_cell(left_w, 5.6, C.issuer_lines(r)[0], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 12.5)
    pdf.set_x(x0)
    pdf.multi_cell(left_w, 5.6, C.issuer_lines(r)[1], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 0.8
    pdf.line(x0 + left_w / 2 - 12, y, x0 + left_w / 2 + 12, y)
    pdf.set_xy(x0, y + 2)
    pdf.set_font(FAMILY, "", 12.5)
    pdf.multi_cell(left_w, 5.6, C.NUMBER_LINE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_end = pdf.get_y()

    xr = x0 + left_w + gap
    pdf.set_xy(xr, y0)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(right_w, 5.6, C.NATIONAL, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 13.5)
    pdf.multi_cell(right_w, 6, C.MOTTO, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    y = pdf.get_y() + 0.6
    half = pdf.get_string_width(C.MOTTO) / 2
    pdf.line(xr + right_w / 2 - half, y, xr + right_w / 2 + half, y)
    pdf.set_xy(xr, y + 3)
    pdf.set_font(FAMILY, "I", 13)
    pdf.multi_cell(right_w, 6, C.DATE_LINE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_end, pdf.get_y()) + 6)

    pdf.set_font(FAMILY, "B", 14)
    pdf.cell(0, 7, C.TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(0, 6.5, C.subtitle(r), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    scope = r.area_name if r.area_code else None
    if scope:
        pdf.set_font(FAMILY, "B", 13)
        pdf.multi_cell(0, 6.5, f"(Phạm vi: {scope})", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 1
    pdf.line(pdf.w / 2 - 20, y, pdf.w / 2 + 20, y)
    pdf.set_y(y + 4)
    pdf.set_font(FAMILY, "", BODY_PT)
    pdf.multi_cell(0, LINE, C.addressee(r), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FAMILY, "I", SMALL_PT)
    pdf.multi_cell(0, 5, C.DRAFT_NOTE, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


STYLES = {"normal": ("", BODY_PT, LINE), "italic": ("I", BODY_PT, LINE), "bold": ("B", BODY_PT, LINE),
          "note": ("I", SMALL_PT, 5), "quote": ("I", 12, 5.8)}


def _para(pdf: _Doc, p: C.Para) -> None:
    style, size, h = STYLES[p.style]
    pdf.set_font(FAMILY, style, size)
    indent = 8 if p.style in ("normal", "italic") else 0
    pdf.set_x(pdf.l_margin)
    if indent:  # first-line indent, as administrative text is set
        pdf.multi_cell(0, h, " " * 4 + p.text, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        pdf.multi_cell(0, h, p.text, align="J" if p.style != "bold" else "L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    pdf.ln(0.8)


def _table(pdf: _Doc, t: C.Table) -> None:
    pdf.set_font(FAMILY, "", TABLE_PT)
    pdf.set_fill_color(255, 255, 255)  # the table's cells take the current fill colour (a chart's last)
    rows = t.rows or [[t.empty] + [""] * (len(t.headers) - 1)]
    align = tuple("RIGHT" if i in t.numeric else "LEFT" for i in range(len(t.headers)))
    with pdf.table(col_widths=t.widths, text_align=align, line_height=4.6, padding=1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                   repeat_headings=1, width=pdf.epw, align="LEFT") as table:
        head = table.row()
        for h in t.headers:
            head.cell(h, align="CENTER")
        for row in rows:
            tr = table.row()
            if not t.rows:
                tr.cell(t.empty, colspan=len(t.headers), style=FontFace(emphasis="ITALICS"))
                continue
            for cell in row:
                tr.cell(cell)
    pdf.ln(2)


def _room(pdf: _Doc, height: float) -> None:
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _bars(pdf: _Doc, b: C.Bars) -> None:
    chart_h, label_h = 48, 12
    _room(pdf, chart_h + label_h + 14)
    pdf.set_font(FAMILY, "B", SMALL_PT)
    pdf.multi_cell(0, 5, b.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    x0, top = pdf.l_margin + 10, pdf.get_y() + 4
    width = pdf.epw - 14
    base = top + chart_h
    peak = max([v for _, vals in b.series for v in vals] + [1])
    group_w = width / max(len(b.categories), 1)
    bar_w = min(16, group_w * 0.7 / max(len(b.series), 1))
    pdf.set_draw_color(0, 0, 0)
    pdf.line(x0 - 2, base, x0 + width, base)
    pdf.set_font(FAMILY, "", 8.5)
    for ci, cat in enumerate(b.categories):
        gx = x0 + ci * group_w + (group_w - bar_w * len(b.series)) / 2
        for si, (_, vals) in enumerate(b.series):
            v = vals[ci]
            h = chart_h * v / peak
            color = _faded(b.colors[ci]) if si in b.faded else _rgb(b.colors[ci])
            pdf.set_fill_color(*color)
            pdf.rect(gx + si * bar_w, base - h, bar_w - 1, h, style="F")
            pdf.set_xy(gx + si * bar_w - 2, base - h - 4.2)
            pdf.cell(bar_w + 3, 4, C.n(v), align="C")
        pdf.set_xy(x0 + ci * group_w, base + 1)
        pdf.set_font(FAMILY, "B", 9)
        pdf.cell(group_w, 4.5, cat, align="C")
        pdf.set_font(FAMILY, "", 8.5)
    # legend: series (full colour, faded)
    pdf.set_xy(x0, base + 7)
    for si, (label, _) in enumerate(b.series):
        pdf.set_fill_color(*(_faded("#555555") if si in b.faded else _rgb("#555555")))
        x = pdf.get_x()
        pdf.rect(x, pdf.get_y() + 1, 4, 3, style="F")
        pdf.set_x(x + 5)
        pdf.cell(pdf.get_string_width(label) + 8, 5, label)
    pdf.set_y(base + label_h + 2)


def _stacked(pdf: _Doc, s: C.Stacked) -> None:
    rows = s.rows[:C.MAX_CHART_ROWS]
    bar_h, label_w = 5.5, 52
    _room(pdf, min(len(rows), 8) * (bar_h + 1.5) + 20)
    pdf.set_font(FAMILY, "B", SMALL_PT)
    pdf.multi_cell(0, 5, s.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    width = pdf.epw - label_w - 2
    for label, counts in rows:
        _room(pdf, bar_h + 2)
        y = pdf.get_y()
        pdf.set_font(FAMILY, "", 8.5)
        pdf.set_x(pdf.l_margin)
        pdf.cell(label_w, bar_h, label if len(label) <= 38 else label[:37] + "…")
        total = sum(counts.get(lv, 0) for lv in s.order) or 1
        x = pdf.l_margin + label_w + 2
        for lv in s.order:
            w = width * counts.get(lv, 0) / total
            if w <= 0:
                continue
            pdf.set_fill_color(*_rgb(s.colors[lv]))
            pdf.rect(x, y + 0.5, w, bar_h - 1, style="F")
            if w > 7:
                pdf.set_text_color(255, 255, 255)
                pdf.set_xy(x, y)
                pdf.cell(w, bar_h, C.n(counts[lv]), align="C")
                pdf.set_text_color(0, 0, 0)
            x += w
        pdf.set_y(y + bar_h + 1.2)
    if len(s.rows) > len(rows):
        pdf.set_font(FAMILY, "I", 8.5)
        pdf.cell(0, 5, C.more_rows(len(s.rows) - len(rows)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    # legend
    pdf.ln(1)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_x(pdf.l_margin + label_w + 2)
    for lv in s.order:
        pdf.set_fill_color(*_rgb(s.colors[lv]))
        x = pdf.get_x()
        pdf.rect(x, pdf.get_y() + 1, 4, 3, style="F")
        pdf.set_x(x + 5)
        pdf.cell(pdf.get_string_width(lv) + 5, 5, lv)
    pdf.ln(8)


def _closing(pdf: _Doc, r: AnnualReport) -> None:
    _room(pdf, 70)
    pdf.ln(6)
    y0 = pdf.get_y()
    half = pdf.epw / 2
    pdf.set_font(FAMILY, "B", 12)
    pdf.set_x(pdf.l_margin)
    pdf.cell(half, 5.5, "Nơi nhận:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 11)
    for line in C.recipients(r):
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(half - 4, 5, f"- {line}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin + half, y0)
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(half, 6, C.SIGN_FOR, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.multi_cell(half, 6, C.SIGN_ROLE, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "I", 11)
    pdf.multi_cell(half, 5, C.SIGN_HINT, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)


def render(r: AnnualReport) -> bytes:
    """The report as PDF bytes."""
    pdf = _new_doc(r)
    pdf.add_page()
    _header(pdf, r)
    for sec in C.sections(r):
        _room(pdf, 30)
        pdf.set_font(FAMILY, "B", BODY_PT)
        pdf.multi_cell(0, LINE + 0.6, sec.heading, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.5)
        for block in sec.blocks:
            if isinstance(block, C.Para):
                _para(pdf, block)
            elif isinstance(block, C.Table):
                _table(pdf, block)
            elif isinstance(block, C.Bars):
                _bars(pdf, block)
            elif isinstance(block, C.Stacked):
                _stacked(pdf, block)
    _closing(pdf, r)
    return bytes(pdf.output())
