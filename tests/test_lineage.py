"""History across mergers (issue 14): a new unit's predecessors and their results, labelled as
theirs; one combined figure per year only where every predecessor was scored."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import insert_observations
from test_exact_scores import one_percent_case
from test_scoring_cases import complete_catalogue, complete_profile

from dcmetrics import access, config, lineage, scoring
from dcmetrics.framework import parse_catalogue, parse_profile
from dcmetrics.store import Store


def test_the_sample_merged_commune_shows_its_two_old_communes(sample_store, profiles):
    chung = profiles["chung"]
    preds = lineage.predecessors(sample_store, "99411")
    assert sorted(preds["old_code"]) == ["99036", "99037"]
    assert preds["share"].to_list() == [1.0, 1.0] and set(preds["share_basis"]) == {"whole"}
    h = lineage.predecessor_history(sample_store, chung, "99411", "appraised", access.SYSTEM)
    assert h.label.startswith("Kết quả của các đơn vị trước sắp xếp: ")
    assert "không phải của đơn vị này" in h.label
    assert sorted(set(h.rows["year"].to_list())) == [2023, 2024]  # the old communes ended in 2024
    for year in (2023, 2024):
        own = {c: scoring.unit_history(sample_store, chung, c, [year], "appraised")["total"][0]
               for c in ("99037", "99036")}
        row = h.combined.filter(h.combined["year"] == year).row(0, named=True)
        assert row["comparable"] and row["n_scored"] == row["n_predecessors"] == 2
        half = (Decimal(str(own["99037"])) + Decimal(str(own["99036"]))) / 2  # exact, half up
        assert row["total"] == float(half.quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert lineage.predecessor_history(sample_store, chung, "99037", "appraised", access.SYSTEM).empty


@pytest.fixture
def divided_store():
    """A → N1 whole; B divided between N1 and N2 (half each); C → N3 whole but never scored."""
    catalogue, profile, _, _ = one_percent_case("0", 2, "half_up")
    raw = complete_profile(profile)
    parsed = parse_profile(raw, parse_catalogue(complete_catalogue(catalogue, raw["document"])))
    store = Store(":memory:")
    units = [{"code": c, "type": "commune", "parent_code": "T"} for c in ("A", "B", "C", "N1", "N2", "N3")]
    insert_observations(store, units[:2], [{"unit_code": "A", "indicator": "P", "value": 80.0},
                                           {"unit_code": "B", "indicator": "P", "value": 60.0}], 2024)
    with store.transaction() as cur:
        for old, new, share in (("A", "N1", 1.0), ("B", "N1", 0.5), ("B", "N2", 0.5), ("C", "N3", 1.0)):
            cur.execute("INSERT INTO unit_lineage (old_code, new_code, effective_date, share, share_basis, is_default, "
                        "source) VALUES ($o, $n, DATE '2025-07-01', $s, 'equal', true, 'thử')",
                        {"o": old, "n": new, "s": share})
    yield store, parsed
    store.close()


@pytest.mark.parametrize(("unit", "total", "comparable"), [
    ("N1", round((80 * 1 + 60 * 0.5) / 1.5, 2), True),   # 3 → 1 style: a whole and a part
    ("N2", 60.0, True),                                   # 1 divided → 2: its half
    ("N3", None, False),                                  # no result of the predecessor: no fair comparison
])
def test_combined_figure_weighs_each_predecessor_by_its_share(divided_store, unit, total, comparable):
    store, profile = divided_store
    h = lineage.predecessor_history(store, profile, unit, "appraised", access.SYSTEM)
    if not comparable:
        assert h.combined.is_empty() or not h.combined["comparable"].any()
        return
    row = h.combined.row(0, named=True)
    assert (row["year"], row["comparable"]) == (2024, True)
    assert row["total"] == pytest.approx(total)


def test_most_improved_compares_a_merged_commune_with_its_predecessors_and_says_so(sample_store, profiles):
    from dcmetrics.dashboard import Filters
    from dcmetrics.trends import trends

    chung = profiles["chung"]
    t = trends(sample_store, access.SYSTEM, chung, Filters(2025))
    row = t.movers.filter(t.movers["unit_code"] == "99411").row(0, named=True)
    h = lineage.predecessor_history(sample_store, chung, "99411", "appraised", access.SYSTEM)
    combined_2024 = h.combined.filter(h.combined["year"] == 2024)["total"].item()
    assert row["compared_with"] == "các đơn vị trước sắp xếp (điểm gộp)"
    assert row["prev_total"] == pytest.approx(combined_2024)
    assert row["total_change"] == pytest.approx(row["total"] - combined_2024)
    merged = t.movers.filter(t.movers["compared_with"] == "các đơn vị trước sắp xếp (điểm gộp)").height
    assert merged > 50  # in 2025 the new communes and the bodies moved under a new parent
    assert t.merged_note.startswith(f"{merged} đơn vị hình thành do sắp xếp: tăng/giảm so với điểm gộp")
    assert set(t.movers.filter(t.movers["unit_code"] != "99411")["compared_with"]) <= {
        "chính đơn vị", "các đơn vị trước sắp xếp (điểm gộp)"}
    # level transitions count only units compared with themselves
    assert t.transitions["count"].sum() == t.movers.filter(t.movers["compared_with"] == "chính đơn vị").height


# ---------------------------------------------------------------- the administrator's entries

from datetime import date  # noqa: E402

import polars as pl  # noqa: E402
from conftest import STORE_KINDS, table_digest  # noqa: E402

from dcmetrics import lineage_edit  # noqa: E402
from dcmetrics.errors import AccessDenied, ValidationError  # noqa: E402
from dcmetrics.lineage_edit import LinkEntry  # noqa: E402

D = date(2025, 7, 1)
REASON = "Nghị quyết sắp xếp đơn vị hành chính cấp xã của tỉnh"


@pytest.fixture(params=STORE_KINDS)
def province(request, store_factory):
    """Old communes A, B, C, L (evaluated to 2024), M (to 2025); new N1, N2 (from 2025); K continues.
    Stored: A, B → N1 whole; C divided between N1 and N2. L and M have no successor yet. On each
    store in turn (the administrator's entries are a write path)."""
    store = store_factory(request.param, "empty")
    from dcmetrics.units import replace_units

    rows = [("P", "Tỉnh Thử", "province", None, None, None)]
    rows += [(c, f"Xã {c}", "commune", "P", None, 2024) for c in "ABCL"]
    rows += [("M", "Xã M", "commune", "P", None, 2025), ("K", "Xã K", "commune", "P", None, None),
             ("N1", "Xã Mới 1", "commune", "P", 2025, None), ("N2", "Xã Mới 2", "commune", "P", 2025, None)]
    replace_units(store, pl.DataFrame(rows, schema=["code", "name", "type", "parent_code", "active_from", "active_to"],
                                      orient="row"), access.SYSTEM)
    lineage_edit.add_links(store, access.SYSTEM, [LinkEntry("A", "N1", D), LinkEntry("B", "N1", D)], "thử")
    lineage_edit.add_links(store, access.SYSTEM, [LinkEntry("C", "N1", D), LinkEntry("C", "N2", D)], "thử")
    return store


def test_stored_links_shares_defaults_and_sources(province):
    shown = lineage_edit.links(province).sort("old_code", "new_code")
    assert shown.select("old_code", "new_code", "share", "share_basis", "is_default", "source", "reason").rows() == [
        ("A", "N1", 1.0, "whole", True, "quản trị viên (hệ thống)", "thử"),
        ("B", "N1", 1.0, "whole", True, "quản trị viên (hệ thống)", "thử"),
        ("C", "N1", 0.5, "equal", True, "quản trị viên (hệ thống)", "thử"),
        ("C", "N2", 0.5, "equal", False, "quản trị viên (hệ thống)", "thử")]
    assert shown.filter(pl.col("old_code") == "C")["new_name"].to_list() == ["Xã Mới 1", "Xã Mới 2"]


MSG_OPEN = "đã có đơn vị kế thừa nhưng chưa có năm kết thúc (active_to trống)"


@pytest.mark.parametrize(("action", "entries", "reason", "messages"), [
    ("add", [LinkEntry("Z", "N1", D)], REASON,
     ["liên kết Z → N1: mã «Z» không có trong danh sách đơn vị"]),
    ("add", [LinkEntry("N1", "N1", D)], REASON,
     ["liên kết N1 → N1: một đơn vị không thể là đơn vị kế thừa của chính nó"]),
    ("add", [LinkEntry("N1", "A", D)], REASON,
     ["đơn vị A: vòng lặp kế thừa: A → N1 → A",
      "đơn vị A: «Xã A» vừa là đơn vị đã kết thúc (có đơn vị kế thừa) vừa là đơn vị kế thừa",
      "đơn vị N1: «Xã Mới 1» vừa là đơn vị đã kết thúc (có đơn vị kế thừa) vừa là đơn vị kế thừa",
      f"đơn vị N1: «Xã Mới 1» {MSG_OPEN}"]),
    ("add", [LinkEntry("K", "N2", D)], REASON,
     [f"đơn vị K: «Xã K» {MSG_OPEN}"]),
    ("add", [LinkEntry("M", "N2", D)], REASON,
     ["liên kết M → N2: «Xã M» vẫn được đánh giá đến năm 2025 nhưng đơn vị kế thừa «Xã Mới 2» được đánh giá "
      "từ năm 2025: đơn vị đã kết thúc phải kết thúc trước năm đầu của đơn vị kế thừa"]),
    ("add", [LinkEntry("A", "N2", D, share=0.5)], REASON,
     ["đơn vị A: tổng tỷ lệ chuyển sang các đơn vị mới là 1,5, phải bằng 1 (các phần của một đơn vị cũ chuyển "
      "sang các đơn vị mới cộng lại là cả đơn vị cũ)"]),
    ("add", [LinkEntry("L", "N1", D, share=-0.5), LinkEntry("L", "N2", D, share=1.5)], REASON,
     ["liên kết L → N1: tỷ lệ chuyển sang đơn vị mới phải lớn hơn 0 và không quá 1",
      "liên kết L → N2: tỷ lệ chuyển sang đơn vị mới phải lớn hơn 0 và không quá 1"]),
    ("add", [LinkEntry("A", "N1", D)], REASON,
     ["liên kết A → N1: liên kết bị trùng: mỗi cặp đơn vị cũ → đơn vị mới chỉ có một liên kết"]),
    ("add", [LinkEntry("L", "N2")], "  ",
     ["lý do: " + lineage_edit.MSG_REASON, "liên kết L → N2: thiếu ngày hiệu lực của việc sắp xếp"]),
    ("add", [], REASON, ["liên kết: chưa chọn liên kết nào"]),
    ("update", [LinkEntry("C", "N1", is_default=False)], REASON,
     ["đơn vị C: được chia cho 2 đơn vị mới nhưng có 0 đơn vị mặc định, phải có đúng 1"]),
    ("update", [LinkEntry("C", "N1", share=0.6)], REASON,
     ["đơn vị C: tổng tỷ lệ chuyển sang các đơn vị mới là 1,1, phải bằng 1 (các phần của một đơn vị cũ chuyển "
      "sang các đơn vị mới cộng lại là cả đơn vị cũ)"]),
    ("update", [LinkEntry("L", "N1", share=1.0)], REASON, ["liên kết L → N1: không có liên kết này để sửa"]),
    ("remove", [("C", "N2")], REASON,
     ["đơn vị C: tổng tỷ lệ chuyển sang các đơn vị mới là 0,5, phải bằng 1 (các phần của một đơn vị cũ chuyển "
      "sang các đơn vị mới cộng lại là cả đơn vị cũ)"]),
    ("remove", [("L", "N1")], "", ["lý do: " + lineage_edit.MSG_REASON, "liên kết L → N1: không có liên kết này để xoá"]),
], ids=["unknown", "self", "cycle", "still-active", "overlap", "shares-add", "share-range", "duplicate",
        "reason-date", "nothing", "defaults", "shares-update", "update-unknown", "shares-remove", "remove-unknown"])
def test_each_problem_is_named_and_nothing_is_stored(province, action, entries, reason, messages):
    before = table_digest(province)
    fn = {"add": lineage_edit.add_links, "update": lineage_edit.update_links, "remove": lineage_edit.remove_links}
    with pytest.raises(ValidationError) as e:
        fn[action](province, access.SYSTEM, entries, reason)
    assert [str(p) for p in e.value.problems] == messages
    assert table_digest(province) == before


def test_a_longer_cycle_is_named_whole(province):
    with pytest.raises(ValidationError) as e:
        lineage_edit.add_links(province, access.SYSTEM, [LinkEntry("N1", "N2", D), LinkEntry("N2", "A", D)], REASON)
    assert "đơn vị A: vòng lặp kế thừa: A → N1 → N2 → A" in [str(p) for p in e.value.problems]


def test_an_old_commune_without_successor_is_listed_for_its_province_until_linked(province):
    missing = lineage_edit.unaccounted(province)
    assert missing.select("province_name", "code", "message").rows() == [
        ("Tỉnh Thử", "L", "đơn vị L: đơn vị cũ «Xã L» không có đơn vị kế thừa nào"),
        ("Tỉnh Thử", "M", "đơn vị M: đơn vị cũ «Xã M» không có đơn vị kế thừa nào")]
    version = province.data_version()
    done = lineage_edit.add_links(province, access.SYSTEM, [LinkEntry("L", "N2", D)], REASON)
    assert (done.added, [p.value for p in done.unaccounted]) == (1, ["M"])
    assert lineage_edit.unaccounted(province)["code"].to_list() == ["M"]
    assert province.data_version() == version + 1
    row = province.rows("SELECT actor, object, before_json, after_json FROM audit WHERE action = 'lineage_edit' "
                        "ORDER BY id DESC LIMIT 1")[0]
    import json

    assert row[:2] == ("(hệ thống)", "unit_lineage:L,N2")
    after = json.loads(row[3])
    assert after["reason"] == REASON
    assert after["links"] == [{"old_code": "L", "new_code": "N2", "effective_date": "2025-07-01", "share": 1.0,
                               "share_basis": "whole", "is_default": True, "source": "quản trị viên (hệ thống)"}]
    assert json.loads(row[2]) == {"links": []}


def test_changing_a_division_and_removing_a_link_are_audited_with_the_state_before(province):
    import json

    done = lineage_edit.update_links(province, access.SYSTEM, [LinkEntry("C", "N1", share=0.7, is_default=False),
                                                              LinkEntry("C", "N2", share=0.3, is_default=True)],
                                     "diện tích từng phần theo Đề án của tỉnh")
    assert done.changed == 2
    assert province.rows("SELECT new_code, share, share_basis, is_default, reason FROM unit_lineage "
                         "WHERE old_code = 'C' ORDER BY new_code") == [
        ("N1", 0.7, "entered", False, "diện tích từng phần theo Đề án của tỉnh"),
        ("N2", 0.3, "entered", True, "diện tích từng phần theo Đề án của tỉnh")]
    before = json.loads(province.rows("SELECT before_json FROM audit WHERE action = 'lineage_edit' "
                                      "ORDER BY id DESC LIMIT 1")[0][0])
    assert [(r["new_code"], r["share"]) for r in before["links"]] == [("N1", 0.5), ("N2", 0.5)]
    done = lineage_edit.remove_links(province, access.SYSTEM, [("A", "N1")], "nhập nhầm")
    assert done.removed == 1 and province.rows("SELECT count(*) FROM unit_lineage WHERE old_code = 'A'") == [(0,)]
    assert [p.value for p in done.unaccounted] == ["A", "L", "M"]


def test_only_an_administrator_enters_lineage(province):
    leader = access.Account("lanhdao.x", access.LEADER, access.ALL_AREAS, "Lãnh đạo")
    before = table_digest(province)
    for call in (lambda: lineage_edit.add_links(province, leader, [LinkEntry("L", "N2", D)], REASON),
                 lambda: lineage_edit.remove_links(province, leader, [("A", "N1")], REASON)):
        with pytest.raises(AccessDenied):
            call()
    assert table_digest(province) == before


@pytest.mark.parametrize(("text", "share"), [("", None), ("0,5", 0.5), ("0.25", 0.25), ("1/3", 1 / 3), ("40%", 0.4)])
def test_shares_as_typed(text, share):
    assert lineage_edit.parse_share(text) == (share if share is None else pytest.approx(share))


@pytest.mark.parametrize(("text", "message"), [
    ("nửa", "tỷ lệ: «nửa» không phải là tỷ lệ (ví dụ 0,5 hoặc 1/3 hoặc 50%)"),
    ("1/0", "tỷ lệ: «1/0» không phải là tỷ lệ (ví dụ 0,5 hoặc 1/3 hoặc 50%)"),
    ("1,5", "tỷ lệ: tỷ lệ «1,5» phải lớn hơn 0 và không quá 1")])
def test_a_share_that_is_not_one(text, message):
    with pytest.raises(ValidationError) as e:
        lineage_edit.parse_share(text)
    assert [str(p) for p in e.value.problems] == [message]


def test_the_unit_page_shows_a_link_the_administrator_entered(fresh_sample_store, profiles):
    from dcmetrics.dashboard import Filters, unit_detail

    store, chung = fresh_sample_store, profiles["chung"]
    f = Filters(2025, basis="self")  # (the fixture reopened 99036's district 992 for 2024: not appraised)
    lineage_edit.remove_links(store, access.SYSTEM, [("99036", "99411")], "thử xoá")
    d = unit_detail(store, chung, "99411", f, access.SYSTEM)
    assert set(d.before.rows["old_code"]) == {"99037"}
    lineage_edit.add_links(store, access.SYSTEM, [LinkEntry("99036", "99411", D)], "Nghị quyết sáp nhập xã")
    d = unit_detail(store, chung, "99411", f, access.SYSTEM)
    assert set(d.before.rows["old_code"]) == {"99037", "99036"}
    assert d.before.rows.filter(pl.col("old_code") == "99036")["year"].to_list() == [2023, 2024]
    assert "Xã Thanh Đông (99036, cả đơn vị)" in d.before.label
    assert d.before.label.endswith("Nguồn liên kết: dữ liệu mẫu; quản trị viên (hệ thống) (lý do: Nghị quyết sáp nhập xã).")


# ---------------------------------------------------------------- the administrator's page (AppTest)

from test_pages import (PAGE_DIR, _admin_credentials, _navigation_not_pages_dir, app_env, run_app,  # noqa: E402,F401
                        sample_db)


def click(at, label):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_administrator_removes_then_enters_a_link_and_the_unit_page_shows_it(app_env):
    from ui.context import get_store

    at = run_app("units_admin")
    store = get_store()
    assert "Liên kết đơn vị cũ → đơn vị mới" in [s.value for s in at.subheader]
    assert "Mọi xã cũ đều đã có đơn vị kế thừa." in [s.value for s in at.success]
    table = next(d.value for d in at.dataframe if "Mã cũ" in d.value.columns)
    shipped = (config.SAMPLE_DIR / "lineage.csv").read_text(encoding="utf-8").count("\n") - 1
    assert len(table) == store.rows("SELECT count(*) FROM unit_lineage")[0][0] == shipped
    # removing without a reason: the problem listed, nothing stored
    before = table_digest(store)
    at.selectbox(key="lineage_pick").set_value("99036").run()
    at.multiselect(key="lineage_drop").set_value(["99411"])  # inside the form: sent with the click
    click(at, "Xoá liên kết đã chọn")
    assert [e.value for e in at.error] == ["Chưa lưu gì: có 1 lỗi.\n- lý do: " + lineage_edit.MSG_REASON]
    assert table_digest(store) == before
    at.text_area(key="lineage_change_reason").input("Nhập nhầm, thử lại")
    click(at, "Xoá liên kết đã chọn")
    assert not at.error and at.success[0].value == "Đã xoá 1 liên kết của Xã Thanh Đông (99036)."
    assert [w.value for w in at.warning if "kế thừa" in w.value] == [  # (the other: the sample's notice)
        "Tỉnh Mẫu An Hòa (dữ liệu mẫu): 1 đơn vị cũ chưa có đơn vị kế thừa nào: Xã Thanh Đông (99036)"]
    # entered again with its reason
    at.selectbox(key="lineage_old").set_value("99036")
    at.multiselect(key="lineage_new").set_value(["99411"])
    at.text_area(key="lineage_reason").input("Nghị quyết sáp nhập xã Thanh Đông vào xã Thạch Thành")
    click(at, "Thêm liên kết")
    assert not at.error and at.success[0].value == "Đã thêm 1 liên kết từ Xã Thanh Đông (99036)."
    assert "Mọi xã cũ đều đã có đơn vị kế thừa." in [s.value for s in at.success]
    assert store.rows("SELECT source, reason, share_basis FROM unit_lineage WHERE old_code = '99036'") == [
        ("quản trị viên quantri", "Nghị quyết sáp nhập xã Thanh Đông vào xã Thạch Thành", "whole")]
    assert store.rows("SELECT count(*) FROM audit WHERE action = 'lineage_edit' AND actor = 'quantri'") == [(2,)]
    # the merged commune's page: both old communes again, the entry's source named
    at.session_state["unit_code"] = "99411"
    at.switch_page(f"{PAGE_DIR}/unit.py").run()
    assert not at.exception
    label = next(i.value for i in at.info if i.value.startswith("Kết quả của các đơn vị trước sắp xếp: "))
    assert "Xã Thanh Đông (99036, cả đơn vị)" in label
    assert "quản trị viên quantri (lý do: Nghị quyết sáp nhập xã Thanh Đông vào xã Thạch Thành)" in label
    rows = next(d.value for d in at.dataframe if "Đơn vị trước sắp xếp" in d.value.columns)
    assert set(rows["Mã"]) == {"99037", "99036"} and len(rows) == 4


def test_a_division_entered_in_the_form_with_shares_that_do_not_sum_to_one_is_refused(app_env):
    from ui.context import get_store

    at = run_app("units_admin")
    store = get_store()
    before = table_digest(store)
    at.selectbox(key="lineage_old").set_value("99151")
    at.multiselect(key="lineage_new").set_value(["99411", "99418"])
    at.text_input(key="lineage_shares").input("0,6; 0,3")
    at.text_area(key="lineage_reason").input("thử")
    click(at, "Thêm liên kết")
    # 99151 already goes whole into its new commune: with 0,6 and 0,3 more it would be 1,9 of itself
    assert at.error[0].value.startswith("Chưa lưu gì: có 1 lỗi.\n")
    assert "- đơn vị 99151: tổng tỷ lệ chuyển sang các đơn vị mới là 1,9, phải bằng 1" in at.error[0].value
    assert table_digest(store) == before
