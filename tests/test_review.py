"""History, restore, approve (lock), return with a reason, reopen; preview before commit."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import table_digest
from test_ingest import GOOD, edit

from dcmetrics import scoring
from dcmetrics.audit import SYSTEM_ACTOR  # the sample's approvals and the fixture's reopenings
from dcmetrics.errors import Conflict, NotFound, ValidationError
from dcmetrics.ingest import commit as ingest


def current_value(store, unit="99001", indicator="TRAIN_STAFF", year=2024):
    return store.rows("SELECT o.value FROM observations o JOIN submissions s ON s.id = o.submission_id "
                      "WHERE s.state = 'current' AND o.unit_code = $u AND o.year = $y AND o.indicator = $i",
                      {"u": unit, "y": year, "i": indicator})


def test_restore_brings_back_an_earlier_file(any_fresh_sample_store):
    store = any_fresh_sample_store
    first_id = store.rows("SELECT id FROM submissions WHERE area_code = '991' AND year = 2024")[0][0]
    before = current_value(store)
    ingest.import_file(store, edit(GOOD, 2, "TRAIN_STAFF", "12.5"), "sua.csv", 2024, "canbo.991", area_code="991")
    assert current_value(store) == [(12.5,)]
    hist = ingest.history(store, "thamdinh.tinh", "991", 2024)
    assert hist["state"].to_list() == ["current", "replaced"] and hist["file_name"][0] == "sua.csv"
    ingest.restore(store, "thamdinh.tinh", first_id)
    assert current_value(store) == before
    assert ingest.history(store, "thamdinh.tinh", "991", 2024)["state"].to_list() == ["replaced", "current"]
    assert store.rows(f"SELECT action, acted_by FROM reviews WHERE acted_by <> '{SYSTEM_ACTOR}'") == [("restore", "thamdinh.tinh")]
    with pytest.raises(Conflict, match="đang là số liệu hiện hành"):
        ingest.restore(store, "thamdinh.tinh", first_id)
    with pytest.raises(NotFound, match="Không có lần gửi mã 999"):
        ingest.restore(store, "thamdinh.tinh", 999)


def test_approve_locks_until_reopened(any_fresh_sample_store):
    store = any_fresh_sample_store
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
    actions = store.rows(f"SELECT action, reason FROM reviews WHERE acted_by <> '{SYSTEM_ACTOR}' ORDER BY id")
    assert actions == [("approve", None), ("reopen", "Đơn vị xin sửa số liệu")]
    with pytest.raises(Conflict, match="chưa bị khóa"):
        ingest.reopen(store, "thamdinh.tinh", "991", 2024)


def test_return_needs_a_reason_the_uploader_sees(any_fresh_sample_store):
    store = any_fresh_sample_store
    with pytest.raises(Conflict, match="phải ghi rõ lý do"):
        ingest.return_submission(store, "thamdinh.tinh", "992", 2024, "  ")
    ingest.return_submission(store, "thamdinh.tinh", "992", 2024, "Thiếu số liệu xã Ân Phú")
    row = ingest.history(store, "thamdinh.tinh", "992", 2024).row(0, named=True)
    assert (row["review_state"], row["review_reason"], row["reviewed_by"]) == (
        "returned", "Thiếu số liệu xã Ân Phú", "thamdinh.tinh")
    with pytest.raises(NotFound, match="chưa gửi số liệu năm 2031"):
        ingest.approve(store, "thamdinh.tinh", "992", 2031)


def test_preview_scores_as_if_stored_and_changes_nothing(any_fresh_sample_store, profiles):
    store = any_fresh_sample_store
    profile = profiles["chung"]
    in_force = profile.in_force(2024)  # what the preview scores 2024 by (the head is a later version)
    checked = ingest.check_file(store, edit(GOOD, 2, "TRAIN_STAFF", "0"), "x.csv", 2024, "canbo.991", "991")
    before = table_digest(store)
    # the self-assessed basis: the district's reopened figures await review (not in the appraised one)
    pv = ingest.preview(store, checked, profile, "canbo.991", basis="self")
    assert table_digest(store) == before
    row = pv.filter(pl.col("unit_code") == "99001").row(0, named=True)
    now = scoring.score(store, in_force, [2024], "self").year(2024).filter(pl.col("unit_code") == "99001").row(0, named=True)
    assert row["total_now"] == now["total"]
    assert row["change"] < 0
    ingest.commit(store, checked, "canbo.991")
    after = scoring.score(store, in_force, [2024], "self").year(2024).filter(pl.col("unit_code") == "99001").row(0, named=True)
    assert after["total"] == row["total"] and after["level"] == row["level"]
    assert pv.height == 25


def test_far_from_last_year_is_a_warning_not_an_error(any_fresh_sample_store):
    checked = ingest.check_file(any_fresh_sample_store, edit(GOOD, 2, "TRAIN_STAFF", "0"), "x.csv", 2024, "canbo.991", "991")
    far = [str(w) for w in checked.warnings if w.where == "dòng 2, cột «TRAIN_STAFF»"]
    assert far == ["dòng 2, cột «TRAIN_STAFF»: giá trị 0 khác xa năm 2023 (83,3); đề nghị kiểm tra lại"]
    assert not any(w.where.startswith("dòng 2,") and "PROP_PLAN" in w.where for w in checked.warnings)


def test_long_layout(any_fresh_sample_store):
    text = ("ma_don_vi,ma_chi_tieu,gia_tri,tu_so,mau_so,nam\n"
            "99001,TRAIN_STAFF,\"50,5\",,,2024\n"
            "99001,RESP_COMPLAINTS,,3,4,2024\n"
            "99001,\"tỷ lệ hộ gia đình  tham gia bàn, quyết định việc của cộng đồng\",70,,,2024\n"
            "99002,PROP_PLAN,Có,,,2024\n")
    checked = ingest.check_file(any_fresh_sample_store, text.encode(), "doc.csv", 2024, "canbo.991", "991")
    obs = {(r["unit_code"], r["indicator"]): (r["value"], r["num"], r["den"])
           for r in checked.observations.filter(pl.col("raw").is_not_null()).iter_rows(named=True)}
    assert obs[("99001", "TRAIN_STAFF")] == (50.5, None, None)
    assert obs[("99001", "RESP_COMPLAINTS")] == (None, 3.0, 4.0)
    assert obs[("99002", "PROP_PLAN")] == (1.0, None, None)
    assert obs[("99001", "RESP_HOUSEHOLDS")] == (70.0, None, None)  # matched by name, case and spaces aside
    bad = text + "99002,PROP_PLAN,Không,,,2024\n99003,KHONG_CO,1,,,2024\n"
    with pytest.raises(ValidationError) as err:
        ingest.check_file(any_fresh_sample_store, bad.encode(), "doc.csv", 2024, "canbo.991", "991")
    assert [f"{p}" for p in err.value.problems] == [
        "dòng 6, cột «ma_chi_tieu»: đơn vị «99002» có chỉ tiêu PROP_PLAN hai lần (dòng 5 và dòng 6)",
        "dòng 7, cột «ma_chi_tieu»: «KHONG_CO» không phải mã hay tên chỉ tiêu trong danh mục"]


# ---------------------------------------------------------------- what a lock covers

def _file_of(area: str, year: int = 2024) -> bytes:
    from dcmetrics import config

    return (config.SAMPLE_DIR / str(year) / f"{area}.csv").read_bytes()


def _refusal(store, content: bytes, area: str, user: str, year: int = 2024) -> list[str] | None:
    """The problems of a (dry-run) upload, or None when it would be stored; nothing changes either way."""
    before = table_digest(store)
    try:
        ingest.import_file(store, content, f"{area}.csv", year, user, area_code=area, dry_run=True)
    except ValidationError as e:
        assert table_digest(store) == before
        return [str(p) for p in e.problems]
    assert table_digest(store) == before
    return None


def test_a_lock_covers_the_units_of_the_locked_file_not_the_whole_tree(any_fresh_sample_store):
    store = any_fresh_sample_store
    # the province's own file (its departments, enterprises, service units) approved and locked
    ingest.reopen(store, "thamdinh.tinh", "99", 2024)  # the sample approved it; approved again below
    ingest.approve(store, "thamdinh.tinh", "99", 2024)
    assert _refusal(store, _file_of("991"), "991", "canbo.991") is None  # the districts stay open
    assert ingest.upload_locks(store, "canbo.991", "991", 2024).is_empty()
    assert _refusal(store, _file_of("99"), "99", "quantri.demo") == [
        "tệp: Số liệu năm 2024 của Tỉnh Mẫu An Hòa (dữ liệu mẫu) (99) đã được phê duyệt và khóa (người duyệt: "
        "thamdinh.tinh). Đề nghị người thẩm định mở lại trước khi gửi tệp mới."]
    # a department's own file for its service units, which the province's approved file carries
    dept = b"ma_don_vi,TRAIN_STAFF\nSN99007,80\nSN99008,90\n"
    assert _refusal(store, dept, "CQ99007", "quantri.demo") == [
        f"dòng {row}, cột «ma_don_vi»: đơn vị «{unit}» thuộc số liệu năm 2024 của Tỉnh Mẫu An Hòa (dữ liệu mẫu) (99) "
        "đã được phê duyệt và khóa (người duyệt: thamdinh.tinh); đề nghị người thẩm định mở lại hoặc bỏ đơn vị này "
        "khỏi tệp" for row, unit in ((2, "SN99007"), (3, "SN99008"))]
    assert ingest.upload_locks(store, "quantri.demo", "CQ99007", 2024)["unit_code"].to_list() == [
        "CQ99007", "SN99007", "SN99008"]
    ingest.reopen(store, "thamdinh.tinh", "99", 2024)

    # a district locked: a province-wide file is refused for the district's units only
    ingest.approve(store, "thamdinh.tinh", "991", 2024)
    assert _refusal(store, _file_of("99"), "99", "quantri.demo") is None
    mixed = b"ma_don_vi,TRAIN_STAFF\nCQ99001,80\n99030,75\n99002,60\n"
    assert _refusal(store, mixed, "99", "quantri.demo") == [
        "dòng 4, cột «ma_don_vi»: đơn vị «99002» thuộc số liệu năm 2024 của Thành phố Mẫu An Hòa (991) đã được phê "
        "duyệt và khóa (người duyệt: thamdinh.tinh); đề nghị người thẩm định mở lại hoặc bỏ đơn vị này khỏi tệp"]
    # the same rule holds for a restore: an earlier province file may come back, the district stays locked
    first = ingest.import_file(store, _file_of("99").replace(b"\n", b"\r\n"), "99-crlf.csv", 2024,
                               "quantri.demo", area_code="99").submission_id
    older = store.rows("SELECT id FROM submissions WHERE area_code = '99' AND year = 2024 AND id <> $i", {"i": first})
    ingest.restore(store, "thamdinh.tinh", older[0][0])
    assert ingest.history(store, "thamdinh.tinh", "99", 2024).filter(pl.col("state") == "current")["id"].to_list() \
        == [older[0][0]]
    # and an old district file may not replace the approved one
    ingest.reopen(store, "thamdinh.tinh", "991", 2024)
    sent = ingest.import_file(store, _file_of("991").replace(b"\n", b"\r\n"), "991-crlf.csv", 2024, "canbo.991",
                              area_code="991").submission_id
    ingest.approve(store, "thamdinh.tinh", "991", 2024)
    old_991 = store.rows("SELECT id FROM submissions WHERE area_code = '991' AND year = 2024 AND id <> $i", {"i": sent})
    before = table_digest(store)
    with pytest.raises(Conflict) as err:
        ingest.restore(store, "thamdinh.tinh", old_991[0][0])
    assert str(err.value) == ("Số liệu năm 2024 của Thành phố Mẫu An Hòa (991) đã được phê duyệt và khóa; "
                              "cần mở lại trước.")
    assert table_digest(store) == before


def test_the_lock_warning_is_exactly_what_the_commit_refuses(any_fresh_sample_store):
    """For each set of locks and each area's real file: the area's own lock refuses any file, the units
    upload_locks lists refuse a file that holds them, and nothing else refuses it."""
    store = any_fresh_sample_store
    ingest.reopen(store, "thamdinh.tinh", "99", 2024)  # the sample approved it
    for locks in (["99"], ["991"], ["992"], ["99", "991"]):
        for a in locks:
            ingest.approve(store, "thamdinh.tinh", a, 2024)
        for area in ("99", "991", "992"):
            warn = ingest.upload_locks(store, "quantri.demo", area, 2024)
            own = warn.filter(pl.col("unit_code").is_null()).height > 0
            listed = set(warn["unit_code"].drop_nulls())
            content = _file_of(area)
            refused = _refusal(store, content, area, "quantri.demo")
            file_units = {line.split(",")[0] for line in content.decode("utf-8-sig").splitlines()[1:] if line}
            assert (refused is not None) == (own or bool(file_units & listed)), (locks, area, refused)
            assert own == (area in locks)
            if refused and not own:
                assert [p.split("«")[2].split("»")[0] for p in refused] == sorted(file_units & listed)
        for a in locks:
            ingest.reopen(store, "thamdinh.tinh", a, 2024)


# ---------------------------------------------------------------- what a file changes

def test_preview_says_which_units_and_indicators_change(any_fresh_sample_store, profiles):
    store = any_fresh_sample_store
    lines = edit(edit(GOOD, 2, "TRAIN_STAFF", "0"), 2, "PROP_PLAN", "Không").decode("utf-8-sig").splitlines()
    dropped = lines[-1].split(",")[0]
    content = ("\n".join(lines[:-1]) + "\n").encode("utf-8-sig")  # the last unit left out
    # the file replaces the district's whole data: the unit it leaves out loses its figures
    checked = ingest.check_file(store, content, "x.csv", 2024, "canbo.991", "991", replace_all=True)
    before = table_digest(store)
    pv = ingest.preview(store, checked, profiles["chung"], "canbo.991", basis="self")
    assert table_digest(store) == before
    rows = {r["unit_code"]: r for r in pv.iter_rows(named=True)}
    assert (rows["99001"]["data_change"], rows["99001"]["changed_indicators"], rows["99001"]["n_changed"]) == (
        "changed", ["PROP_PLAN", "TRAIN_STAFF"], 2)
    assert rows[dropped]["data_change"] == "removed" and rows[dropped]["total"] is None
    assert rows[dropped]["total_now"] is not None and pv["unit_code"][-1] == dropped  # listed last
    assert {r["data_change"] for c, r in rows.items() if c not in ("99001", dropped)} == {"unchanged"}
    assert ingest.change_summary(pv) == (
        "So với số liệu đang lưu: 1 đơn vị thay đổi, 23 đơn vị không đổi, 1 đơn vị bị bỏ. 1 đơn vị có trong tệp "
        "đang dùng nhưng không có trong tệp này sẽ không còn số liệu năm này.")
    # the very figures stored now: nothing changes
    same = ingest.preview(store, ingest.check_file(store, GOOD.replace(b"\n", b"\r\n"), "y.csv", 2024, "canbo.991",
                                                   "991"), profiles["chung"], "canbo.991")
    assert set(same["data_change"]) == {"unchanged"} and same["n_changed"].sum() == 0
    assert ingest.change_summary(same) == "So với số liệu đang lưu: 25 đơn vị không đổi."


def test_preview_of_a_year_without_data_says_every_unit_is_new(any_fresh_sample_store, profiles):
    store = any_fresh_sample_store
    # (a district has no later year: the new communes of the two-tier province, sent by the province)
    checked = ingest.check_file(store, b"ma_don_vi,TRAIN_STAFF\n99401,50\n99402,70\n", "x.csv", 2030, "quantri.demo", "99")
    pv = ingest.preview(store, checked, profiles["chung"], "quantri.demo")
    assert pv.select("unit_code", "data_change").sort("unit_code").rows() == [("99401", "new"), ("99402", "new")]
    assert pv["total_now"].to_list() == [None, None]
    assert ingest.change_summary(pv) == "So với số liệu đang lưu: 2 đơn vị mới."


def test_check_and_preview_report_their_progress(any_fresh_sample_store, profiles):
    heard = []
    checked = ingest.check_file(any_fresh_sample_store, GOOD, "x.csv", 2024, "canbo.991", "991",
                                progress=lambda f, t: heard.append((f, t)))
    ingest.preview(any_fresh_sample_store, checked, profiles["chung"], "canbo.991", progress=lambda f, t: heard.append((f, t)))
    assert [f for f, _ in heard] == [0.0, 0.3, 0.8, 1.0, 0.1, 0.3, 0.6, 1.0]
    assert heard[1][1] == "Kiểm tra 25 dòng của tệp…"


# ---------------------------------------------------------------- a submission id tells nothing to an account outside its area

def test_submission_outside_the_area_and_unknown_id_get_the_same_refusal(any_fresh_sample_store):
    from dcmetrics.errors import AccessDenied

    store = any_fresh_sample_store
    other = store.rows("SELECT id FROM submissions WHERE area_code = '992' AND year = 2024")[0][0]
    unknown = 1 + store.rows("SELECT max(id) FROM submissions")[0][0]
    before = table_digest(store)

    def refusal(call, sid) -> str:
        with pytest.raises(AccessDenied) as e:
            call(sid)
        return str(e.value).replace(f"mã {sid}", "mã N")

    # an officer of 991: another district's file and a file that does not exist, word for word the same
    officer = lambda sid: ingest.submission_file(store, "canbo.991", sid)  # noqa: E731
    assert refusal(officer, other) == refusal(officer, unknown) == (
        "Tài khoản «canbo.991» (Cán bộ nhập liệu, Thành phố Mẫu An Hòa) không được xem số liệu đã gửi (lịch sử, "
        "nội dung tệp, cảnh báo) của lần gửi mã N: không có lần gửi mã này trong địa bàn được giao.")
    # restore by accounts whose role may not: refused on the role, before the id is looked at
    for user, role, home in (("canbo.991", "Cán bộ nhập liệu", "Thành phố Mẫu An Hòa"),
                             ("lanhdao.tinh", "Lãnh đạo", "Tỉnh Mẫu An Hòa (dữ liệu mẫu)")):
        call = lambda sid, u=user: ingest.restore(store, u, sid)  # noqa: E731
        assert refusal(call, other) == refusal(call, unknown) == (
            f"Tài khoản «{user}» ({role}, {home}) không được duyệt, trả lại hoặc mở lại số liệu. "
            f"Vai trò «{role}» không có quyền này.")
    assert table_digest(store) == before
    # an account that sees every area learns that an id does not exist; its own area's file is served
    with pytest.raises(NotFound, match=f"^Không có lần gửi mã {unknown}.$"):
        ingest.submission_file(store, "thamdinh.tinh", unknown)
    with pytest.raises(NotFound, match=f"^Không có lần gửi mã {unknown}.$"):
        ingest.restore(store, "quantri.demo", unknown)
    mine = store.rows("SELECT id FROM submissions WHERE area_code = '991' AND year = 2024")[0][0]
    name, content = ingest.submission_file(store, "canbo.991", mine)
    assert name.endswith("991.csv") and content == _file_of("991")


def test_a_district_reviewer_cannot_learn_of_other_districts_files(any_fresh_sample_store):
    """A reviewer bound to a district (not the province): restore refused alike for an unknown id
    and for another district's file, with nothing changed."""
    from dcmetrics import access
    from dcmetrics.errors import AccessDenied

    store = any_fresh_sample_store
    access.create_account(store, access.SYSTEM, "thamdinh.991", "mat-khau-du-dai-1", access.REVIEWER, "991",
                          "Người thẩm định thành phố")
    other = store.rows("SELECT id FROM submissions WHERE area_code = '992' AND year = 2024")[0][0]
    unknown = 1 + store.rows("SELECT max(id) FROM submissions")[0][0]
    before = table_digest(store)
    said = []
    for sid in (other, unknown):
        with pytest.raises(AccessDenied) as e:
            ingest.restore(store, "thamdinh.991", sid)
        said.append(str(e.value).replace(f"mã {sid}", "mã N"))
    assert said[0] == said[1] == (
        "Tài khoản «thamdinh.991» (Người thẩm định, Thành phố Mẫu An Hòa) không được duyệt, trả lại hoặc mở lại "
        "số liệu của lần gửi mã N: không có lần gửi mã này trong địa bàn được giao.")
    assert table_digest(store) == before
