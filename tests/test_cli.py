"""The dcmetrics command, as an office would run it."""

from __future__ import annotations

import re
import subprocess
import sys

import polars as pl
import pytest

from conftest import open_for_uploads

from dcmetrics.cli import main
from dcmetrics.store import Store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "tinh.duckdb"
    assert main(["init", "--db", str(path), "--sample"]) == 0
    return path


def test_frameworks_lists_every_profile(capsys):
    assert main(["frameworks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "id\tversion\ttitle\tdocument\tgroups"
    groups = {line.split("\t")[0]: int(line.split("\t")[-1]) for line in lines[1:]}
    assert groups == {"bac-giang": 4, "ca-mau": 5, "cao-xanh": 5, "chung": 7, "thai-nguyen": 6,
                      "tiep-can-phap-luat-mau": 5, "vinh-linh": 7}


def test_score_writes_one_row_per_unit(db, tmp_path, capsys):
    out = tmp_path / "diem.csv"
    assert main(["score", "--db", str(db), "--year", "2025", "--framework", "vinh-linh", "--out", str(out)]) == 0
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")  # the standard dialect: comma, dot, no BOM
    frame = pl.read_csv(out, schema_overrides={"framework_version": pl.String, "parent_code": pl.String})
    assert frame.columns[:12] == ["unit_code", "unit_name", "unit_type", "parent_code", "year", "framework_id",
                                  "framework_version", "basis", "total", "level", "rank", "complete"]
    assert {"classification_cap", "G1", "G7", "total_self", "level_self"} <= set(frame.columns)
    assert frame.height == 95  # the appraised basis: the 95 units of 2025 whose figures are approved
    assert set(frame["framework_id"]) == {"vinh-linh"} and set(frame["framework_version"]) == {"2025.1"}
    top = frame.row(0, named=True)
    assert top["rank"] == 1 and top["total"] == frame["total"].max()
    group_sum = sum(top[f"G{i}"] for i in range(1, 8))
    assert top["total"] == pytest.approx(round(group_sum, 2))
    assert "Đã ghi 95 đơn vị" in capsys.readouterr().out
    # points at the two decimals the pages show: no float noise such as 25.000000000000004
    text = out.read_text(encoding="utf-8")
    assert not re.search(r"\d\.\d{3,}", text)
    assert set(frame["complete"]) <= {"Có", "Không"}
    # the Vietnamese dialect: BOM, semicolons, decimal commas, the same values
    vi = tmp_path / "diem-vi.csv"
    assert main(["score", "--db", str(db), "--year", "2025", "--framework", "vinh-linh", "--out", str(vi),
                 "--dialect", "vi"]) == 0
    assert vi.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(vi, separator=";", decimal_comma=True,
                       schema_overrides={"framework_version": pl.String, "parent_code": pl.String})
    assert back["total"].to_list() == frame["total"].to_list() and back["unit_code"].equals(frame["unit_code"])


def test_self_basis_differs_where_appraisals_lowered_values(db, tmp_path):
    paths = {}
    for basis in ("self", "appraised"):
        paths[basis] = tmp_path / f"{basis}.csv"
        main(["score", "--db", str(db), "--year", "2025", "--framework", "tiep-can-phap-luat-mau",
              "--basis", basis, "--out", str(paths[basis])])
    own, appraised = (pl.read_csv(paths[b]).select("unit_code", "total") for b in ("self", "appraised"))
    joined = own.join(appraised, on="unit_code", suffix="_appraised")
    assert joined.filter(pl.col("total_appraised") < pl.col("total") - 1).height >= 3


@pytest.mark.parametrize("args,message", [
    (["score", "--year", "2031", "--framework", "chung"], "Chưa có số liệu năm 2031. Các năm có số liệu: 2023, 2024, 2025."),
    (["score", "--year", "2025", "--framework", "khong-co"], "Không có bộ tiêu chí «khong-co»"),
])
def test_errors_exit_non_zero_with_a_message(db, tmp_path, capsys, args, message):
    assert main([*args, "--db", str(db), "--out", str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_database_is_refused_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dcmetrics.cli", "score", "--db", str(tmp_path / "khong.duckdb"),
                           "--year", "2025", "--framework", "chung", "--out", str(tmp_path / "x.csv")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Không tìm thấy cơ sở dữ liệu" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "khong.duckdb").exists()


def test_import_dry_run_and_bad_file(db, tmp_path, capsys):
    from dcmetrics import config

    good = config.SAMPLE_DIR / "2024" / "992.csv"
    s = Store(db)  # the sample approved 992's 2024 file: reopened for a new one
    open_for_uploads(s, ("992",))
    s.close()
    assert main(["import", str(good), "--db", str(db), "--year", "2024", "--user", "canbo.992", "--dry-run"]) == 0
    assert "Tệp hợp lệ" in capsys.readouterr().out
    bad = tmp_path / "sai.csv"
    bad.write_bytes(good.read_bytes().replace(b",2024,", b",2023,", 1))
    assert main(["import", str(bad), "--db", str(db), "--year", "2024", "--user", "canbo.992"]) == 2
    err = capsys.readouterr().err
    assert "dòng 2, cột «nam»: năm 2023 khác năm đang nhập số liệu 2024" in err
