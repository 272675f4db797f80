"""The data-quality page through AppTest: a reviewer of the sample province sees the findings the
core computes, marks one reviewed with a note, and the count of findings not yet seen drops."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import polars as pl
from test_login_pages import login, login_waits  # noqa: F401 (fixture)
from test_pages import (  # noqa: F401 (fixtures)
    PAGE_DIR,
    _admin_credentials,
    _navigation_not_pages_dir,
    app_env,
    frame_with,
    sample_db,
)

from dcmetrics import framework
from dcmetrics.analysis import quality


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_reviewer_sees_findings_marks_one_and_the_count_drops(app_env):  # noqa: F811 (the fixture)
    from ui.context import get_store

    at = login("thamdinh.tinh")
    at.switch_page(f"{PAGE_DIR}/quality.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Kiểm tra chất lượng số liệu"
    store = get_store()
    year = at.session_state["_context"][1].year
    expected = quality.findings(store, "thamdinh.tinh", framework.load_profiles()["chung"], year)
    assert expected.height > 0
    jumps = expected.filter(pl.col("kind") == quality.JUMP).height
    assert _metric(at, quality.KIND_LABELS[quality.JUMP]) == str(jumps)
    assert any("mặc định của phần mềm — chưa có văn bản quy định" in i.value for i in at.info)
    shown = frame_with(at, "Giải thích", "Trang đơn vị").value
    assert len(shown) == expected.height
    assert set(shown["Giải thích"]) == set(expected["sentence"])
    first = expected.row(0, named=True)
    # the URL carries each bound box's option as shown: «name (code)», the profile's title
    link = parse_qs(urlparse(shown["Trang đơn vị"].iloc[0]).query)
    assert link == {"year": [str(year)], "profile": [framework.load_profiles()["chung"].title],
                    "unit_code": [f"{first['unit_name']} ({first['unit_code']})"]}
    file_link = parse_qs(urlparse(shown["Thẩm định tệp"].iloc[0]).query)
    area_name = store.rows("SELECT name FROM units WHERE code = $c", {"c": first["submission_area"]})[0][0]
    assert file_link == {"review_year": [str(year)], "review_area": [area_name]}

    # a note is required
    at.selectbox(key="quality_pick").set_value(first["finding_key"])
    at.button(key="quality_mark").click().run()
    assert [e.value for e in at.error] == ["Hãy ghi chú vì sao phát hiện này đã được xem (bắt buộc)."]

    at.text_area(key="quality_note").set_value("Đã đối chiếu biên bản: số liệu đúng.")
    at.button(key="quality_mark").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Đã đánh dấu đã xem" in s.value for s in at.success)
    kind = first["kind"]
    before = expected.filter(pl.col("kind") == kind).height
    assert _metric(at, quality.KIND_LABELS[kind]) == str(before - 1)
    assert len(frame_with(at, "Giải thích", "Trang đơn vị").value) == expected.height - 1  # «Chưa xem» shown by default
    assert store.rows("SELECT unit_code, note, reviewed_by FROM quality_reviews WHERE finding_key = $k",
                      {"k": first["finding_key"]}) == [
        (first["unit_code"], "Đã đối chiếu biên bản: số liệu đúng.", "thamdinh.tinh")]
