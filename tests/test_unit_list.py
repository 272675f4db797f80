"""A province's own bodies from a unit list (issue 14): added and updated beside the official
units; every problem named by row, column and value; nothing stored on any."""

from __future__ import annotations

import pytest
from conftest import table_digest

from dcmetrics import access
from dcmetrics.errors import ValidationError
from dcmetrics.unit_list import import_unit_list
from dcmetrics.units import import_official

GOOD = ("ma_don_vi,ten_don_vi,loai,ma_cap_tren,cum_thi_dua,nam_bat_dau\n"
        "SNV96,Sở Nội vụ,Cơ quan,96,Khối các sở,2025\n"
        "TTHC96,Trung tâm Phục vụ hành chính công,Đơn vị sự nghiệp,SNV96,Khối các sở,2025\n"
        "00007,Công ty Cấp nước,Doanh nghiệp,96,Khối doanh nghiệp,\n").encode("utf-8-sig")


@pytest.fixture
def ca_mau(store):
    import_official(store, access.SYSTEM, "96", legacy=False)
    return store


def test_a_unit_list_adds_the_province_s_bodies(ca_mau):
    r = import_unit_list(ca_mau, access.SYSTEM, GOOD, "don-vi.csv")
    assert (r.added, r.updated, r.committed) == (3, 0, True)
    rows = ca_mau.rows("SELECT code, name, type, parent_code, cluster, active_from FROM units "
                       "WHERE type IN ('agency', 'service', 'enterprise') ORDER BY code")
    assert rows == [("00007", "Công ty Cấp nước", "enterprise", "96", "Khối doanh nghiệp", None),
                    ("SNV96", "Sở Nội vụ", "agency", "96", "Khối các sở", 2025),
                    ("TTHC96", "Trung tâm Phục vụ hành chính công", "service", "SNV96", "Khối các sở", 2025)]
    assert ca_mau.rows("SELECT count(*) FROM units WHERE type = 'commune'")[0][0] == 64  # untouched
    again = import_unit_list(ca_mau, access.SYSTEM, GOOD, "don-vi.csv")
    assert (again.added, again.updated) == (0, 3)


BAD = ("ma_don_vi,ten_don_vi,loai,ma_cap_tren,nam_bat_dau\n"
       "SNV96,Sở Nội vụ,Sở,96,2025\n"
       "SNV96,Sở Nội vụ (trùng),Cơ quan,96,2025\n"
       "32002,Phường An Xuyên,Cơ quan,96,\n"
       "STC96,,Cơ quan,XYZ,năm nay\n").encode("utf-8")


def test_a_bad_unit_list_names_every_problem_and_stores_nothing(ca_mau):
    before = table_digest(ca_mau)
    with pytest.raises(ValidationError) as e:
        import_unit_list(ca_mau, access.SYSTEM, BAD, "don-vi.csv")
    assert [f"{p}" + (f" [{p.value}]" if p.value is not None else "") for p in e.value.problems] == [
        "dòng 2, cột «loai»: loại đơn vị phải là «Cơ quan», «Đơn vị sự nghiệp», «Doanh nghiệp» hoặc «Thôn», "
        "«Tổ dân phố», «Khu phố», «Ấp» [Sở]",
        "dòng 3, cột «ma_don_vi»: mã «SNV96» đã có ở dòng 2 [SNV96]",
        "dòng 4, cột «ma_don_vi»: «32002» là đơn vị hành chính chính thức: không sửa bằng danh sách này [32002]",
        "dòng 5, cột «ten_don_vi»: thiếu tên đơn vị",
        "dòng 5, cột «ma_cap_tren»: đơn vị cấp trên «XYZ» không có trong danh mục hay trong tệp [XYZ]",
        "dòng 5, cột «nam_bat_dau»: năm phải là số từ 2000 đến 2100 [năm nay]",
    ]
    assert table_digest(ca_mau) == before
    with pytest.raises(ValidationError) as e:
        import_unit_list(ca_mau, access.SYSTEM, "ma_don_vi,ten_don_vi,loai\nX,Y,Cơ quan\n".encode(), "x.csv")
    assert [str(p) for p in e.value.problems] == ["tệp: thiếu cột bắt buộc: ma_cap_tren"]
