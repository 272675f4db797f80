"""A real province's official units into the registry (issue 14): old and new, lineage, places;
one transaction, audited, other units kept, a dry run that stores nothing; the CLI."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import table_digest

from dcmetrics import access, cli, official_units
from dcmetrics.errors import AccessDenied, NotFound
from dcmetrics.units import import_official


@pytest.fixture(scope="module")
def ca_mau():
    return official_units.province_units("Cà Mau")


def test_import_with_legacy_stores_what_the_package_has(store, ca_mau):
    r = import_official(store, access.SYSTEM, "96", legacy=True)
    assert (r.province_code, r.province_name, r.committed) == ("96", "Tỉnh Cà Mau", True)
    assert r.new_units == 1 + ca_mau.counts["new_communes"] == 65
    assert r.old_units == ca_mau.counts["old_districts"] + ca_mau.counts["old_communes"] == 180
    assert (r.lineage, r.divided, r.existing, r.kept) == (186, 19, 0, 0)
    by_type = dict(store.rows("SELECT type, count(*) FROM units GROUP BY type"))
    assert by_type == {"province": 1, "commune": 64 + 164, "district": 16}
    # codes are text with their leading zeros; old ones carry the 63-province tag
    codes = {c for (c,) in store.rows("SELECT code FROM units")}
    assert codes == set(ca_mau.units["code"].to_list())
    assert all(len(official_units.official_code(c)) in (2, 3, 5) for c in codes)
    assert store.rows("SELECT count(*) FROM units WHERE code LIKE '%@63' AND active_to = 2024")[0][0] == 180
    assert store.rows("SELECT count(*) FROM units WHERE code NOT LIKE '%@63' AND active_from = 2025")[0][0] == 65
    stored = store.frame("SELECT old_code, new_code, share, share_basis, is_default, source "
                         "FROM unit_lineage ORDER BY old_code, new_code")
    expected = ca_mau.lineage.select("old_code", "new_code", "share", "share_basis", "is_default", "source")
    assert stored.to_dicts() == expected.sort("old_code", "new_code").to_dicts()
    # a divided old commune: its shares sum to one, one successor is the default
    divided = stored.filter(pl.col("old_code").is_in(
        stored.group_by("old_code").len().filter(pl.col("len") > 1)["old_code"].implode()))
    for _, part in divided.group_by("old_code"):
        assert part["share"].sum() == pytest.approx(1.0) and part["is_default"].sum() == 1
    assert store.rows("SELECT count(*) FROM unit_places WHERE lat IS NOT NULL AND lon IS NOT NULL")[0][0] == 245
    audit_rows = store.rows("SELECT action, object FROM audit WHERE action = 'units_import'")
    assert audit_rows == [("units_import", "province:96")]


def test_import_keeps_other_units_and_again_changes_nothing(store):
    import_official(store, access.SYSTEM, "Cà Mau", legacy=True)
    with store.transaction() as cur:  # a department's agency, entered from a unit list
        cur.execute("INSERT INTO units VALUES ('SNV96', 'Sở Nội vụ', 'agency', '96', 'Khối sở', 2025, NULL)")
    before = store.rows("SELECT * FROM units ORDER BY code")
    again = import_official(store, access.SYSTEM, "ca mau", legacy=True)
    assert (again.existing, again.kept) == (245, 1)
    assert store.rows("SELECT * FROM units ORDER BY code") == before
    assert store.rows("SELECT count(*) FROM unit_lineage")[0][0] == 186


def test_dry_run_and_refusals_store_nothing(store):
    before = table_digest(store)
    r = import_official(store, access.SYSTEM, "Bắc Ninh", legacy=True, commit=False)
    assert not r.committed and r.new_units == 100 and r.lineage == 313
    assert table_digest(store) == before
    with pytest.raises(NotFound, match="Không tìm thấy tỉnh, thành phố «Xyz»"):
        import_official(store, access.SYSTEM, "Xyz")
    assert table_digest(store) == before


def test_only_an_administrator_imports(store):
    officer = access.Account("canbo.x", access.OFFICER, "96", "Cán bộ")
    with pytest.raises(AccessDenied):
        import_official(store, officer, "96")


def test_cli_units_import(tmp_path, capsys):
    db = tmp_path / "tinh.duckdb"
    assert cli.main(["units-import", "--db", str(db), "--province", "Cà Mau", "--legacy", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Tỉnh Cà Mau (mã 96), theo vietnamadminunits" in out
    assert "đơn vị cũ (huyện và xã trước sắp xếp, đến năm 2024): 180" in out
    assert "liên kết đơn vị cũ → mới: 186 (xã cũ chia cho nhiều xã mới: 19)" in out
    assert out.strip().endswith("Chạy thử: chưa ghi gì (bỏ --dry-run để ghi).")
    assert cli.main(["units-import", "--db", str(db), "--province", "96"]) == 0
    assert "đơn vị mới (tỉnh và xã, phường, đặc khu, từ năm 2025): 65" in capsys.readouterr().out
    assert cli.main(["units-import", "--db", str(db), "--province", "Xyz"]) == 1
    assert "Không tìm thấy tỉnh, thành phố «Xyz»" in capsys.readouterr().err


def test_init_with_a_real_province_creates_its_units_and_no_figures(tmp_path, capsys):
    from dcmetrics.store import Store

    db = tmp_path / "ca-mau.duckdb"
    assert cli.main(["init", "--db", str(db), "--province", "Cà Mau"]) == 0
    out = capsys.readouterr().out
    assert "Tỉnh Cà Mau (mã 96): 65 đơn vị mới, 180 đơn vị cũ, 186 liên kết cũ → mới" in out
    assert "Chưa có số liệu: tải tệp mẫu" in out and "dữ liệu mẫu: không" in out
    s = Store(db)
    try:
        assert s.rows("SELECT count(*) FROM units")[0][0] == 245
        assert s.rows("SELECT count(*) FROM observations")[0][0] == 0
        assert s.rows("SELECT count(*) FROM unit_lineage")[0][0] == 186
    finally:
        s.close()
    assert cli.main(["init", "--db", str(tmp_path / "x.duckdb"), "--sample", "--province", "96"]) == 1
    assert "Chọn một: --sample" in capsys.readouterr().err
