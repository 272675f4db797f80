"""Frameworks edited in the app (issue 15): draft → check → preview → publish; the published
version immutable; the version in force archived unchanged; audited."""

from __future__ import annotations

import json
import shutil
import tomllib
from decimal import Decimal

import pytest

from dcmetrics import access, config, draft_form, drafts, framework
from dcmetrics.errors import Conflict, DcmetricsError, ValidationError

DECISION = {"number": "15/QĐ-UBND", "date": "10/01/2026", "issuer": "UBND tỉnh Mẫu An Hòa"}


@pytest.fixture
def folder(frameworks_copy):
    return frameworks_copy


def test_draft_preview_publish(fresh_sample_store, folder):
    store = fresh_sample_store
    head = framework.load_profiles(folder)["vinh-linh"]
    draft_id = drafts.new_draft(store, access.SYSTEM, "vinh-linh", folder)
    d = drafts.get_draft(store, draft_id)
    assert d.text == (folder / "profiles" / "vinh-linh.toml").read_text(encoding="utf-8") and d.state == "draft"

    # the top band asks 95 instead of 90 points, by the province's decision
    edit, problems = drafts.edit(store, access.SYSTEM, draft_id, {"b1.min_total": "95"}, {}, DECISION)
    assert problems == []
    text = edit.text
    raw = tomllib.loads(text)
    assert raw["bands"][0]["min_total"] == 95 and raw["bands"][0]["source"] == "qd-15-qd-ubnd"
    assert raw["sources"]["qd-15-qd-ubnd"]["number"] == "15/QĐ-UBND"
    assert "# Bộ tiêu chí theo dự thảo Nghị quyết" in text  # the file's comments kept
    assert drafts.get_draft(store, draft_id).text == text
    assert [(c.entry, c.field, c.before, c.after, c.source) for c in drafts.changes(drafts.get_draft(store, draft_id))] \
        == [("Mức «Tốt»", "Từ (điểm)", "90", "95", "qd-15-qd-ubnd")]

    changes = drafts.preview(store, access.SYSTEM, draft_id, 2025, folder=folder)
    moved = changes.filter(changes["changed"])
    assert moved.height > 0
    assert set(moved["level_now"]) == {"Tốt"} and set(moved["level_draft"]) - {"Tốt"}
    assert (moved["total_now"] < 95).all()

    in_force = (folder / "profiles" / "vinh-linh.toml").read_bytes()
    published = drafts.publish(store, access.SYSTEM, draft_id, "2026.1", 2026, "Quyết định 15/QĐ-UBND", folder)
    assert (folder / "profiles" / "archive" / "vinh-linh" / "2025.1.toml").read_bytes() == in_force
    current = tomllib.loads((folder / "profiles" / "vinh-linh.toml").read_text(encoding="utf-8"))
    assert (current["version"], current["effective_from"], current["bands"][0]["min_total"]) == ("2026.1", 2026, 95)
    assert (published.version, published.effective_from, published.levels[0].min_total) == ("2026.1", 2026, 95)
    assert published.levels[0].source.label() == "Quyết định số 15/QĐ-UBND ngày 10/01/2026 của UBND tỉnh Mẫu An Hòa"
    again = framework.load_profiles(folder)["vinh-linh"]
    assert [v.version for v in again.versions()] == ["2024.1", "2025.1", "2026.1"]
    assert again.in_force(2025).sha256 == head.sha256  # the version in force before, archived unchanged
    assert store.rows("SELECT count(*) FROM frameworks WHERE id = 'vinh-linh' AND version = '2026.1'") == [(1,)]
    assert store.rows("SELECT action, object FROM audit WHERE action LIKE 'framework_draft%' "
                      "OR action = 'framework_publish' OR object = 'framework:vinh-linh:2026.1' ORDER BY id") == [
        ("framework_draft", "framework:vinh-linh:2025.1"), ("framework_draft_save", f"framework:vinh-linh:draft-{draft_id}"),
        ("framework_register", "framework:vinh-linh:2026.1"), ("framework_publish", "framework:vinh-linh:2026.1")]
    saved = store.rows("SELECT after_json FROM audit WHERE action = 'framework_draft_save'")[0][0]
    assert json.loads(saved) == {"changes": [{"what": "Mức «Tốt» › Từ (điểm)", "from": "90", "to": "95",
                                              "source": "qd-15-qd-ubnd"}]}

    # a published version is never edited, nor published twice
    with pytest.raises(Conflict, match="phiên bản đã ban hành không sửa được"):
        drafts.save(store, access.SYSTEM, draft_id, text)
    with pytest.raises(Conflict, match="phiên bản đã ban hành không sửa được"):
        drafts.edit(store, access.SYSTEM, draft_id, {"b1.min_total": "96"}, {}, DECISION)
    with pytest.raises(Conflict, match="đã ban hành thành phiên bản 2026.1"):
        drafts.publish(store, access.SYSTEM, draft_id, "2026.2", 2027, "x", folder)


def test_the_loader_s_messages_as_the_methodologist_types(store, folder):
    draft_id = drafts.new_draft(store, access.SYSTEM, "ca-mau", folder)
    d = drafts.get_draft(store, draft_id)
    g1 = tomllib.loads(d.text)["groups"][0]["points"]
    edit, problems = drafts.edit(store, access.SYSTEM, draft_id, {"g1.points": str(g1 + 15)})  # no longer 100 in all
    assert [str(p) for p in problems] == ["bản nháp ca-mau: tổng điểm các nhóm là 115, phải bằng 100"]
    assert edit.defaulted == ("Điểm nhóm G1",)  # no decision given: the software's default, said so
    assert tomllib.loads(edit.text)["groups"][0]["source"] == "mac-dinh"
    with pytest.raises(ValidationError):
        drafts.publish(store, access.SYSTEM, draft_id, "2026.1", 2026, "thử", folder)
    assert not (folder / "profiles" / "archive" / "ca-mau" / "2025.1.toml").exists()  # nothing half-published


@pytest.mark.parametrize(("version", "year", "reason", "message"), [
    ("2025.1", 2026, "x", "Phiên bản «2025.1» đã có"),
    ("2026.1", 2025, "x", r"Năm áp dụng 2025 phải sau năm áp dụng của phiên bản hiện hành \(2025\)"),
    ("2026.1", 2026, " ", "Cần ghi lý do ban hành"),
])
def test_publish_refusals(store, folder, version, year, reason, message):
    draft_id = drafts.new_draft(store, access.SYSTEM, "ca-mau", folder)
    with pytest.raises(DcmetricsError, match=message):
        drafts.publish(store, access.SYSTEM, draft_id, version, year, reason, folder)


def test_only_a_methodologist_or_administrator_drafts(store, folder):
    from dcmetrics.errors import AccessDenied

    leader = access.Account("lanhdao.x", access.LEADER, access.ALL_AREAS, "Lãnh đạo")
    with pytest.raises(AccessDenied):
        drafts.new_draft(store, leader, "ca-mau", folder)


# ---------------------------------------------------------------- the folder a deployment points at

def test_the_frameworks_folder_follows_dcmetrics_frameworks_dir(monkeypatch, frameworks_copy):
    assert config.frameworks_dir() == frameworks_copy
    (frameworks_copy / "profiles" / "cao-xanh.toml").unlink()
    shutil.rmtree(frameworks_copy / "profiles" / "archive" / "cao-xanh")
    assert "cao-xanh" not in framework.load_profiles()  # the loader reads the copy, not the repository
    monkeypatch.delenv("DCMETRICS_FRAMEWORKS_DIR")
    assert config.frameworks_dir() == config.FRAMEWORKS_DIR and "cao-xanh" in framework.load_profiles()


# ---------------------------------------------------------------- numbers typed the Vietnamese way

DECIMAL = draft_form.Field("x", "Điểm", "")
INTEGER = draft_form.Field("x", "Số chữ số", "", kind="integer")
OPTIONAL = draft_form.Field("x", "Tối đa", "", optional=True)
LAST_BAND = draft_form.Field("x", "Đến", "", allow_inf=True)


@pytest.mark.parametrize(("text", "field", "value", "message"), [
    ("90", DECIMAL, Decimal("90"), None),
    ("0,75", DECIMAL, Decimal("0.75"), None),
    (" 12,5 ", DECIMAL, Decimal("12.5"), None),
    ("-2", DECIMAL, Decimal("-2"), None),  # (the loader then says what the field allows)
    ("0.75", DECIMAL, None, "«0.75»: phần thập phân viết sau dấu phẩy («0,75»), không dùng dấu chấm"),
    ("90.0", DECIMAL, None, "«90.0»: phần thập phân viết sau dấu phẩy («90,0»), không dùng dấu chấm"),
    ("chín mươi", DECIMAL, None, "«chín mươi» không phải một số (viết như 90 hoặc 0,75)"),
    ("1,2,3", DECIMAL, None, "«1,2,3» không phải một số (viết như 90 hoặc 0,75)"),
    ("", DECIMAL, None, "cần nhập một số"),
    ("", OPTIONAL, None, None),
    ("3", INTEGER, Decimal("3"), None),
    ("2,5", INTEGER, None, "«2,5» phải là số nguyên"),
    ("∞", LAST_BAND, "inf", None),
    ("∞", DECIMAL, None, "«∞» không phải một số (viết như 90 hoặc 0,75)"),
])
def test_parse_vietnamese_decimals(text, field, value, message):
    assert draft_form.parse(text, field) == (value, message)


@pytest.mark.parametrize(("value", "shown"), [(90, "90"), (90.0, "90"), (0.7, "0,7"), (2.5, "2,5"),
                                              (0.000001, "0,000001"), ("inf", "∞"), (None, "")])
def test_numbers_shown_without_a_float_s_dot(value, shown):
    assert draft_form.shown(value) == shown


# ---------------------------------------------------------------- every number of a profile, with its source

def _at(raw: dict, path: str):
    node = raw
    for k in path.split("/"):
        node = node[int(k)] if k.isdigit() else node.get(k)
        if node is None:
            return None
    return node


Q = "qd-15-qd-ubnd"
NUMBER_CASES = [  # profile, field key, typed, TOML path of the number, its written value, path of its source
    ("vinh-linh", "profile.total_max", "105", "total_max", 105, "total_max_source"),
    ("vinh-linh", "g3.points", "20", "groups/2/points", 20, "groups/2/source"),
    ("vinh-linh", "g1.i1.weight", "1,5", "groups/0/items/0/weight", 1.5, "groups/0/items/0/source"),
    ("vinh-linh", "g1.i2.weight", "3", "groups/0/items/1/weight", 3, "groups/0/items/1/source"),  # absent = 1 before
    # the catalogue's rule becomes the item's own; the clause «100%» no longer holds, so its source goes
    ("vinh-linh", "g1.i1.rule.target", "90", "groups/0/items/0/rule", {"type": "proportional", "target": 90},
     "groups/0/items/0/rule_source"),
    ("vinh-linh", "g5.i2.rule.bound", "5", "groups/4/items/1/rule", {"type": "lower_better", "target": 0, "bound": 5},
     "groups/4/items/1/rule_source"),
    ("tiep-can-phap-luat-mau", "g2.i1.rule.bands.1.share", "0,3", "groups/1/items/0/rule/bands/1/share", 0.3,
     "groups/1/items/0/rule_source"),
    ("tiep-can-phap-luat-mau", "g2.i2.rule.target", "95", "groups/1/items/1/rule/target", 95,
     "groups/1/items/1/rule_source"),
    ("tiep-can-phap-luat-mau", "g4.i3.rule.share_each", "0,25", "groups/3/items/2/rule/share_each", 0.25,
     "groups/3/items/2/rule_source"),
    ("vinh-linh", "b2.floor", "0,6", "bands/1/floor", 0.6, "bands/1/source"),
    ("tiep-can-phap-luat-mau", "v1.value", "2", "vetoes/0/value", 2, "vetoes/0/source"),
    ("tiep-can-phap-luat-mau", "v1.op", ">", "vetoes/0/op", ">", "vetoes/0/source"),
    ("tiep-can-phap-luat-mau", "a2.points_each", "1,5", "adjustments/1/points_each", 1.5, "adjustments/1/source"),
    ("tiep-can-phap-luat-mau", "a1.cap", "", "adjustments/0/cap", None, "adjustments/0/source"),  # no cap any more
    ("tiep-can-phap-luat-mau", "caps.deduction", "8", "adjustment_caps/deduction", 8, "adjustment_caps/source"),
    ("vinh-linh", "t1.goal", "95", "targets/0/goal", 95, "targets/0/source"),
    ("vinh-linh", "comm.max_share", "0,2", "commendation/max_share", 0.2, "commendation/source"),
    ("vinh-linh", "comm.min_level", "Khá", "commendation/min_level", "Khá", "commendation/source"),
    ("vinh-linh", "round.total_decimals", "1", "rounding/total_decimals", 1, "rounding/source"),  # [rounding] created
    ("vinh-linh", "round.rule", "truncate", "rounding/rule", "truncate", "rounding/source"),
]


@pytest.mark.parametrize(("pid", "key", "typed", "path", "value", "source_path"), NUMBER_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in NUMBER_CASES])
def test_every_number_changed_takes_the_decision_as_its_source(pid, key, typed, path, value, source_path):
    folder = config.FRAMEWORKS_DIR
    text = (folder / "profiles" / f"{pid}.toml").read_text(encoding="utf-8")
    assert key in {f.key for e in draft_form.entries(text, folder) for f in e.fields}
    edit = draft_form.with_values(text, {key: typed}, {}, DECISION, folder)
    raw = tomllib.loads(edit.text)
    assert _at(raw, path) == value and _at(raw, source_path) == Q
    assert raw["sources"][Q] == {"kind": "decision", **DECISION}
    assert [c.source for c in edit.changes] == [Q] and edit.defaulted == ()
    profile, problems = drafts.check(edit.text, pid, folder)
    # (one group alone cannot change without the loader saying the groups no longer add up to 100)
    assert [str(p) for p in problems] == (["bản nháp vinh-linh: tổng điểm các nhóm là 95, phải bằng 100"]
                                          if key == "g3.points" else [])
    # nothing else moved: every other number reads as before
    before = {f.key: f.text for e in draft_form.entries(text, folder) for f in e.fields}
    after = {f.key: f.text for e in draft_form.entries(edit.text, folder) for f in e.fields}
    assert {k for k in before if before[k] != after.get(k)} == {key}


def test_an_unchanged_form_rewrites_nothing():
    folder = config.FRAMEWORKS_DIR
    for path in sorted((folder / "profiles").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        typed = {f.key: f.text for e in draft_form.entries(text, folder) for f in e.fields}
        edit = draft_form.with_values(text, typed, {}, DECISION, folder)
        assert (edit.text, edit.changes) == (text, ()), path.name  # the decision is declared only when used


def test_sources_chosen_by_hand():
    folder = config.FRAMEWORKS_DIR
    text = (folder / "profiles" / "vinh-linh.toml").read_text(encoding="utf-8")
    choices = draft_form.source_choices(text)
    assert list(choices)[:2] == ["mac-dinh", "muc-tieu-a"]
    assert choices["muc-tieu-a"].startswith("Điều 1, mục 2 (Mục tiêu cụ thể), điểm a: «Bảo đảm 100% cán bộ")
    # a changed number may keep a clause only when the user picks it; an unchanged one may cite the decision
    edit = draft_form.with_values(text, {"g1.i1.rule.target": "100", "t1.goal": "90"},
                                  {"t1": "muc-tieu-a", "b4": draft_form.NEW_DECISION}, DECISION, folder)
    raw = tomllib.loads(edit.text)
    assert (raw["targets"][0]["goal"], raw["targets"][0]["source"]) == (90, "muc-tieu-a")
    assert raw["bands"][3]["source"] == Q and raw["groups"][0]["items"][0]["rule_source"] == "muc-tieu-a"
    # the same decision typed again is the same source; another date of the same number is another one
    again = draft_form.with_values(edit.text, {"b1.min_total": "92"}, {}, DECISION, folder)
    assert tomllib.loads(again.text)["bands"][0]["source"] == Q and again.text.count(f"[sources.{Q}]") == 1
    other = draft_form.with_values(edit.text, {"b1.min_total": "92"}, {}, {**DECISION, "date": "20/02/2026"}, folder)
    assert tomllib.loads(other.text)["bands"][0]["source"] == f"{Q}-20-02-2026"


def test_what_cannot_be_read_is_reported_field_by_field_and_nothing_written():
    folder = config.FRAMEWORKS_DIR
    text = (folder / "profiles" / "vinh-linh.toml").read_text(encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        draft_form.with_values(text, {"g1.points": "15.5", "b1.floor": "bảy mươi", "round.group_decimals": "1,5"},
                               {"g2": "qd-khong-co", "g3": draft_form.NEW_DECISION}, None, folder)
    assert [(p.where, p.message) for p in e.value.problems] == [
        ("Điểm nhóm G1 › Điểm của nhóm", "«15.5»: phần thập phân viết sau dấu phẩy («15,5»), không dùng dấu chấm"),
        ("Điểm nhóm G2 › Nguồn", "nguồn «qd-khong-co» chưa khai báo trong [sources]"),
        ("Mức «Tốt» › Mỗi nhóm tối thiểu (tỷ lệ 0–1)", "«bảy mươi» không phải một số (viết như 90 hoặc 0,75)"),
        ("Làm tròn điểm › Điểm nhóm: số chữ số thập phân", "«1,5» phải là số nguyên"),
        ("Quyết định của tỉnh", "đã chọn «quyết định mới» làm nguồn nhưng chưa ghi số, ngày, cơ quan ban hành"),
    ]
    with pytest.raises(ValidationError) as e:
        draft_form.with_values(text, {"g1.points": "20"}, {}, {"number": "15/QĐ-UBND", "date": "31/02/2026",
                                                                "issuer": " "}, folder)
    assert [(p.where, p.message) for p in e.value.problems] == [
        ("Quyết định của tỉnh › Cơ quan ban hành", "cần ghi để làm nguồn của các con số thay đổi"),
        ("Quyết định của tỉnh › Ngày", "«31/02/2026» không phải một ngày dạng ngày/tháng/năm (ví dụ 10/01/2026)"),
    ]


def test_a_new_key_goes_under_its_own_table_not_under_the_next_table_s_comment():
    folder = config.FRAMEWORKS_DIR
    text = (folder / "profiles" / "tiep-can-phap-luat-mau.toml").read_text(encoding="utf-8")
    edit = draft_form.with_values(text, {"g1.i1.rule.target": "90"}, {}, DECISION, folder)
    assert ('  clause = "Mẫu; Vĩnh Linh Điều 1, mục 2 (Mục tiêu cụ thể), điểm a; Cà Mau Điều 1, khoản 1, điểm a"\n'
            '  rule = {type = "proportional", target = 90}\n\n  # Có/Không (yesno).\n') in edit.text


# ---------------------------------------------------------------- the page, through AppTest

from test_login_pages import errors, go, login, login_waits  # noqa: E402,F401 (fixture)
from test_pages import _admin_credentials, _navigation_not_pages_dir, app_env, sample_db  # noqa: E402,F401


def _save(at):
    [b for b in at.button if b.label == "Lưu và kiểm tra"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_draft_edit_preview_publish(frameworks_copy, app_env):
    from ui.context import get_store

    store = get_store()
    in_force = (frameworks_copy / "profiles" / "vinh-linh.toml").read_bytes()
    at = go(login("quantri.demo"), "framework_editor")
    at.selectbox(key="draft_profile").select("vinh-linh").run()
    at.button(key="draft_new").click().run()
    assert not at.exception and not errors(at)
    assert at.success[0].value == "Bản nháp hợp lệ."
    did = at.session_state["draft_id"]
    field = lambda key: at.text_input(key=f"dv{did}_{key}")  # noqa: E731

    # a float's dot is refused, naming the field and the value; nothing saved
    field("b1.min_total").input("95.5")
    _save(at)
    assert at.error[0].value == "Chưa lưu: 1 giá trị cần sửa."
    assert any(m.value == "- Mức «Tốt» › Từ (điểm): «95.5»: phần thập phân viết sau dấu phẩy («95,5»), không dùng "
                          "dấu chấm" for m in at.markdown)
    assert drafts.get_draft(store, did).text == in_force.decode()

    # a number the groups cannot carry: the loader's message after the save
    field("b1.min_total").input("90")
    field("g1.points").input("40")
    _save(at)
    assert at.error[0].value == "Bản nháp còn 1 lỗi, chưa ban hành được:"
    assert "- bản nháp vinh-linh: tổng điểm các nhóm là 125, phải bằng 100" in [m.value for m in at.markdown]
    assert [w.value for w in at.warning if "Chưa ghi quyết định" in w.value] == [
        "Chưa ghi quyết định của tỉnh nên các con số đã đổi sau đây được ghi là mặc định của phần mềm — chưa có văn "
        "bản quy định: Điểm nhóm G1."]

    # back to 15; a weight, a rule's target and the top band changed by the province's decision
    field("g1.points").input("15")
    field("g1.i1.weight").input("3")
    field("g1.i1.rule.target").input("90")
    field("b1.min_total").input("95")
    at.text_input(key="dd_number").input("15/QĐ-UBND")
    at.text_input(key="dd_date").input("10/01/2026")
    at.text_input(key="dd_issuer").input("UBND tỉnh Mẫu An Hòa")
    _save(at)
    assert not errors(at) and at.success[0].value == "Đã lưu 4 thay đổi vào bản nháp số %d." % did
    assert at.success[1].value == "Bản nháp hợp lệ."
    diff = next(df.value for df in at.dataframe if "Con số" in df.value.columns)
    assert diff[["Con số", "Mục", "Trước", "Sau"]].values.tolist() == [
        ["Điểm nhóm G1", "Nguồn", "mac-dinh", "qd-15-qd-ubnd"],
        ["Trọng số TRAIN_STAFF", "Trọng số", "2", "3"],
        ["Cách chấm TRAIN_STAFF (tỷ lệ %: tỷ lệ với chỉ tiêu)", "Chỉ tiêu (%)", "100", "90"],
        ["Mức «Tốt»", "Từ (điểm)", "90", "95"]]
    assert set(diff["Nguồn"].iloc[1:]) == {"Quyết định số 15/QĐ-UBND ngày 10/01/2026 của UBND tỉnh Mẫu An Hòa"}

    # the preview: the units that move, as the core computes them
    year = at.selectbox(key="draft_year").value
    moves = drafts.preview(store, access.SYSTEM, did, int(year))
    moved = moves.filter(moves["changed"])
    assert moved.height > 0
    assert next(m.value for m in at.metric if m.label == "Đơn vị đổi mức") == f"{moved.height}/{moves.height}"

    # publish: the version in force archived byte for byte, the new file in the folder the setting names
    at.text_input(key="dpub_version").input("2026.1")
    at.text_area(key="dpub_reason").input("Quyết định 15/QĐ-UBND ngày 10/01/2026")
    [b for b in at.button if b.label == "Ban hành"][0].click().run()
    assert not at.exception and not errors(at)
    assert at.success[0].value == ("Đã ban hành «vinh-linh» phiên bản 2026.1, áp dụng từ năm 2026; phiên bản 2025.1 "
                                   "được lưu nguyên tại profiles/archive/vinh-linh/2025.1.toml.")
    assert (frameworks_copy / "profiles" / "archive" / "vinh-linh" / "2025.1.toml").read_bytes() == in_force
    new = tomllib.loads((frameworks_copy / "profiles" / "vinh-linh.toml").read_text(encoding="utf-8"))
    assert (new["version"], new["effective_from"], new["bands"][0]["min_total"]) == ("2026.1", 2026, 95)
    assert new["groups"][0]["items"][0]["rule"] == {"type": "proportional", "target": 90}
    assert tomllib.loads((config.FRAMEWORKS_DIR / "profiles" / "vinh-linh.toml").read_text())["version"] == "2025.1"
    assert store.rows("SELECT actor, after_json::JSON->>'reason' FROM audit WHERE action = 'framework_publish' "
                      "AND object = 'framework:vinh-linh:2026.1'") == [("quantri.demo", "Quyết định 15/QĐ-UBND ngày "
                                                                                           "10/01/2026")]
    # the published draft: shown, never edited again
    assert at.info[0].value == "Bản nháp này đã ban hành thành phiên bản 2026.1: chỉ xem, không sửa."
    assert not [b for b in at.button if b.label == "Lưu và kiểm tra"]
    with pytest.raises(Conflict, match="phiên bản đã ban hành không sửa được; hãy tạo bản nháp mới"):
        drafts.edit(store, access.SYSTEM, did, {"b1.min_total": "96"}, {}, DECISION)
