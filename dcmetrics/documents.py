"""Print-ready Vietnamese administrative documents (A4 HTML): the national header, tables,
the date line and signature block, shared by the commendation proposal and the result notice."""

from __future__ import annotations

import html

CSS = """
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


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def table(headers: list[str], body: str, empty: str) -> str:
    """A bordered table; `body` its rows as HTML (an empty body says `empty` across the table)."""
    if not body:
        body = f'<tr><td colspan="{len(headers)}" class="empty">{esc(empty)}</td></tr>'
    ths = "".join(f"<th>{esc(h)}</th>" for h in headers)
    return f"<table>\n<thead><tr>{ths}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def national_header(issuer_lines: list[str]) -> str:
    left = "<br>".join(esc(x) for x in issuer_lines)
    return f"""<div class="national">
  <div class="left">{left}</div>
  <div class="right"><div class="country">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>
  <div class="motto"><span>Độc lập - Tự do - Hạnh phúc</span></div></div>
</div>"""


def signatures(roles: list[tuple[str, str]]) -> str:
    """The date line and a signature box per (role, hint)."""
    boxes = "\n".join(f'  <div><div class="role">{esc(r)}</div><div class="hint">{esc(h)}</div>'
                      f'<div class="space"></div></div>' for r, h in roles)
    return f'<p class="date">…………, ngày …… tháng …… năm ……</p>\n<div class="signatures">\n{boxes}\n</div>'


def document(title: str, body: str, css: str = CSS, editable: bool = False) -> str:
    """A standalone HTML document around `body`; `editable`: the reader may edit it in the browser
    before printing (a draft the office completes)."""
    attrs = ' contenteditable="true" spellcheck="false"' if editable else ""
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{css}</style>
</head>
<body{attrs}>
{body}
</body>
</html>
"""
