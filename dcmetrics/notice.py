"""The result notice (phiếu kết quả) of one unit and year: one printable A4 page with its score,
level, what that means for the unit's and its head's classification under its profile, the
reasons, and the note on the defaults in force. Whoever may read the unit may print it."""

from __future__ import annotations

from dcmetrics.config import UNIT_TYPE_LABELS
from dcmetrics.dashboard import Filters, unit_detail
from dcmetrics.documents import document, esc, national_header, signatures, table
from dcmetrics.fmt import fmt_num, fmt_points
from dcmetrics.framework_model import Profile
from dcmetrics.proposal import BASIS_LABELS
from dcmetrics.store import Store


def heading(year: int) -> str:
    return f"PHIẾU KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ THỰC HIỆN DÂN CHỦ Ở CƠ SỞ NĂM {year}"


def reasons(unit: dict, profile: Profile) -> list[str]:
    """Why the unit has its level, in sentences (what held it back, capped it, left it unrated)."""
    out = []
    if not unit["rated"]:
        out.append(f"Không đủ điều kiện xếp loại: {unit['not_rated_reason']}.")
    if unit["held_by"]:
        names = [f"{g.key} ({g.name})" for g in profile.groups if g.key in unit["held_by"].split(",")]
        out.append("Tổng điểm đủ mức cao hơn nhưng các nhóm sau chưa đạt mức điểm tối thiểu của mức đó: "
                   + "; ".join(names) + ".")
    if unit["capped_by"]:
        out.append(f"Mức bị giới hạn do: {unit['capped_by']}.")
    if not unit["complete"]:
        out.append(f"Thiếu số liệu của {unit['n_missing']} chỉ tiêu áp dụng (tính 0 điểm).")
    if unit["deduction"] or unit["bonus"]:
        out.append(f"Điểm trừ: {fmt_points(unit['deduction'])}; điểm thưởng: {fmt_points(unit['bonus'])}.")
    return out or ["Đạt mức theo tổng điểm, không có điều kiện nào hạ mức."]


def result_notice_html(store: Store, profile: Profile, unit_code: str, f: Filters, actor) -> str:
    d = unit_detail(store, profile, unit_code, f, actor)  # checks the actor may read the unit
    u, v = d.unit, d.version
    if u["rated"]:
        _, meaning = v.classification_note(u["unit_type"], u["classification_cap"])
    else:
        meaning = "Đơn vị không đủ điều kiện xếp loại nên không có đề xuất xếp loại theo tiêu chí này."
    groups = "\n".join(
        f"<tr><td class=\"stt\">{esc(g['group_key'])}</td><td>{esc(g['number'])}. {esc(g['name'])}</td>"
        f"<td class=\"num\">{esc(fmt_points(g['points']))}</td><td class=\"num\">{esc(fmt_points(g['max_points']))}</td></tr>"
        for g in d.groups.iter_rows(named=True))
    level = u["level"] or "Không xếp loại"
    rank = "–" if u["rank"] is None else f"{u['rank']}/{u['n_rated']}"
    result_row = (f'<tr><td class="num">{esc(fmt_points(u["total"]))} / {esc(fmt_num(v.total_max))}</td>'
                  f'<td>{esc(level)}</td><td class="num">{esc(rank)}</td></tr>')
    body = f"""{national_header(["CƠ QUAN ĐÁNH GIÁ", "………………………………"])}
<p class="meta">Số: ……/PKQ</p>
<h1>{esc(heading(f.year))}</h1>
<div class="meta">
<p>Đơn vị: <b>{esc(u['unit_name'])}</b> (mã {esc(u['unit_code'])}) · {esc(UNIT_TYPE_LABELS.get(u['unit_type'], u['unit_type']))}
{f" · {esc(u['parent_name'])}" if u['parent_name'] else ""}<br>
Bộ tiêu chí: {esc(v.title)} (mã {esc(v.id)}, phiên bản {esc(v.version)}); {esc(BASIS_LABELS.get(f.basis, f.basis))}.</p>
</div>
<h2>I. Kết quả</h2>
{table(["Tổng điểm", "Mức độ thực hiện", "Hạng chung"], result_row, "")}
<p class="meta"><small>Tổng điểm chưa làm tròn: {esc(fmt_num(u['raw_total'], 6))}. {esc(v.rounding.describe())} ({esc(v.rounding.source)}).</small></p>
<h2>II. Ý nghĩa đối với việc đánh giá, xếp loại đơn vị và người đứng đầu</h2>
<p>{esc(meaning)}</p>
<h2>III. Căn cứ của mức</h2>
<ul>{"".join(f"<li>{esc(r)}</li>" for r in reasons(u, v))}</ul>
<h2>IV. Điểm theo nhóm biện pháp</h2>
{table(["Nhóm", "Nội dung", "Điểm", "Tối đa"], groups, "Không có nhóm nào.")}
<p class="defaults">{esc(v.defaults_note())}</p>
{signatures([("NGƯỜI LẬP PHIẾU", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG CƠ QUAN ĐÁNH GIÁ", "(Ký, ghi rõ họ tên, đóng dấu)")])}"""
    return document(f"{heading(f.year)} — {u['unit_name']}", body)
