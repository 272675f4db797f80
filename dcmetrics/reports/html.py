"""The annual report as one self-contained, printable and editable HTML file (the same blocks as
the PDF): the document's text can be edited in the browser (contenteditable) or in a word processor
that opens HTML, then printed on A4. Charts are inline SVG in the palette's colours; every text
from data is escaped."""

from __future__ import annotations

from dcmetrics.display.charts import bars_svg, stacked_svg
from dcmetrics.documents import CSS as DOCUMENT_CSS
from dcmetrics.documents import document, esc
from dcmetrics.reports import content as C
from dcmetrics.reports.annual import AnnualReport

CSS = DOCUMENT_CSS + """
@page { @bottom-center { content: "Trang " counter(page) "/" counter(pages); font-size: 10pt;
                         font-family: "Times New Roman", "Liberation Serif", Times, serif; } }
.national .left .issuer { font-weight: normal; }
.national .left .body { font-weight: bold; }
.national .rule { width: 30%; margin: 1mm auto 2mm; border-top: 1px solid #000; }
.national .number { font-weight: normal; }
.national .dateline { font-style: italic; margin-top: 3mm; }
h1 { margin-bottom: 0; }
.subtitle { margin-bottom: 1mm; }
.title-rule { width: 40mm; margin: 0 auto 4mm; border-top: 1px solid #000; }
.addressee { text-align: center; margin: 2mm 0; }
.draft { font-size: 10pt; font-style: italic; }
p.normal, p.italic { text-indent: 8mm; text-align: justify; margin: 1mm 0; }
p.italic { font-style: italic; }
p.bold { font-weight: bold; margin: 3mm 0 1mm; }
p.note { font-size: 10pt; font-style: italic; margin: 1mm 0; }
p.quote { font-style: italic; margin: 1mm 0 1mm 6mm; }
figure { margin: 3mm 0; text-align: center; page-break-inside: avoid; }
figcaption { font-weight: bold; font-size: 10.5pt; margin-bottom: 1mm; }
svg text { font-family: "Times New Roman", "Liberation Serif", Times, serif; }
table { font-size: 10pt; margin-bottom: 2mm; }
.closing { display: flex; justify-content: space-between; margin-top: 8mm; page-break-inside: avoid; }
.closing .recipients { width: 48%; font-size: 11pt; }
.closing .recipients .label { font-weight: bold; font-style: italic; }
.closing .recipients ul { list-style: none; margin: 0; padding: 0; }
.closing .sign { width: 48%; text-align: center; }
.closing .sign .role { font-weight: bold; }
.closing .sign .hint { font-style: italic; font-size: 11pt; }
.closing .sign .space { height: 28mm; }
@media print { .draft { display: none; } }
"""


def _para(p: C.Para) -> str:
    return f'<p class="{p.style}">{esc(p.text)}</p>'


def _table(t: C.Table) -> str:
    total = sum(t.widths) or 1
    cols = "".join(f'<col style="width:{w / total * 100:.1f}%">' for w in t.widths)
    head = "".join(f"<th>{esc(h)}</th>" for h in t.headers)
    if t.rows:
        num = ' class="num"'
        body = "\n".join("<tr>" + "".join(f"<td{num if i in t.numeric else ''}>{esc(c)}</td>"
                                          for i, c in enumerate(row)) + "</tr>" for row in t.rows)
    else:
        body = f'<tr><td colspan="{len(t.headers)}" class="empty">{esc(t.empty)}</td></tr>'
    return f"<table>\n<colgroup>{cols}</colgroup>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _header(r: AnnualReport) -> str:
    issuer = C.issuer_lines(r)
    scope = f'<p class="subtitle">(Phạm vi: {esc(r.area_name)})</p>' if r.area_code else ""
    return f"""<div class="national">
  <div class="left"><div class="issuer">{esc(issuer[0])}</div><div class="body">{esc(issuer[1])}</div>
  <div class="rule"></div><div class="number">{esc(C.NUMBER_LINE)}</div></div>
  <div class="right"><div class="country">{esc(C.NATIONAL)}</div>
  <div class="motto"><span>{esc(C.MOTTO)}</span></div>
  <div class="dateline">{esc(C.DATE_LINE)}</div></div>
</div>
<h1>{esc(C.TITLE)}</h1>
<p class="subtitle">{esc(C.subtitle(r))}</p>
{scope}<div class="title-rule"></div>
<p class="addressee">{esc(C.addressee(r))}</p>
<p class="draft">{esc(C.DRAFT_NOTE)}</p>"""


def _closing(r: AnnualReport) -> str:
    items = "".join(f"<li>- {esc(x)}</li>" for x in C.recipients(r))
    return f"""<div class="closing">
  <div class="recipients"><div class="label">Nơi nhận:</div><ul>{items}</ul></div>
  <div class="sign"><div class="role">{esc(C.SIGN_FOR)}</div><div class="role">{esc(C.SIGN_ROLE)}</div>
  <div class="hint">{esc(C.SIGN_HINT)}</div><div class="space"></div></div>
</div>"""


def render(r: AnnualReport) -> str:
    """The report as a standalone HTML document (text)."""
    body = [_header(r)]
    for sec in C.sections(r):
        body.append(f'<section id="{esc(sec.key)}"><h2>{esc(sec.heading)}</h2>')
        for b in sec.blocks:
            if isinstance(b, C.Para):
                body.append(_para(b))
            elif isinstance(b, C.Table):
                body.append(_table(b))
            elif isinstance(b, C.Bars):
                body.append(bars_svg(b))
            elif isinstance(b, C.Stacked):
                body.append(stacked_svg(b, C.MAX_CHART_ROWS, C.more_rows))
        body.append("</section>")
    body.append(_closing(r))
    title = f"{C.TITLE} {C.subtitle(r)}"
    return document(title, "\n".join(body), css=CSS, editable=True)


def render_bytes(r: AnnualReport) -> bytes:
    return render(r).encode("utf-8")
