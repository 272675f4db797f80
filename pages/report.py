"""Báo cáo năm: the People's Committee's annual report to the People's Council, as PDF and as
editable HTML, for the sidebar's year, profile and area (built on a click, with its progress)."""

import polars as pl
import streamlit as st

from dcmetrics.fmt import fmt_num, fmt_points
from dcmetrics.reports import annual, content, html, pdf
from ui.context import current, show_errors
from ui.downloads import File, fingerprint, offer

REPORT_KEY = "_annual_report"  # session_state: (depends, report) of the last report built

st.title("Báo cáo năm")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx

with show_errors():
    version = profile.in_force(filters.year)
    st.caption(f"{version.title} · phiên bản {version.version} · năm {filters.year}")
    st.markdown("Báo cáo của Ủy ban nhân dân gửi Hội đồng nhân dân về kết quả đánh giá mức độ thực hiện dân chủ "
                "ở cơ sở trong năm: theo năm, bộ tiêu chí và địa bàn đang chọn ở thanh bên, trên số liệu sau thẩm "
                "định (bộ lọc loại đơn vị và cơ sở tính điểm không áp dụng cho báo cáo). Tệp PDF theo thể thức văn "
                "bản hành chính; tệp HTML có cùng nội dung, sửa được trước khi in.")
    depends = fingerprint(user.username, profile.id, version.version, version.sha256, filters.year, filters.area,
                          store.data_version())

    def build():
        with st.status(f"Đang lập báo cáo năm {filters.year}…", expanded=True) as status:
            bar = st.progress(0.0)
            report = annual.build(store, user, profile, filters.year, filters.area,
                                  progress=lambda fraction, text: bar.progress(fraction, text=text))
            status.update(label="Đang dựng tệp PDF…")
            pdf_bytes = pdf.render(report)
            html_bytes = html.render_bytes(report)
            status.update(label="Đã lập xong báo cáo", state="complete", expanded=False)
        st.session_state[REPORT_KEY] = (depends, report)
        return pdf_bytes, html_bytes

    name = f"bao-cao-nam-{filters.year}-{profile.id}" + (f"-{filters.area}" if filters.area else "")
    with st.container(horizontal=True):
        offer("annual_report", [File("Tải PDF", f"{name}.pdf", "application/pdf", "report_pdf",
                                     ":material/picture_as_pdf:"),
                                File("Tải HTML (sửa được)", f"{name}.html", "text/html", "report_html",
                                     ":material/html:")],
              build, depends=depends, on_click=True, prepare_label="Lập báo cáo")

    kept = st.session_state.get(REPORT_KEY)
    if kept and kept[0] == depends:
        report = kept[1]
        s = report.summary
        st.subheader("Xem trước")
        with st.container(horizontal=True):
            st.metric("Đơn vị được đánh giá", fmt_num(s["n_units"]), border=True)
            st.metric("Được xếp loại", fmt_num(s["n_rated"]), border=True)
            st.metric("Điểm bình quân", fmt_points(s["mean_total"]), border=True)
            st.metric("Đề nghị khen thưởng", fmt_num(s["n_selected"]), border=True)
            st.metric("Bị thẩm định hạ điểm", fmt_num(s["n_appraised_down"]), border=True)
            st.metric("Chờ thẩm định", fmt_num(s["n_awaiting"]), border=True)
        for sec in content.sections(report):
            with st.expander(sec.heading, expanded=sec.key == "summary"):
                for b in sec.blocks:
                    if isinstance(b, content.Para):
                        st.markdown(f"**{b.text}**" if b.style == "bold" else b.text)
                    elif isinstance(b, content.Table) and b.rows:
                        # the document's own cells (already Vietnamese text), headers made unique for the grid
                        heads = [h if b.headers.index(h) == i else f"{h} ({i})" for i, h in enumerate(b.headers)]
                        st.dataframe(pl.DataFrame(b.rows, schema=heads, orient="row"), hide_index=True)
