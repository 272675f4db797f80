"""Chi tiết đơn vị: a unit's total, level, ranks and cap, and why."""

import polars as pl
import streamlit as st

from dcmetrics import access, config
from dcmetrics.dashboard import ranking, unit_detail
from dcmetrics.display.chooser import ALL_UNITS, unit_options
from dcmetrics.fmt import fmt_num, fmt_points, sort_vi
from dcmetrics.notice import result_notice_html
from ui import evidence as evidence_ui  # the «Minh chứng» section (issue 17)
from ui import whatif as whatif_ui  # the «Thử thay đổi số liệu» section (issue 18)
from ui.context import current, show_errors
from ui.downloads import File, fingerprint, offer
from ui.tables import vn_dataframe

st.title("Chi tiết đơn vị")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx
head = profile  # (profile becomes the version that scored the year, below)


@st.cache_resource(max_entries=16, show_spinner=False)
def _by_name(_store, _profile, _filters, _user, scope: str, data_version: int) -> pl.DataFrame:
    """The units in Vietnamese name order (a nation's 40,000 sorted again on every rerun cost a
    sixth of it), per scope and data version; a resource, read only."""
    return sort_vi(ranking(_store, _profile, _filters, _user), "unit_name")


def by_name() -> pl.DataFrame:
    access.require(store, user, access.READ_SCORES, filters.area)  # on every rerun, before the cache
    versions = tuple((v.version, v.sha256, v.effective_from) for v in profile.versions())
    return _by_name(store, profile, filters, user, repr((store.path, user.username, user.role, user.area_code,
                                                         profile.id, versions, filters)), store.data_version())


with show_errors():
    table = by_name()
    if table.is_empty():
        st.info("Không có đơn vị nào khớp bộ lọc đã chọn.", icon=":material/filter_alt_off:")
        st.stop()
    query = st.text_input("Tìm đơn vị (tên hoặc mã)", key="unit_search") if table.height > ALL_UNITS else ""
    chosen = st.session_state.get("unit_code")
    options = unit_options(table, query, chosen)
    if options.searchable:
        st.caption(options.caption())
    if not options.codes:
        st.stop()
    if chosen not in options.labels:
        st.session_state["unit_code"] = options.codes[0]
    code = st.selectbox("Đơn vị", options.codes, key="unit_code", bind="query-params",
                        format_func=options.labels.__getitem__)
    d = unit_detail(store, profile, code, filters, user)
    profile = d.version  # the version that scored the chosen year (groups, levels, clauses)
    u = d.unit
    st.subheader(u["unit_name"])
    st.caption(f"{config.UNIT_TYPE_LABELS[u['unit_type']]} · {u['parent_name'] or ''} · "
               f"{u['cluster'] or 'chưa xếp cụm thi đua'} · {profile.title} {profile.version}")
    review = table.filter(pl.col("unit_code") == code).select("review_state", "review_label").row(0, named=True)
    if review["review_state"] != "approved":
        st.warning(f"Số liệu năm {filters.year} của đơn vị: {review['review_label'].lower()}"
                   + (" — kết quả dưới đây là tự chấm, chưa qua thẩm định." if filters.basis == "self" else "."),
                   icon=":material/pending_actions:")
    with st.container(horizontal=True):
        st.metric("Tổng điểm", fmt_points(u["total"]), border=True,
                  delta=None if u["total_change"] is None else fmt_num(u["total_change"]))
        st.metric("Mức độ thực hiện", u["level"] or "Không xếp loại", border=True)
        st.metric("Hạng chung", "–" if u["rank"] is None else f"{u['rank']}/{u['n_rated']}", border=True)
        st.metric("Hạng trong địa bàn", "–" if u["rank_parent"] is None else str(u["rank_parent"]), border=True)
        st.metric("Hạng trong cụm", "–" if u["rank_cluster"] is None else str(u["rank_cluster"]), border=True)
    offer("unit_notice", [File("Phiếu kết quả (in được)", f"phieu-ket-qua-{u['unit_code']}-{filters.year}.html",
                               "text/html", "unit_notice", ":material/print:")],
          lambda: [result_notice_html(store, head, code, filters, user).encode("utf-8")],
          depends=fingerprint(user.username, head.id, code, filters, store.data_version()))
    st.caption(f"Tổng điểm chưa làm tròn: {fmt_num(u['raw_total'], 6)} · {profile.rounding.describe()} "
               f"({profile.rounding.source}).")
    if u["rated"]:
        kind, note = profile.classification_note(u["unit_type"], u["classification_cap"])
        (st.warning if kind == "none" else st.info)(note, icon=":material/gavel:")
    else:
        st.error(f"Không đủ điều kiện xếp loại: {u['not_rated_reason']}.", icon=":material/block:")
    if u["held_by"]:
        held = ", ".join(f"{g.key} ({g.name[:50]}…)" for g in profile.groups if g.key in u["held_by"].split(","))
        st.warning(f"Tổng điểm đủ mức cao hơn nhưng các nhóm sau chưa đạt mức điểm tối thiểu: {held}.",
                   icon=":material/trending_down:")
    if u["rated"] and u["level_ord"] and u["level_ord"] > 1:
        nxt = profile.levels[u["level_ord"] - 2]
        lost = (d.items.filter(pl.col("max_points") - pl.col("points") > 1e-9)
                .with_columns((pl.col("max_points") - pl.col("points")).alias("lost")).sort("lost", descending=True))
        gap = max(0.0, nxt.min_total - u["total"])
        with st.expander(f"Để đạt mức {nxt.level}: cần thêm {fmt_points(gap)} điểm"
                         + (f" và mỗi nhóm tối thiểu {fmt_num(nxt.floor * 100)} % số điểm" if nxt.floor else "")):
            vn_dataframe(lost.head(10), {"group_key": "Nhóm", "indicator_name": "Chỉ tiêu còn thiếu điểm",
                                         "points": "Điểm", "max_points": "Tối đa", "lost": "Còn thiếu"},
                         points=("points", "max_points", "lost"), key="unit_lost", alt="Chỉ tiêu còn thiếu điểm")
    if u["capped_by"]:
        st.warning(f"Mức bị giới hạn do: {u['capped_by']}.", icon=":material/warning:")
    if not u["complete"]:
        st.warning(f"Thiếu số liệu của {u['n_missing']} chỉ tiêu áp dụng (tính 0 điểm).", icon=":material/rule:")
    if u["deduction"] or u["bonus"]:
        st.caption(f"Điểm trừ: {fmt_points(u['deduction'])} · Điểm thưởng: {fmt_points(u['bonus'])}")

    st.subheader("Tự chấm và sau thẩm định")
    bases = d.bases.with_columns(pl.col("basis").replace({"self": "Tự chấm", "appraised": "Sau thẩm định"}))
    vn_dataframe(bases, {"basis": "Cơ sở", "total": "Tổng điểm", "level": "Mức độ",
                         **{g.key: g.key for g in profile.groups}},
                 points=("total", *[g.key for g in profile.groups]), alt="Điểm tự chấm và sau thẩm định")
    if d.bases.height == 2:
        own, appr = d.bases.row(1, named=True), d.bases.row(0, named=True)
        if own["total"] != appr["total"] or own["level"] != appr["level"]:
            st.caption(f"Thẩm định thay đổi tổng điểm {fmt_num(appr['total'] - own['total'])} điểm "
                       f"({own['level']} → {appr['level']}). Lý do ở cột «Lý do thẩm định» bên dưới.")

    st.subheader("Điểm theo nhóm")
    vn_dataframe(d.groups, {"group_key": "Nhóm", "number": "Mục", "name": "Nội dung", "points": "Điểm",
                            "max_points": "Tối đa", "peer_median": "Trung vị cùng loại",
                            "area_best": "Cao nhất địa bàn", "clause": "Vị trí trong văn bản",
                            "points_source": "Nguồn của điểm nhóm"},
                 points=("points", "max_points", "peer_median", "area_best"), alt="Điểm theo nhóm")

    st.subheader("Từng chỉ tiêu")
    items = d.items.with_columns(
        pl.when(pl.col("kind") == "ratio").then(
            pl.col("num").cast(pl.Int64).cast(pl.String) + "/" + pl.col("den").cast(pl.Int64).cast(pl.String))
        .otherwise(pl.col("value").map_elements(fmt_num, return_dtype=pl.String)).alias("shown_value"),
        pl.when(pl.col("use_appraisal")).then(pl.lit("Thẩm định")).otherwise(pl.lit("Tự chấm")).alias("source"),
        pl.when(pl.col("kind") == "ratio").then(
            pl.col("self_num").cast(pl.Int64).cast(pl.String) + "/" + pl.col("self_den").cast(pl.Int64).cast(pl.String))
        .otherwise(pl.col("self_value").map_elements(fmt_num, return_dtype=pl.String)).alias("self_shown"),
        pl.when(pl.col("not_applicable")).then(pl.lit("Không phát sinh"))
        .when(pl.col("missing")).then(pl.lit("Thiếu")).otherwise(pl.lit("")).alias("note"))
    vn_dataframe(items, {"group_key": "Nhóm", "indicator": "Mã", "indicator_name": "Chỉ tiêu",
                         "shown_value": "Giá trị", "source": "Nguồn", "rule_text": "Cách chấm",
                         "self_shown": "Tự chấm", "appraisal_reason": "Lý do thẩm định",
                         "attainment": "Mức đạt", "points": "Điểm", "max_points": "Tối đa", "note": "Ghi chú",
                         "clause": "Điều khoản nêu biện pháp", "rule_source": "Nguồn của cách chấm"},
                 points=("points", "max_points", "attainment"), alt="Điểm từng chỉ tiêu")

    st.subheader("Qua các năm")
    vn_dataframe(d.history, {"year": "Năm", "total": "Tổng điểm", "level": "Mức độ", "rank": "Hạng",
                             "framework_version": "Phiên bản bộ tiêu chí"},
                 points=("total",), alt="Điểm qua các năm")
    if d.before is not None and not d.before.empty:
        st.subheader("Trước sắp xếp")
        st.info(d.before.label, icon=":material/call_merge:")
        combined = d.before.combined.with_columns(
            pl.when(pl.col("comparable")).then(pl.lit("Điểm gộp của các đơn vị trước sắp xếp"))
            .otherwise(pl.format("Không đủ để so sánh: {}/{} đơn vị cũ có điểm", pl.col("n_scored"),
                                 pl.col("n_predecessors"))).alias("what"))
        vn_dataframe(combined, {"year": "Năm", "what": "Kết quả", "total": "Điểm gộp"}, points=("total",),
                     key="before_combined", alt="Điểm gộp của các đơn vị trước sắp xếp")
        vn_dataframe(d.before.rows, {"year": "Năm", "old_name": "Đơn vị trước sắp xếp", "old_code": "Mã",
                                     "total": "Tổng điểm của đơn vị cũ", "level": "Mức độ của đơn vị cũ"},
                     points=("total",), key="before_rows", alt="Kết quả của từng đơn vị trước sắp xếp")

    st.subheader("Nguồn số liệu")
    sources = d.sources.with_columns(
        pl.col("state").replace({"current": "Đang dùng", "replaced": "Đã thay thế"}))
    vn_dataframe(sources, {"file_name": "Tệp", "area_name": "Địa bàn gửi", "sent_by": "Người gửi",
                             "sent_at": "Thời điểm", "state": "Trạng thái", "n_values": "Số ô"},
                 alt="Tệp đã gửi")

    whatif_ui.unit_section(store, user, head, code, filters.year, filters.basis)  # what-if (issue 18)
    evidence_ui.unit_section(store, user, code, filters.year)  # «Minh chứng» (issue 17)
