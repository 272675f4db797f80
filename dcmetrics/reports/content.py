"""The annual report's text, tables and charts as plain blocks, in reading order.

Both renderers (reports.pdf, reports.html) draw these same blocks, so the PDF and the HTML hold the
same words and figures. Every number is formatted here, Vietnamese style (dcmetrics.fmt). Numbers no
resolution gives (bands, floors, commendation rules, vetoes, rounding) carry their source: the
province's decision or «mặc định của phần mềm — chưa có văn bản quy định»; quotes come only from the
profile's sources, verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dcmetrics.display.charts import Bars, Stacked  # noqa: F401  (blocks of the report)
from dcmetrics.fmt import EMPTY, fmt_num, fmt_pct, fmt_points
from dcmetrics.palette import NOT_RATED
from dcmetrics.proposal import NOT_A_DECISION
from dcmetrics.reports.annual import AnnualReport

TITLE = "BÁO CÁO"
NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NUMBER_LINE = "Số: ……/BC-UBND"
DATE_LINE = "……, ngày …… tháng …… năm ……"
SIGN_FOR = "TM. ỦY BAN NHÂN DÂN"
SIGN_ROLE = "CHỦ TỊCH"
SIGN_HINT = "(Ký, ghi rõ họ tên, đóng dấu)"
DRAFT_NOTE = ("Dự thảo do phần mềm lập từ số liệu đã lưu; số, ngày, nơi nhận và chữ ký do văn phòng "
              "Ủy ban nhân dân hoàn thiện trước khi ban hành.")

MAX_ROWS = 100        # rows of a list printed; the rest counted (the pages list every unit)
MAX_CHART_ROWS = 30   # bars of a chart by area or unit type

HEADINGS = {
    "summary": "I. KẾT QUẢ CHUNG",
    "targets": "II. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU CỦA NGHỊ QUYẾT",
    "levels": "III. PHÂN LOẠI MỨC ĐỘ THỰC HIỆN",
    "areas": "IV. KẾT QUẢ THEO ĐỊA BÀN VÀ THEO LOẠI ĐƠN VỊ",
    "units": "V. ĐƠN VỊ DẪN ĐẦU VÀ ĐƠN VỊ CẦN CỐ GẮNG",
    "violations": "VI. VI PHẠM VÀ ĐIỀU KIỆN LOẠI TRỪ",
    "commendation": "VII. ĐƠN VỊ ĐƯỢC ĐỀ NGHỊ KHEN THƯỞNG",
    "completeness": "VIII. TIẾN ĐỘ NỘP SỐ LIỆU",
    "review": "IX. THẨM ĐỊNH SỐ LIỆU",
    "defaults": "X. CĂN CỨ VÀ NGUỒN CỦA CÁC CON SỐ",
}


@dataclass(frozen=True)
class Para:
    text: str
    style: str = "normal"  # normal | italic | bold | note (small italic) | quote


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]            # relative widths
    numeric: tuple[int, ...] = ()  # right-aligned columns
    empty: str = "Không có."


@dataclass
class Section:
    key: str
    heading: str
    blocks: list = field(default_factory=list)


def n(x) -> str:
    return fmt_num(x, 0) if x is not None else EMPTY


def signed(x, points: bool = False) -> str:
    if x is None:
        return EMPTY
    text = fmt_points(abs(x)) if points else fmt_num(abs(x), 0)
    return ("+" if x > 0 else "−" if x < 0 else "") + text


def issuer_lines(r: AnnualReport) -> list[str]:
    return ["ỦY BAN NHÂN DÂN", r.issuer_name.upper()]


def subtitle(r: AnnualReport) -> str:
    return f"Kết quả đánh giá mức độ thực hiện dân chủ ở cơ sở năm {r.year}"


def addressee(r: AnnualReport) -> str:
    return f"Kính gửi: Hội đồng nhân dân {r.issuer_name}"


def recipients(r: AnnualReport) -> list[str]:
    return ["Như trên;", f"Thường trực HĐND {r.issuer_name};", "Các Ban của HĐND;",
            "Ủy ban MTTQ Việt Nam cùng cấp;", "Chủ tịch, các Phó Chủ tịch UBND;", "Lưu: VT."]


def more_rows(k: int) -> str:
    return f"… và {fmt_num(k, 0)} dòng khác (danh sách đầy đủ trên các trang Xếp hạng, Thi đua – Khen thưởng, Tiến độ nộp số liệu)."


def sections(r: AnnualReport) -> list[Section]:
    out = [_summary(r), _targets(r), _levels(r), _areas(r), _units(r), _violations(r), _commendation(r),
           _completeness(r), _review(r), _defaults(r)]
    for sec in out:  # a national report lists thousands of units: the first MAX_ROWS, and how many more
        blocks = []
        for b in sec.blocks:
            if isinstance(b, Table) and len(b.rows) > MAX_ROWS:
                blocks += [replace(b, rows=b.rows[:MAX_ROWS]), Para(more_rows(len(b.rows) - MAX_ROWS), "note")]
            else:
                blocks.append(b)
        sec.blocks = blocks
    return out


def _summary(r: AnnualReport) -> Section:
    s = r.summary
    scope = "toàn bộ đơn vị" if r.area_code is None else f"các đơn vị thuộc {r.area_name}"
    mean = f"điểm bình quân {fmt_points(s['mean_total'])} điểm"
    if s["mean_change"] is not None and r.prev_year is not None:
        mean += f" ({signed(s['mean_change'], points=True)} điểm so với năm {r.prev_year})"
    out = Section("summary", HEADINGS["summary"], [
        Para(f"Năm {r.year}, {scope} được đánh giá theo bộ tiêu chí «{r.profile_title}», phiên bản "
             f"{r.profile_version}; văn bản nguồn: {r.document_title} ({r.document_issuer})."),
        Para(f"Có {n(s['n_units'])} đơn vị có kết quả đánh giá, {n(s['n_complete'])} đơn vị đủ số liệu, "
             f"{n(s['n_rated'])} đơn vị được xếp loại, {n(s['n_not_rated'])} đơn vị không đủ điều kiện xếp loại; "
             f"{mean}."),
        Para("Kết quả trong báo cáo tính trên số liệu sau thẩm định (chỉ số liệu đã được phê duyệt)."),
    ])
    if r.awaiting["sentence"]:
        out.blocks.append(Para(r.awaiting["sentence"], "italic"))
    return out


def _targets(r: AnnualReport) -> Section:
    sec = Section("targets", HEADINGS["targets"])
    if not r.targets:
        sec.blocks.append(Para("Bộ tiêu chí không ghi mục tiêu định lượng nào của văn bản nguồn để đối chiếu."))
        return sec
    rows = []
    for t in r.targets:
        measured = t["indicator"] is not None
        rows.append([t["key"], t["text"], t["clause"], f"{fmt_num(t['goal'])} %",
                     n(t["n_units"]) if measured else EMPTY, n(t["n_met"]) if measured else EMPTY,
                     fmt_pct(t["share_met"]) if measured else "chưa có chỉ tiêu đo",
                     f"{fmt_num(t['gap'], 1)} điểm %" if t["gap"] is not None else EMPTY])
    sec.blocks += [
        Para("Tỷ lệ đơn vị đạt từng mục tiêu: đơn vị đạt khi chỉ tiêu đo mục tiêu đạt trọn điểm; chỉ tính "
             "các đơn vị mà chỉ tiêu áp dụng."),
        Table(["Mục", "Mục tiêu", "Điều khoản", "Chỉ tiêu", "Số đơn vị áp dụng", "Số đơn vị đạt", "Tỷ lệ đạt",
               "Còn thiếu"], rows, [7, 40, 20, 10, 11, 10, 11, 11], numeric=(3, 4, 5, 6, 7)),
        Para("Nguồn của chỉ tiêu (mức phải đạt) từng mục:", "bold"),
        *[Para(f"Mục {t['key']}: {t['source']}", "note") for t in r.targets],
    ]
    return sec


def _levels(r: AnnualReport) -> Section:
    prev = r.prev_year
    rows = [[lv["level"], n(lv["count"]), fmt_pct(lv["share"]), n(lv["prev_count"]), signed(lv["change"])]
            for lv in r.levels]
    total = sum(lv["count"] for lv in r.levels)
    prev_total = None if prev is None else sum(lv["prev_count"] or 0 for lv in r.levels)
    rows.append(["Cộng", n(total), fmt_pct(1.0 if total else None), n(prev_total),
                 signed(None if prev_total is None else total - prev_total)])
    series = [(f"Năm {r.year}", [lv["count"] for lv in r.levels])]
    if prev is not None:
        series.append((f"Năm {prev}", [lv["prev_count"] or 0 for lv in r.levels]))
    cats = [lv["level"] for lv in r.levels]
    return Section("levels", HEADINGS["levels"], [
        Bars(f"Số đơn vị theo mức độ thực hiện, năm {r.year}" + (f" và năm {prev}" if prev else ""), cats,
             series, [r.colors[c] for c in cats]),
        Table(["Mức độ", f"Năm {r.year}", "Tỷ lệ", f"Năm {prev}" if prev else "Năm trước", "Tăng/giảm"], rows,
              [30, 15, 15, 15, 15], numeric=(1, 2, 3, 4)),
        Para("Tỷ lệ tính trên số đơn vị được xếp loại. Năm trước: các đơn vị bộ tiêu chí đánh giá năm đó, theo "
             "phiên bản áp dụng năm đó" + ("" if prev else " (chưa có kết quả năm trước)") + ".", "note"),
        Para(f"Ngưỡng điểm của các mức: {_bands_source(r)}", "note"),
    ])


def _bands_source(r: AnnualReport) -> str:
    labels = [x["source"] for x in r.defaults["numbers"]["default"] + r.defaults["numbers"]["decision"]
              + r.defaults["numbers"]["clause"] if x["what"].startswith("Mức «")]
    return "; ".join(dict.fromkeys(labels)) or EMPTY


def _level_table(rows: list[dict], key: str, label: str, order: list[str]) -> Table:
    body = [[row[key], *[n(row["counts"].get(lv, 0)) for lv in order], n(row["total"])] for row in rows]
    return Table([label, *order, "Cộng"], body, [34, *[12] * len(order), 10],
                 numeric=tuple(range(1, len(order) + 2)))


def _areas(r: AnnualReport) -> Section:
    order = [lv for lv in r.level_order if lv != NOT_RATED or any(
        x["counts"].get(NOT_RATED) for x in r.by_area + r.by_type)]
    return Section("areas", HEADINGS["areas"], [
        Para("1. Theo địa bàn", "bold"),
        Stacked("Tỷ lệ đơn vị theo mức độ, từng địa bàn",
                [(x["area_name"], x["counts"]) for x in r.by_area], order, r.colors),
        _level_table(r.by_area, "area_name", "Địa bàn", order),
        Para("2. Theo loại đơn vị", "bold"),
        Stacked("Tỷ lệ đơn vị theo mức độ, từng loại đơn vị",
                [(x["unit_type"], x["counts"]) for x in r.by_type], order, r.colors),
        _level_table(r.by_type, "unit_type", "Loại đơn vị", order),
    ])


def _unit_table(rows: list[dict]) -> Table:
    body = [[n(u["rank"]), u["unit_name"], u["parent_name"] or EMPTY, u["unit_type"], fmt_points(u["total"]),
             u["level"]] for u in rows]
    return Table(["Hạng", "Đơn vị", "Trực thuộc", "Loại", "Tổng điểm", "Mức"], body, [8, 32, 22, 22, 10, 10],
                 numeric=(0, 4))


def _units(r: AnnualReport) -> Section:
    return Section("units", HEADINGS["units"], [
        Para(f"1. {len(r.leading)} đơn vị dẫn đầu", "bold"), _unit_table(r.leading),
        Para(f"2. {len(r.lagging)} đơn vị điểm thấp nhất (cần cố gắng)", "bold"), _unit_table(r.lagging),
        Para("Đơn vị cùng điểm có cùng hạng (1, 2, 2, 4); hạng tính trong các đơn vị bộ tiêu chí đánh giá.", "note"),
    ])


def _violations(r: AnnualReport) -> Section:
    sec = Section("violations", HEADINGS["violations"])
    if r.vetoes:
        sec.blocks += [Para("1. Điều kiện loại trừ, hạ mức của bộ tiêu chí", "bold"), Table(
            ["Chỉ tiêu", "Điều kiện", "Hệ quả", "Lý do", "Nguồn", "Số đơn vị"],
            [[f"{v['indicator']} — {v['indicator_name']}", v["condition"], v["effect"], v["reason"], v["source"],
              n(v["n_units"])] for v in r.vetoes], [24, 10, 14, 24, 20, 8], numeric=(5,))]
    else:
        sec.blocks.append(Para("1. Bộ tiêu chí không có điều kiện loại trừ, hạ mức."))
    sec.blocks += [
        Para("2. Đơn vị bị hạ mức do điều kiện loại trừ", "bold"),
        Table(["Đơn vị", "Trực thuộc", "Tổng điểm", "Mức", "Lý do"],
              [[u["unit_name"], u["parent_name"] or EMPTY, fmt_points(u["total"]), u["level"], u["reason"]]
               for u in r.capped], [28, 20, 10, 12, 30], numeric=(2,), empty="Không có đơn vị nào."),
        Para("3. Đơn vị không đủ điều kiện xếp loại", "bold"),
        Table(["Đơn vị", "Trực thuộc", "Tổng điểm", "Lý do"],
              [[u["unit_name"], u["parent_name"] or EMPTY, fmt_points(u["total"]), u["reason"]]
               for u in r.not_rated], [30, 22, 10, 38], numeric=(2,), empty="Không có đơn vị nào."),
        Para("4. Đơn vị còn vi phạm về thực hiện dân chủ ở cơ sở chưa được xử lý", "bold"),
        Table(["Đơn vị", "Trực thuộc", "Mức", "Số vi phạm chưa xử lý"],
              [[u["unit_name"], u["parent_name"] or EMPTY, u["level"], n(u["n_unhandled"])] for u in r.violations],
              [36, 30, 14, 20], numeric=(3,), empty="Không có đơn vị nào."),
        Para("Vi phạm chưa xử lý: số vi phạm phát hiện trừ số đã xử lý (theo số liệu đơn vị báo cáo, đã thẩm định).",
             "note"),
    ]
    return sec


def _commendation(r: AnnualReport) -> Section:
    c = r.commendation
    return Section("commendation", HEADINGS["commendation"], [
        Para(f"Theo điều kiện đề nghị khen thưởng của bộ tiêu chí, {n(c['n_selected'])} trong {n(c['n_rated'])} "
             f"đơn vị được xếp loại đủ điều kiện đề nghị:"),
        *[Para(f"– {line}") for line in c["rules"]],
        Para(c["ties"], "note"),
        Para(f"Nguồn của các điều kiện: {c['source']}", "note"),
        Table(["STT", "Đơn vị", "Trực thuộc", "Tổng điểm", "Mức", "Lý do"],
              [[str(i), u["unit_name"], u["parent_name"] or EMPTY, fmt_points(u["total"]), u["level"], u["reasons"]]
               for i, u in enumerate(c["units"], 1)], [6, 24, 18, 10, 8, 34], numeric=(0, 3),
              empty="Không có đơn vị nào đủ điều kiện."),
        Para(NOT_A_DECISION, "italic"),
    ])


def _completeness(r: AnnualReport) -> Section:
    t = r.completeness["totals"]
    return Section("completeness", HEADINGS["completeness"], [
        Para(f"{n(t['units_sent'])}/{n(t['units'])} đơn vị đã gửi số liệu; {n(t['n_submitted'])}/"
             f"{n(t['n_expected'])} số liệu phải nộp đã nộp ({fmt_pct(t['pct_submitted'])}), trong đó nộp muộn "
             f"{n(t['n_late'])}; đã phê duyệt {n(t['n_approved'])} số liệu ({fmt_pct(t['pct_approved'])}), "
             f"{n(t['units_approved'])} đơn vị."),
        Para(r.completeness["period_text"], "italic"),
        Table(["Địa bàn", "Số đơn vị", "Đã gửi", "Đã phê duyệt", "Số liệu phải nộp", "Đã nộp", "Còn thiếu",
               "Tỷ lệ đã nộp", "Tỷ lệ đã duyệt"],
              [[a["area_name"], n(a["units"]), n(a["units_sent"]), n(a["units_approved"]), n(a["n_expected"]),
                n(a["n_submitted"]), n(a["n_missing"]), fmt_pct(a["pct_submitted"]), fmt_pct(a["pct_approved"])]
               for a in r.completeness["areas"]], [28, 9, 9, 10, 10, 9, 9, 8, 8], numeric=tuple(range(1, 9))),
    ])


def _review(r: AnnualReport) -> Section:
    down = r.appraised_down
    lowered = sum(1 for u in down if u["level_lowered"])
    return Section("review", HEADINGS["review"], [
        Para(f"1. Đơn vị bị thẩm định hạ điểm: {n(len(down))} đơn vị có tổng điểm sau thẩm định thấp hơn điểm "
             f"tự chấm, trong đó {n(lowered)} đơn vị bị hạ mức.", "bold"),
        Table(["Đơn vị", "Trực thuộc", "Điểm tự chấm", "Sau thẩm định", "Giảm", "Mức tự chấm", "Mức sau thẩm định"],
              [[u["unit_name"], u["parent_name"] or EMPTY, fmt_points(u["self_total"]), fmt_points(u["total"]),
                fmt_points(u["drop"]), u["self_level"], u["level"]] for u in down],
              [26, 20, 10, 10, 8, 13, 13], numeric=(2, 3, 4), empty="Không có đơn vị nào."),
        Para(f"2. Đơn vị có số liệu chưa được phê duyệt: {n(len(r.awaiting['units']))} đơn vị (chưa có trong kết "
             "quả sau thẩm định).", "bold"),
        Table(["Đơn vị", "Trực thuộc", "Loại", "Trạng thái", "Điểm tự chấm"],
              [[u["unit_name"], u["parent_name"] or EMPTY, u["unit_type"], u["review_label"],
                fmt_points(u["self_total"])] for u in r.awaiting["units"]], [30, 24, 22, 12, 12], numeric=(4,),
              empty="Không có đơn vị nào."),
    ])


def _defaults(r: AnnualReport) -> Section:
    d = r.defaults
    sec = Section("defaults", HEADINGS["defaults"])
    if r.criteria:
        sec.blocks.append(Para("1. Văn bản nói về việc sử dụng kết quả đánh giá (trích nguyên văn):", "bold"))
        for c in r.criteria:
            sec.blocks.append(Para(f"{c['doc_title']}, {c['clause']}: «{c['quote']}» — áp dụng cho {c['subjects']} "
                                   f"({', '.join(c['unit_types'])}).", "quote"))
    else:
        sec.blocks.append(Para("1. Bộ tiêu chí chưa ghi văn bản nói kết quả được dùng vào việc đánh giá, xếp loại "
                               "như thế nào.", "bold"))
    counts = {k: len(v) for k, v in d["numbers"].items()}
    sec.blocks += [
        Para("2. Nguồn của các con số trong bộ tiêu chí", "bold"),
        Table(["Nguồn", "Số con số"], [[d["kinds"][k], n(counts[k])] for k in d["kinds"]], [80, 20], numeric=(1,)),
        Para("Các văn bản nguồn không quy định điểm số, ngưỡng xếp mức, đề xuất xếp loại hay điều kiện khen "
             "thưởng: các con số đó là lựa chọn của tỉnh hoặc mặc định của phần mềm, ghi rõ dưới đây.", "italic"),
        Table(["Con số", "Giá trị", "Nguồn"],
              [[x["what"], x["value"], x["source"]] for k in ("decision", "default") for x in d["numbers"][k]],
              [30, 42, 28], empty="Không có con số nào ngoài văn bản."),
        Para(f"Làm tròn: {d['rounding']}.", "note"),
    ]
    if d["note"]:
        sec.blocks.append(Para(d["note"], "note"))
    return sec
