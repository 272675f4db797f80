"""Village-level units (thôn, tổ dân phố, khu phố, ấp) evaluated where a profile asks for it
(issue 15, Cao Xanh mục 5): the schema, the unit list, uploads and templates, scoring under Cao
Xanh, profiles that do not evaluate villages, and the ranking page."""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import OLD_RELEASE_LATE_COLUMN, as_an_old_release, raw_profile_of, table_digest
from test_pages import (  # noqa: F401 - the autouse fixtures (admin credentials, AppTest navigation) apply here
    _admin_credentials,
    _forget_store,
    _navigation_not_pages_dir,
    display_values,
    run_app,
)

from dcmetrics import access, bootstrap, config, framework, scoring
from dcmetrics.dashboard import Filters, ranking
from dcmetrics.errors import ValidationError
from dcmetrics.ingest.commit import approve, import_file
from dcmetrics.ingest.template import build_csv, template_columns
from dcmetrics.store import Store
from dcmetrics.unit_list import import_unit_list
from dcmetrics.units import import_official, replace_units

SEEDS_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
SEEDS_DIR = SEEDS_DIR if SEEDS_DIR.is_dir() else Path("/work/shared/seeds")
CAO_XANH = "06658"  # Phường Cao Xanh, tỉnh Quảng Ninh (22), in the official list after 1 July 2025
YEAR = 2026         # the first year Cao Xanh 2026.1 evaluates khu phố
VILLAGE_ITEMS = {"TRAIN_STAFF", "PROP_EVENTS", "REWARD_MODEL"}

VILLAGES = ("ma_don_vi,ten_don_vi,loai,ma_cap_tren,cum_thi_dua\n"
            f"{CAO_XANH}-KP01,Khu phố 1,Khu phố,{CAO_XANH},Khu phố phường Cao Xanh\n"
            f"{CAO_XANH}-KP02,Khu phố 2,khu  phố,{CAO_XANH},Khu phố phường Cao Xanh\n"
            f"{CAO_XANH}-KP03,Khu phố 3,Tổ dân phố,{CAO_XANH},Khu phố phường Cao Xanh\n").encode("utf-8-sig")
KP = [f"{CAO_XANH}-KP0{i}" for i in (1, 2, 3)]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[*_]", "", unicodedata.normalize("NFC", text)).split())


@pytest.fixture
def quang_ninh(store):
    import_official(store, access.SYSTEM, "22", legacy=False)
    return store


@pytest.fixture
def with_villages(quang_ninh):
    import_unit_list(quang_ninh, access.SYSTEM, VILLAGES, "khu-pho.csv")
    return quang_ninh


# ---------------------------------------------------------------- schema

def _insert_unit(store: Store, row: tuple) -> None:
    with store.transaction() as cur:
        cur.execute("INSERT INTO units (code, name, type, parent_code) VALUES ($c, $n, $t, $p)",
                    dict(zip("cntp", row)))

def test_migration_011_keeps_every_row_of_a_database_created_before_it(tmp_path, monkeypatch):
    """A database last opened with migrations 001–010: opening it now rebuilds `units` (the type
    CHECK cannot be altered) with every row, column, the primary key; nothing else changes."""
    from dcmetrics import store as store_module

    path = tmp_path / "before-011.duckdb"
    every = store_module.migrations()
    assert [v for v, _ in every][-1] >= 11
    monkeypatch.setattr(store_module, "migrations", lambda: [m for m in every if m[0] <= 10])
    sample = as_an_old_release(monkeypatch, config.SAMPLE_DIR, tmp_path / "sample")
    old = Store(path)
    old.cursor().execute(OLD_RELEASE_LATE_COLUMN)
    bootstrap.register_frameworks(old)
    bootstrap.load_sample(old, sample)  # units, lineage, places, figures, appraisals: rows in every table
    with pytest.raises(duckdb.ConstraintException):  # before 011 the type is refused
        _insert_unit(old, ("V1", "Thôn 1", "village", "99001"))
    before = table_digest(old)
    columns = old.rows("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                       "WHERE table_name = 'units' ORDER BY ordinal_position")
    n_units = old.rows("SELECT count(*) FROM units")[0][0]
    assert old.rows("SELECT max(version) FROM schema_version") == [(10,)]
    old.close()
    monkeypatch.setattr(store_module, "migrations", lambda: [m for m in every if m[0] <= 11])

    upgraded = Store(path)
    try:
        assert upgraded.rows("SELECT max(version) FROM schema_version") == [(11,)]
        after = table_digest(upgraded)
        # (table_digest leaves out schema_version, whose new row max(version) showed above)
        assert after == before  # units with every row and value; every other table untouched
        assert after["units"][0] == n_units > 100
        assert upgraded.rows("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                             "WHERE table_name = 'units' ORDER BY ordinal_position") == columns
        assert "units_011" not in {t for (t,) in upgraded.rows("SELECT table_name FROM information_schema.tables")}
        _insert_unit(upgraded, ("V1", "Thôn 1", "village", "99001"))
        for refused in (("V1", "Thôn 1 (trùng)", "village", "99001"),  # the primary key is still there
                        ("V2", "Xóm 2", "hamlet", "99001"),             # the CHECK, with the new type only
                        ("V3", None, "village", "99001")):              # NOT NULL name
            with pytest.raises(duckdb.ConstraintException):
                _insert_unit(upgraded, refused)
    finally:
        upgraded.close()


# ---------------------------------------------------------------- the unit list

def test_a_village_list_is_imported_under_its_commune(quang_ninh):
    r = import_unit_list(quang_ninh, access.SYSTEM, VILLAGES, "khu-pho.csv")
    assert (r.added, r.updated, r.committed) == (3, 0, True)
    assert quang_ninh.rows("SELECT code, name, type, parent_code, cluster FROM units WHERE type = 'village' "
                           "ORDER BY code") == [
        (KP[0], "Khu phố 1", "village", CAO_XANH, "Khu phố phường Cao Xanh"),
        (KP[1], "Khu phố 2", "village", CAO_XANH, "Khu phố phường Cao Xanh"),
        (KP[2], "Khu phố 3", "village", CAO_XANH, "Khu phố phường Cao Xanh")]
    assert quang_ninh.rows("SELECT type FROM units WHERE code = $c", {"c": CAO_XANH}) == [("commune",)]
    # the name order of the registry knows them (the ranking orders ties by it)
    assert quang_ninh.rows("SELECT count(*) FROM unit_name_order WHERE list_contains($k, code)", {"k": KP}) == [(3,)]


def test_the_official_import_again_keeps_the_villages(with_villages):
    n = with_villages.rows("SELECT count(*) FROM units")[0][0]
    again = import_official(with_villages, access.SYSTEM, "22")  # with the old districts and communes
    assert again.kept == 3
    assert with_villages.rows("SELECT code, parent_code FROM units WHERE type = 'village' ORDER BY code") == [
        (k, CAO_XANH) for k in KP]
    assert with_villages.rows("SELECT count(*) FROM units")[0][0] == n + again.old_units


WRONG_PARENTS = ("ma_don_vi,ten_don_vi,loai,ma_cap_tren\n"
                 "T1,Thôn Đông,Thôn,22\n"
                 "SVH22,Sở Văn hóa,Cơ quan,22\n"
                 "T2,Tổ dân phố 5,Tổ dân phố,SVH22\n"
                 "T3,Ấp Mới,Ấp,SVH99\n"
                 f"TH1,Trường Tiểu học,Đơn vị sự nghiệp,{KP[0]}\n"
                 "X1,Phòng Văn hóa,Phòng,22\n"     # a type unknown: its own row says so ...
                 "T4,Thôn 4,Thôn,X1\n").encode()  # ... and a village under it is not judged on a guess


def test_a_village_whose_parent_is_not_a_commune_is_refused_by_row_column_value(with_villages):
    before = table_digest(with_villages)
    with pytest.raises(ValidationError) as e:
        import_unit_list(with_villages, access.SYSTEM, WRONG_PARENTS, "thon.csv")
    assert [f"{p}" + (f" [{p.value}]" if p.value is not None else "") for p in e.value.problems] == [
        ("dòng 2, cột «ma_cap_tren»: Thôn, tổ dân phố, khu phố, ấp phải thuộc một xã, phường, thị trấn, đặc khu; "
        "đơn vị cấp trên «22» là tỉnh, thành phố [22]"),
        ("dòng 4, cột «ma_cap_tren»: Thôn, tổ dân phố, khu phố, ấp phải thuộc một xã, phường, thị trấn, đặc khu; "
        "đơn vị cấp trên «SVH22» là cơ quan hành chính nhà nước [SVH22]"),
        "dòng 5, cột «ma_cap_tren»: đơn vị cấp trên «SVH99» không có trong danh mục hay trong tệp [SVH99]",
        (f"dòng 6, cột «ma_cap_tren»: đơn vị cấp trên «{KP[0]}» là thôn, tổ dân phố, khu phố, ấp: không có đơn vị "
        f"nào thuộc cấp này [{KP[0]}]"),
        ("dòng 7, cột «loai»: loại đơn vị phải là «Cơ quan», «Đơn vị sự nghiệp», «Doanh nghiệp» hoặc «Thôn», "
         "«Tổ dân phố», «Khu phố», «Ấp» [Phòng]"),
    ]
    assert table_digest(with_villages) == before


def test_the_registry_check_refuses_a_village_outside_a_commune(store):
    """replace_units and import_official check the whole registry the same way."""
    frame = pl.DataFrame({"code": ["22", "D1", "V1"], "name": ["Tỉnh", "Huyện", "Thôn 1"],
                          "type": ["province", "district", "village"], "parent_code": [None, "22", "D1"]})
    with pytest.raises(ValidationError) as e:
        replace_units(store, frame, access.SYSTEM)
    assert [(p.where, p.message, p.value) for p in e.value.problems] == [
        ("dòng 4", ("Thôn, tổ dân phố, khu phố, ấp phải thuộc một xã, phường, thị trấn, đặc khu; đơn vị cấp trên "
                   "«D1» là huyện, thị xã, thành phố thuộc tỉnh"), "D1")]
    assert store.rows("SELECT count(*) FROM units") == [(0,)]


# ---------------------------------------------------------------- catalogue and profiles

def test_a_village_reports_only_the_indicators_the_catalogue_gives_it():
    _, _, indicators = framework.load_catalogue()
    assert {c for c, i in indicators.items() if "village" in i.applies} == VILLAGE_ITEMS
    assert [c.code for c in template_columns(indicators, ["village"])] == ["TRAIN_STAFF", "PROP_EVENTS", "REWARD_MODEL"]


def test_only_cao_xanh_evaluates_villages_from_2026_on_what_the_text_asks_of_a_khu_pho(profiles):
    for pid, head in profiles.items():
        for v in head.versions():
            wanted = pid == "cao-xanh" and v.version == "2026.1"
            assert ("village" in v.unit_types) == wanted, (pid, v.version)
    head = profiles["cao-xanh"]
    assert head.in_force(2025).version == "2025.1" and head.in_force(YEAR).version == "2026.1"
    cx = head.in_force(YEAR)
    assert {it.indicator.code for _, it in cx.items if "village" in it.indicator.applies} == VILLAGE_ITEMS
    seed = _words((SEEDS_DIR / cx.document.seed).read_text(encoding="utf-8"))
    for _, it in cx.items:
        if it.indicator.code in VILLAGE_ITEMS:  # the clause quotes the words that name the khu phố
            quotes = re.findall(r"«([^»]+)»", it.clause)
            assert quotes and all("khu phố" in q and _words(q) in seed for q in quotes), it.clause
    reward = next(it for _, it in cx.items if it.indicator.code == "REWARD_MODEL")
    assert "«Hàng năm cơ quan, đơn vị, khu phố đăng ký xây dựng các mô hình điển hình về thực hiện dân chủ ở cơ sở»" \
        in reward.clause and reward.clause.startswith("Mục 5, gạch đầu dòng thứ nhất")


def test_villages_in_the_catalogue_change_no_stored_version(profiles):
    """A profile that does not evaluate villages has the digest it had before the catalogue named
    them (register_frameworks refuses a version whose body changed)."""
    raw = tomllib.loads((config.FRAMEWORKS_DIR / "catalogue.toml").read_text(encoding="utf-8"))
    for ind in raw["indicators"].values():
        ind["applies"] = [t for t in ind["applies"] if t != "village"]
    without = framework.parse_catalogue(raw, "catalogue.toml")
    for pid, head in profiles.items():
        for v in head.versions():
            if "village" in v.unit_types:
                continue
            again = framework.parse_profile(raw_profile_of(v), without, f"{pid}.toml", expected_id=pid)
            assert again.sha256 == v.sha256, (pid, v.version)


def test_the_criterion_note_says_the_text_gives_a_khu_pho_level_no_classification(profiles):
    kind, note = profiles["cao-xanh"].in_force(YEAR).classification_note("village", "Hoàn thành tốt nhiệm vụ")
    assert kind == "none"
    assert note.startswith("Đơn vị loại «Thôn, tổ dân phố, khu phố, ấp» vẫn được đánh giá và xếp mức, nhưng không "
                           "có đề xuất xếp loại theo tiêu chí này: văn bản chỉ gắn kết quả với việc đánh giá ")
    assert "Hoàn thành tốt nhiệm vụ" not in note


# ---------------------------------------------------------------- template, upload, scoring

def _filled_template(store, values: dict[str, dict[str, str]]) -> bytes:
    """The area's CSV template with the given cells filled: {unit code: {column code: text}}."""
    text = build_csv(store, CAO_XANH, YEAR).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    codes = [re.search(r"\(([A-Z_]+)\)$", h).group(1) if i >= 3 else h for i, h in enumerate(rows[0])]
    for row in rows[1:]:
        for code, cell in values.get(row[0], {}).items():
            row[codes.index(code)] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


FIGURES = {
    KP[0]: {"TRAIN_STAFF": "50", "PROP_EVENTS": "2", "REWARD_MODEL": "Có"},
    KP[1]: {"TRAIN_STAFF": "100", "PROP_EVENTS": "4", "REWARD_MODEL": "Không"},
    KP[2]: {"TRAIN_STAFF": "0", "PROP_EVENTS": "0", "REWARD_MODEL": "Không", "RESP_DIALOGUE": "3"},
    CAO_XANH: {"TRAIN_STAFF": "100", "PROP_EVENTS": "4", "REWARD_MODEL": "Có"},
}


@pytest.fixture
def uploaded(with_villages):
    result = import_file(with_villages, _filled_template(with_villages, FIGURES), "cao-xanh-2026.csv", YEAR,
                         access.SYSTEM, area_code=CAO_XANH)
    approve(with_villages, access.SYSTEM, CAO_XANH, YEAR)  # the appraised basis reads approved figures only
    return with_villages, result


def test_the_template_of_the_ward_has_a_row_for_each_khu_pho(with_villages):
    rows = list(csv.reader(io.StringIO(build_csv(with_villages, CAO_XANH, YEAR).decode("utf-8-sig"))))
    assert [r[:2] for r in rows[1:]] == [[KP[0], "Khu phố 1"], [KP[1], "Khu phố 2"], [KP[2], "Khu phố 3"],
                                         [CAO_XANH, "Phường Cao Xanh"]]


def test_a_khu_pho_upload_keeps_its_figures_and_ignores_what_does_not_apply(uploaded):
    store, result = uploaded
    warned = [(p.where, p.message, p.value) for p in result.checked.warnings if "RESP_DIALOGUE" in p.message]
    assert warned == [("dòng 4, cột «Số cuộc đối thoại trực tiếp của người đứng đầu (RESP_DIALOGUE)»",
                       "chỉ tiêu RESP_DIALOGUE không áp dụng cho loại đơn vị này; giá trị bị bỏ qua", "3")]
    assert store.rows("SELECT unit_code, indicator, value FROM observations WHERE unit_code = $u ORDER BY indicator",
                      {"u": KP[0]}) == [(KP[0], "PROP_EVENTS", 2.0), (KP[0], "REWARD_MODEL", 1.0),
                                        (KP[0], "TRAIN_STAFF", 50.0)]
    assert store.rows("SELECT count(*) FROM observations WHERE unit_code = $u AND indicator = 'RESP_DIALOGUE'",
                      {"u": KP[2]}) == [(0,)]


# G1 15 points (TRAIN_STAFF alone for a khu phố), G2 20 (PROP_EVENTS, target 4), G5 20 (REWARD_MODEL);
# G3 (30) and G4 (15) hold no item for a khu phố: full points by the profile's general rule.
SCORED = [  # unit, G1..G5, total, level, held_by (the group under the floor of the band its total reaches)
    (KP[0], [7.5, 10.0, 30.0, 15.0, 20.0], 82.5, "Khá", None),
    (KP[1], [15.0, 20.0, 30.0, 15.0, 0.0], 80.0, "Trung bình", "G5"),
    (KP[2], [0.0, 0.0, 30.0, 15.0, 0.0], 45.0, "Yếu", None),
]


@pytest.mark.parametrize(("code", "groups", "total", "level", "held_by"), SCORED, ids=[s[0] for s in SCORED])
def test_a_khu_pho_is_scored_under_cao_xanh(uploaded, profiles, code, groups, total, level, held_by):
    store, _ = uploaded
    cx = profiles["cao-xanh"].in_force(YEAR)
    result = scoring.score(store, cx, [YEAR])
    row = result.wide(YEAR).filter(pl.col("unit_code") == code).row(0, named=True)
    assert (row["unit_type"], row["parent_code"], row["framework_version"]) == ("village", CAO_XANH, "2026.1")
    assert [row[f"G{i}"] for i in range(1, 6)] == groups
    assert (row["total"], row["level"], row["rated"], row["complete"]) == (total, level, True, True)
    assert (row["held_by"] or None) == held_by
    items = result.items.filter((pl.col("unit_code") == code) & ~pl.col("not_applicable"))
    assert set(items["indicator"]) == VILLAGE_ITEMS  # nothing else is asked of a khu phố


def test_khu_pho_ranks_among_themselves_and_the_ward_beside_them(uploaded, profiles):
    store, _ = uploaded
    head = profiles["cao-xanh"]
    villages = ranking(store, head, Filters(YEAR, None, "village"), access.SYSTEM)
    assert villages["unit_code"].to_list() == KP
    assert villages["rank_type"].to_list() == [1, 2, 3]
    everyone = ranking(store, head, Filters(YEAR), access.SYSTEM)
    assert set(everyone["unit_code"]) == {*KP, CAO_XANH}
    assert everyone.filter(pl.col("unit_code") == CAO_XANH)["total"].to_list() != []


def test_a_profile_that_does_not_evaluate_villages_scores_the_ward_and_leaves_them_out(uploaded, profiles):
    store, _ = uploaded
    for pid in ("chung", "thai-nguyen"):
        units = ranking(store, profiles[pid], Filters(YEAR), access.SYSTEM)
        assert units["unit_code"].to_list() == [CAO_XANH], pid
        assert ranking(store, profiles[pid], Filters(YEAR, None, "village"), access.SYSTEM).is_empty()


# ---------------------------------------------------------------- the ranking page (AppTest)

@pytest.fixture
def village_db(tmp_path, monkeypatch):
    """A database file holding Quảng Ninh, Cao Xanh's khu phố and their 2026 figures; the app
    opens it (DCMETRICS_DB) as it opens any database."""
    path = tmp_path / "khu-pho.duckdb"
    s = Store(path)
    bootstrap.register_frameworks(s)
    import_official(s, access.SYSTEM, "22", legacy=False)
    import_unit_list(s, access.SYSTEM, VILLAGES, "khu-pho.csv")
    import_file(s, _filled_template(s, FIGURES), "cao-xanh-2026.csv", YEAR, access.SYSTEM, area_code=CAO_XANH)
    approve(s, access.SYSTEM, CAO_XANH, YEAR)
    s.close()
    monkeypatch.setenv("DCMETRICS_DB", str(path))
    _forget_store()
    yield path
    from ui.context import get_store

    get_store().close()
    _forget_store()


def test_the_ranking_page_lists_khu_pho_with_their_label_and_filters_them(village_db, profiles):
    at = run_app("ranking", profile="cao-xanh")
    assert at.selectbox(key="year").value == YEAR
    assert at.selectbox(key="profile").value == "cao-xanh"
    caption = " ".join(c.value for c in at.caption)
    assert "phiên bản 2026.1 · năm 2026" in caption
    raw = at.dataframe(key="ranking_table").value
    assert set(raw["Mã"]) == {*KP, CAO_XANH}
    labels = dict(zip(raw["Mã"], raw["Loại"]))
    assert labels[KP[0]] == "Thôn, tổ dân phố, khu phố, ấp" and labels[CAO_XANH] == "Xã, phường, thị trấn, đặc khu"

    box = at.selectbox(key="unit_type")
    assert box.options[-1] == "Thôn, tổ dân phố, khu phố, ấp"  # the sidebar's type filter offers villages
    box.select("village").run()
    assert not at.exception, [e.value for e in at.exception]
    raw = at.dataframe(key="ranking_table").value
    shown = display_values(at.dataframe(key="ranking_table"))
    assert list(raw["Mã"]) == KP
    assert list(shown["Tổng điểm"]) == ["82,50", "80,00", "45,00"]
    assert list(raw["Mức độ"]) == ["Khá", "Trung bình", "Yếu"]
    assert set(raw["Loại"]) == {"Thôn, tổ dân phố, khu phố, ấp"}

    # the unit page of a khu phố: its type, its level and what the text says that level means
    at.session_state["unit_code"] = KP[1]
    at.switch_page("pages/unit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="unit_code").value == KP[1]
    assert any(c.value.startswith("Thôn, tổ dân phố, khu phố, ấp · Phường Cao Xanh · ") for c in at.caption)
    assert [m.value for m in at.metric if m.label == "Mức độ thực hiện"] == ["Trung bình"]
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Đơn vị loại «Thôn, tổ dân phố, khu phố, ấp» vẫn được đánh giá và xếp mức") for w in warnings)
    assert any("G5" in w and "chưa đạt mức điểm tối thiểu" in w for w in warnings)
    at.switch_page("pages/ranking.py").run()

    # a profile that does not evaluate villages: the filter matches nothing, the page says so
    at.selectbox(key="profile").select("chung").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Không có đơn vị nào khớp bộ lọc đã chọn." in [i.value for i in at.info]
