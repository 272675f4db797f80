"""History, restore, approve (lock), return with a reason, reopen; preview before commit."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import table_digest
from test_ingest import GOOD, edit

from dcmetrics import scoring
from dcmetrics.errors import Conflict, NotFound, ValidationError
from dcmetrics.ingest import commit as ingest


def current_value(store, unit="99001", indicator="TRAIN_STAFF", year=2024):
    return store.rows("SELECT o.value FROM observations o JOIN submissions s ON s.id = o.submission_id "
                      "WHERE s.state = 'current' AND o.unit_code = $u AND o.year = $y AND o.indicator = $i",
                      {"u": unit, "y": year, "i": indicator})


def test_restore_brings_back_an_earlier_file(fresh_sample_store):
    store = fresh_sample_store
    first_id = store.rows("SELECT id FROM submissions WHERE area_code = '991' AND year = 2024")[0][0]
    before = current_value(store)
    ingest.import_file(store, edit(GOOD, 2, "TRAIN_STAFF", "12.5"), "sua.csv", 2024, "canbo.991", area_code="991")
    assert current_value(store) == [(12.5,)]
    hist = ingest.history(store, "thamdinh.tinh", "991", 2024)
    assert hist["state"].to_list() == ["current", "replaced"] and hist["file_name"][0] == "sua.csv"
    ingest.restore(store, "thamdinh.tinh", first_id)
    assert current_value(store) == before
    assert ingest.history(store, "thamdinh.tinh", "991", 2024)["state"].to_list() == ["replaced", "current"]
    assert store.rows("SELECT action, acted_by FROM reviews") == [("restore", "thamdinh.tinh")]
    with pytest.raises(Conflict, match="đang là số liệu hiện hành"):
        ingest.restore(store, "thamdinh.tinh", first_id)
    with pytest.raises(NotFound, match="Không có lần gửi mã 999"):
        ingest.restore(store, "thamdinh.tinh", 999)


def test_approve_locks_until_reopened(fresh_sample_store):
    store = fresh_sample_store
    ingest.approve(store, "thamdinh.tinh", "991", 2024)
    assert ingest.history(store, "thamdinh.tinh", "991", 2024).row(0, named=True)["review_state"] == "approved"
    before = table_digest(store)
    with pytest.raises(ValidationError) as err:
        ingest.import_file(store, edit(GOOD, 2, "TRAIN_STAFF", "10"), "moi.csv", 2024, "canbo.991", area_code="991")
    assert [str(p) for p in err.value.problems] == [
        "tệp: Số liệu năm 2024 của Thành phố Mẫu An Hòa (991) đã được phê duyệt và khóa (người duyệt: thamdinh.tinh). "
        "Đề nghị người thẩm định mở lại trước khi gửi tệp mới."]
    assert table_digest(store) == before
    # a province-wide file holding units of the locked district is refused too
    with pytest.raises(ValidationError) as err:
        ingest.import_file(store, edit(GOOD, 2, "TRAIN_STAFF", "10"), "tinh.csv", 2024, "quantri.demo", area_code="99")
    assert "đã được phê duyệt và khóa" in str(err.value.problems[0])
    # another district of the same year stays open
    other = (b"ma_don_vi,ma_chi_tieu,gia_tri,nam\n99030,TRAIN_STAFF,10,2024\n")
    assert ingest.import_file(store, other, "992.csv", 2024, "canbo.992", area_code="992", dry_run=True).checked
    ingest.reopen(store, "thamdinh.tinh", "991", 2024, "Đơn vị xin sửa số liệu")
    res = ingest.import_file(store, edit(GOOD, 2, "TRAIN_STAFF", "10"), "moi.csv", 2024, "canbo.991", area_code="991")
    assert res.stored
    actions = store.rows("SELECT action, reason FROM reviews ORDER BY id")
    assert actions == [("approve", None), ("reopen", "Đơn vị xin sửa số liệu")]
    with pytest.raises(Conflict, match="chưa bị khóa"):
        ingest.reopen(store, "thamdinh.tinh", "991", 2024)


def test_return_needs_a_reason_the_uploader_sees(fresh_sample_store):
    store = fresh_sample_store
    with pytest.raises(Conflict, match="phải ghi rõ lý do"):
        ingest.return_submission(store, "thamdinh.tinh", "992", 2025, "  ")
    ingest.return_submission(store, "thamdinh.tinh", "992", 2025, "Thiếu số liệu xã Ân Phú")
    row = ingest.history(store, "thamdinh.tinh", "992", 2025).row(0, named=True)
    assert (row["review_state"], row["review_reason"], row["reviewed_by"]) == (
        "returned", "Thiếu số liệu xã Ân Phú", "thamdinh.tinh")
    with pytest.raises(NotFound, match="chưa gửi số liệu năm 2031"):
        ingest.approve(store, "thamdinh.tinh", "992", 2031)


def test_preview_scores_as_if_stored_and_changes_nothing(fresh_sample_store, profiles):
    store = fresh_sample_store
    profile = profiles["chung"]
    checked = ingest.check_file(store, edit(GOOD, 2, "TRAIN_STAFF", "0"), "x.csv", 2024, "canbo.991", "991")
    before = table_digest(store)
    pv = ingest.preview(store, checked, profile, "canbo.991")
    assert table_digest(store) == before
    row = pv.filter(pl.col("unit_code") == "99001").row(0, named=True)
    now = scoring.score(store, profile, [2024]).year(2024).filter(pl.col("unit_code") == "99001").row(0, named=True)
    assert row["total_now"] == now["total"]
    assert row["change"] < 0
    ingest.commit(store, checked, "canbo.991")
    after = scoring.score(store, profile, [2024]).year(2024).filter(pl.col("unit_code") == "99001").row(0, named=True)
    assert after["total"] == row["total"] and after["level"] == row["level"]
    assert pv.height == 25


def test_far_from_last_year_is_a_warning_not_an_error(fresh_sample_store):
    checked = ingest.check_file(fresh_sample_store, edit(GOOD, 2, "TRAIN_STAFF", "0"), "x.csv", 2024, "canbo.991", "991")
    far = [str(w) for w in checked.warnings if w.where == "dòng 2, cột «TRAIN_STAFF»"]
    assert far == ["dòng 2, cột «TRAIN_STAFF»: giá trị 0 khác xa năm 2023 (83,3); đề nghị kiểm tra lại"]
    assert not any(w.where.startswith("dòng 2,") and "PROP_PLAN" in w.where for w in checked.warnings)


def test_long_layout(fresh_sample_store):
    text = ("ma_don_vi,ma_chi_tieu,gia_tri,tu_so,mau_so,nam\n"
            "99001,TRAIN_STAFF,\"50,5\",,,2025\n"
            "99001,RESP_COMPLAINTS,,3,4,2025\n"
            "99001,\"tỷ lệ hộ gia đình  tham gia bàn, quyết định việc của cộng đồng\",70,,,2025\n"
            "99002,PROP_PLAN,Có,,,2025\n")
    checked = ingest.check_file(fresh_sample_store, text.encode(), "doc.csv", 2025, "canbo.991", "991")
    obs = {(r["unit_code"], r["indicator"]): (r["value"], r["num"], r["den"])
           for r in checked.observations.filter(pl.col("raw").is_not_null()).iter_rows(named=True)}
    assert obs[("99001", "TRAIN_STAFF")] == (50.5, None, None)
    assert obs[("99001", "RESP_COMPLAINTS")] == (None, 3.0, 4.0)
    assert obs[("99002", "PROP_PLAN")] == (1.0, None, None)
    assert obs[("99001", "RESP_HOUSEHOLDS")] == (70.0, None, None)  # matched by name, case and spaces aside
    bad = text + "99002,PROP_PLAN,Không,,,2025\n99003,KHONG_CO,1,,,2025\n"
    with pytest.raises(ValidationError) as err:
        ingest.check_file(fresh_sample_store, bad.encode(), "doc.csv", 2025, "canbo.991", "991")
    assert [f"{p}" for p in err.value.problems] == [
        "dòng 6, cột «ma_chi_tieu»: đơn vị «99002» có chỉ tiêu PROP_PLAN hai lần (dòng 5 và dòng 6)",
        "dòng 7, cột «ma_chi_tieu»: «KHONG_CO» không phải mã hay tên chỉ tiêu trong danh mục"]
