"""Deterministic sample province: units, yearly upload files and the level above's appraisals.

`python -m dcmetrics.sample --out data/sample` writes:

- `units.csv`: the registry (code,name,type,parent_code,cluster,active_from,active_to);
- `<year>/<area>.csv`: what each district (and the province, `99.csv`) would upload for the
  units of its area, in the upload format of data/frameworks/README.md (UTF-8 with BOM);
- `places.csv`: fictitious coordinates for the map (code,lat,lon);
- `assignments.csv`: which profile evaluates which area in which years (profile_id,area_code,
  unit_types,year_from,year_to,reason);
- `lineage.csv`: which old units each new unit continues (old_code,new_code,effective_date,
  share,share_basis,is_default);
- `reviews.csv`: the review state of each area-year file (year,area_code,review_state): every
  year before the newest approved; in the newest, some areas approved, others awaiting review;
- `appraisals.csv`: appraised values (unit_code,year,indicator,value,numerator,denominator,
  reason,appraiser); yes/no values there are written 1/0, ratios as numerator/denominator.

Kinds, applicability, max and step come from data/frameworks/catalogue.toml at run time, so
the files follow the catalogue. Every random draw comes from a `random.Random` seeded with a
string naming what it is for (seed, purpose, year, unit): no global random state, hash seed,
dict order or clock is involved, so the same seed always gives byte-identical files.

The shape is a merged province's: 2023–2024 with three tiers (the sample province's eight
districts and the two of the province it absorbed, each uploading its file); 2025 with two
tiers (the reform of 1 July 2025): new communes formed from the old ones (one old commune divided
between two), each uploading its own file with the school and cooperative it now manages; two
departments uploading for their service units; the province for the rest. `assignments.csv` puts
the absorbed province's former territory under a second profile (see assignment_rows).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import random
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from dcmetrics.config import SAMPLE_DIR, frameworks_dir

YEARS = (2023, 2024, 2025)
REFORM_YEAR = 2025  # the first year of two tiers: districts abolished, communes merged (1 July 2025)
PROVINCE_CODE = "99"
PROVINCE_NAME = "Tỉnh Mẫu An Hòa (dữ liệu mẫu)"
PROVINCE_AREA = "990"  # area digits in the codes of province-level bodies (CQ990xx, ...)
# The province the sample province absorbed in 2025. Its history is held under the province that
# now evaluates its territory (so the province's accounts read it); its communes stay under its
# own resolution after the merger (amended Law on Promulgation of Legal Documents 2025, Art. 54(2)).
FORMER_CODE = "98"
FORMER_NAME = "Tỉnh Mẫu Hải Xuân (cũ, nhập vào tỉnh Mẫu An Hòa từ 01/7/2025)"
FORMER_AREA = "980"
FORMER_DISTRICTS = [("981", "Huyện", "Mẫu Hải Xuân"), ("982", "Thị xã", "Mẫu Vạn Ninh")]
FORMER_COMMUNES = (10, 12)  # communes per district of the absorbed province
FORMER_CLUSTER = "Cụm thi đua tỉnh Mẫu Hải Xuân cũ"
FORMER_NEW_CLUSTER = "Cụm thi đua số 5"
# the absorbed province's departments, each merged into the province's own (code)
FORMER_DEPARTMENTS = [("Sở Nội vụ", "CQ99001"), ("Sở Tư pháp", "CQ99002")]
FORMER_ENTERPRISE = "Công ty Cổ phần Công trình đô thị Mẫu Hải Xuân"
FORMER_PROFILE = "tiep-can-phap-luat-mau"  # the absorbed province's "resolution" in the sample
PROVINCE_PROFILE = "chung"
NEW_COMMUNE_BLOCK = "994"  # new communes 99401, 99402, ...
DIVIDED_DISTRICT = "993"   # one of its old communes is divided between two new ones
DIVIDED_SHARE = 0.6        # the part that goes to the first (the default successor)
HEALTH_DEPARTMENT = "CQ99007"  # Sở Y tế: the district health centres come under it
YES, NO = "Có", "Không"

UNITS_COLUMNS = ["code", "name", "type", "parent_code", "cluster", "active_from", "active_to"]
PLACE_COLUMNS = ["code", "lat", "lon"]
# the fictitious province lies around here (a point in the sea off central Vietnam: no real place)
PLACE_CENTRE = (15.2, 110.2)
LINEAGE_COLUMNS = ["old_code", "new_code", "effective_date", "share", "share_basis", "is_default"]
ASSIGNMENT_COLUMNS = ["profile_id", "area_code", "unit_types", "year_from", "year_to", "reason"]
REVIEW_COLUMNS = ["year", "area_code", "review_state"]
# The newest year is under review: these areas' files await the province's review (so their demo
# officers, canbo.99401 and canbo.soyte, can still send files); every other file is approved (among
# them 99411, the merged commune the pages and tests show with its predecessors, and 99402, one of
# the units a veto leaves unrated, and 99441, one a veto caps).
AWAITING_REVIEW = {f"994{n:02d}" for n in (1, *range(3, 11), *range(30, 41))} | {"CQ99007"}
APPRAISAL_COLUMNS = ["unit_code", "year", "indicator", "value", "numerator", "denominator",
                     "reason", "appraiser"]
TYPE_ORDER = ("province", "district", "commune", "agency", "service", "enterprise")
EVALUATED = ("commune", "agency", "service", "enterprise")

# (code, kind of district, name). The first is the provincial city: it has wards.
DISTRICTS = [
    ("991", "Thành phố", "Mẫu An Hòa"),
    ("992", "Huyện", "Mẫu Bình Khê"),
    ("993", "Huyện", "Mẫu Đức Lâm"),
    ("994", "Huyện", "Mẫu Ân Sơn"),
    ("995", "Huyện", "Mẫu Phú Điền"),
    ("996", "Huyện", "Mẫu Thạch Bàn"),
    ("997", "Huyện", "Mẫu Hải Triều"),
    ("998", "Huyện", "Mẫu Tràng Xuân"),
]
COMMUNE_BLOCK = 25  # commune codes of district k are 99 + ((k-1)*25 + 1 ...)

# Syllables of the fictitious commune names (pairs of different syllables).
NAME_FIRST = ["An", "Bình", "Hòa", "Phú", "Tân", "Long", "Phước", "Đông", "Tây", "Nam", "Bắc",
              "Trung", "Vĩnh", "Hưng", "Thuận", "Mỹ", "Lộc", "Thành", "Quảng", "Đức", "Hiệp",
              "Nghĩa", "Xuân", "Hương", "Kim", "Ngọc", "Cẩm", "Thanh", "Yên", "Thạch", "Hải",
              "Sơn", "Lạc", "Ân", "Gia", "Hồng", "Quang", "Minh", "Tiến", "Đại"]
NAME_SECOND = ["An", "Bình", "Hòa", "Phú", "Lợi", "Thịnh", "Phong", "Điền", "Lâm", "Sơn",
               "Thủy", "Hải", "Hà", "Trung", "Tiến", "Đông", "Mỹ", "Lộc", "Thành", "Hưng",
               "Khánh", "Nghĩa", "Xuân", "Tường", "Quý", "Ninh", "Vân", "Đồng", "Giang", "Ước"]

DISTRICT_AGENCIES = ["Phòng Nội vụ", "Phòng Tư pháp"]
DISTRICT_THIRD_AGENCY = ["Phòng Văn hóa và Thông tin", "Phòng Tài chính – Kế hoạch",
                         "Phòng Kinh tế", "Phòng Giáo dục và Đào tạo"]
DISTRICT_INDUSTRIES = ["May mặc", "Chế biến nông sản", "Gạch ngói", "Vận tải hành khách",
                       "Thủy sản", "Xây dựng"]
# Departments of the province, each with its public service units (possibly none).
DEPARTMENTS = [
    ("Sở Nội vụ", ["Trung tâm Lưu trữ lịch sử tỉnh"]),
    ("Sở Tư pháp", ["Trung tâm Trợ giúp pháp lý nhà nước tỉnh"]),
    ("Sở Tài chính", []),
    ("Sở Xây dựng", ["Ban Quản lý dự án đầu tư xây dựng công trình dân dụng tỉnh"]),
    ("Sở Nông nghiệp và Môi trường", ["Trung tâm Khuyến nông tỉnh"]),
    ("Sở Giáo dục và Đào tạo", ["Trường Trung học phổ thông chuyên Mẫu An Hòa",
                                "Trường Trung học phổ thông Mẫu Đức Lâm"]),
    ("Sở Y tế", ["Bệnh viện Đa khoa tỉnh Mẫu An Hòa", "Trung tâm Kiểm soát bệnh tật tỉnh"]),
    ("Sở Văn hóa, Thể thao và Du lịch", ["Thư viện tỉnh", "Bảo tàng tỉnh"]),
    ("Sở Khoa học và Công nghệ", ["Trung tâm Ứng dụng tiến bộ khoa học và công nghệ"]),
    ("Sở Công Thương", []),
    ("Sở Dân tộc và Tôn giáo", []),
    ("Sở Ngoại vụ", []),
]
PROVINCE_ENTERPRISES = [
    "Công ty TNHH MTV Xổ số kiến thiết Mẫu An Hòa",
    "Công ty TNHH MTV Khai thác công trình thủy lợi Mẫu An Hòa",
    "Công ty Cổ phần Cấp nước Mẫu An Hòa",
    "Công ty Cổ phần Môi trường đô thị Mẫu An Hòa",
    "Công ty TNHH MTV Lâm nghiệp Mẫu An Hòa",
    "Công ty Cổ phần Xe khách Mẫu An Hòa",
]
CLUSTER_DEPARTMENTS = "Khối các sở, ban, ngành tỉnh"
CLUSTER_DISTRICT_AGENCIES = "Khối phòng, ban cấp huyện"
CLUSTER_SERVICES = "Khối đơn vị sự nghiệp"
CLUSTER_ENTERPRISES = "Khối doanh nghiệp"
# Departments that upload for their service units from the reform on (the province uploads the rest).
DEPARTMENT_AREAS = {"Sở Giáo dục và Đào tạo", "Sở Y tế"}

# Tiers of the latent quality: (name, share of units, base quality range).
TIERS = [("strong", 0.2, (0.88, 0.94)), ("good", 0.4, (0.77, 0.87)),
         ("middling", 0.3, (0.62, 0.76)), ("weak", 0.1, (0.40, 0.58))]
MAX_QUALITY = 0.94  # only cluster leaders go above, so they clearly top their cluster
LEADER_QUALITY = 0.995

# Plausible sizes behind each percentage: (smallest base, largest base, attainable share).
PERCENT_SPEC = {
    "TRAIN_STAFF": (4, 25, 1.0), "TRAIN_BOARDS": (5, 15, 0.97), "TRAIN_VILLAGE": (12, 40, 0.95),
    "RESP_DISCLOSURE": (10, 40, 1.0), "RESP_CONVENTION": (5, 20, 0.97),
    "RESP_HOUSEHOLDS": (600, 3000, 0.9), "IT_ONLINE_SERVICES": (60, 160, 0.88),
    "IT_STAFF_TRAINED": (3, 20, 0.95),
}
DEFAULT_PERCENT = (8, 30, 1.0)
COUNT_MAX = {"TRAIN_CLASSES": 3, "PROP_EVENTS": 12, "RESP_DIALOGUE": 4, "REWARD_COMMENDED": 6,
             "INSP_DONE": 4}
DEFAULT_COUNT_MAX = 4
# Ratios: (largest denominator for a commune, chance that nothing arose in the year).
RATIO_SPEC = {"RESP_COMPLAINTS": (12, 0.15), "RESP_CONSULT": (8, 0.15),
              "BOARD_RECOMMEND": (5, 0.35)}
DEFAULT_RATIO = (6, 0.25)
EASY_YESNO = {"PROP_PLAN", "RESP_REGULATION", "RESP_STEERING", "BOARD_CONSOLIDATED",
              "INSP_REPORT_ON_TIME"}

# Indicators with their own story (violations, discipline, bonus); generic code skips them.
VIOLATIONS, HANDLED = "DISC_VIOLATIONS", "DISC_HANDLED"
HEAD, BONUS = "HEAD_DISCIPLINED", "BONUS_INITIATIVE"
SPECIAL = {VIOLATIONS, HANDLED, HEAD, BONUS}

# Why the level above lowers a self-assessed value.
REASONS = {
    "RESP_DISCLOSURE": "Hồ sơ công khai không đầy đủ theo quy định",
    "QUAL_PROPAGANDA": "Hình thức tuyên truyền đơn điệu, thiếu tài liệu minh chứng",
    "PROP_EVENTS": "Một số hoạt động tuyên truyền không có biên bản, hình ảnh minh chứng",
    "PROP_PORTAL": "Chưa đăng tải nội dung lấy ý kiến trên cổng thông tin điện tử",
    "BOARD_PLAN": "Kế hoạch hoạt động của Ban Thanh tra nhân dân chưa được phê duyệt",
    "INSP_REPORT_ON_TIME": "Báo cáo kết quả thực hiện dân chủ ở cơ sở gửi chậm so với thời hạn",
    "RESP_COMPLAINTS": "Một số đơn thư giải quyết quá thời hạn quy định",
    "TRAIN_STAFF": "Danh sách người được bồi dưỡng không khớp với hồ sơ lớp bồi dưỡng",
}
STRONG_DROP_MAIN = ("RESP_DISCLOSURE", "QUAL_PROPAGANDA")
STRONG_DROP_YESNO = ("PROP_PORTAL", "BOARD_PLAN", "INSP_REPORT_ON_TIME")
SUPERIOR_REASON = "Cấp trên chấm theo kết quả theo dõi, kiểm tra trong năm"


@dataclass(frozen=True)
class Indicator:
    code: str
    kind: str
    applies: frozenset[str]
    entered_by: str = "unit"
    max: float | None = None
    step: float | None = None
    target: float | None = None  # proportional target, used to let leaders reach it


@dataclass
class Unit:
    code: str
    name: str
    type: str
    parent_code: str = ""
    cluster: str = ""
    active_from: int | None = None
    active_to: int | None = None
    area: str = PROVINCE_CODE  # the upload file (district, commune, department, province) of the unit
    area_new: str | None = None  # another upload area from REFORM_YEAR (a department's service units)

    def active(self, year: int) -> bool:
        return ((self.active_from is None or self.active_from <= year)
                and (self.active_to is None or year <= self.active_to))

    def area_in(self, year: int) -> str:
        return self.area_new if self.area_new and year >= REFORM_YEAR else self.area


@dataclass(frozen=True)
class Link:
    """One row of lineage.csv: an old unit continued (whole or a share) in a new one."""
    old_code: str
    new_code: str
    share: float
    share_basis: str  # whole | area
    is_default: bool


@dataclass
class Latent:
    tier: str
    base: float
    trend: float  # quality change per year
    leader: bool = False
    sizes: dict[str, int] = field(default_factory=dict)  # stable bases of the percentages


def rng_for(seed: int, *parts: object) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`, so it does not depend on PYTHONHASHSEED.
    return random.Random("/".join([str(seed), *map(str, parts)]))


# ---------------------------------------------------------------- catalogue

def load_catalogue(path: Path) -> list[Indicator]:
    """The catalogue's indicators in file order (tomllib keeps it)."""
    with open(path, "rb") as fh:
        body = tomllib.load(fh)
    indicators = []
    for code, spec in body["indicators"].items():
        rule = spec.get("rule", {})
        indicators.append(Indicator(
            code=code, kind=spec["kind"], applies=frozenset(spec["applies"]),
            entered_by=spec.get("entered_by", "unit"), max=spec.get("max"), step=spec.get("step"),
            target=rule.get("target") if rule.get("type") == "proportional" else None))
    return indicators


def upload_columns(indicators: list[Indicator]) -> list[str]:
    """Header of an upload file: unit, name, year, then the unit-entered indicators."""
    columns = ["ma_don_vi", "ten_don_vi", "nam"]
    for ind in indicators:
        if ind.entered_by == "superior":
            continue
        columns += [f"{ind.code}__TU", f"{ind.code}__MAU"] if ind.kind == "ratio" else [ind.code]
    return columns


# ---------------------------------------------------------------- units

def commune_names(rng: random.Random, count: int) -> list[str]:
    pairs = [f"{a} {b}" for a, b in itertools.product(NAME_FIRST, NAME_SECOND) if a != b]
    return rng.sample(pairs, count)


def commune_counts(rng: random.Random) -> list[int]:
    # Redraw until every year keeps at least 150 communes after the three merges.
    while True:
        counts = [rng.randint(18, 22) for _ in DISTRICTS]
        if sum(counts) >= 156:
            return counts


def commune_prefixes(district_kind: str, count: int, k: int) -> list[str]:
    """Wards first in the city; one or two towns (thị trấn) in a rural district."""
    if district_kind == "Thành phố":
        wards = round(count * 0.6)
        return ["Phường"] * wards + ["Xã"] * (count - wards)
    towns = 2 if k % 3 == 0 else 1
    return ["Thị trấn"] * towns + ["Xã"] * (count - towns)


def build_units(seed: int) -> list[Unit]:
    """The registry before and after the reform: two provinces' districts and communes up to
    2024, then one province of two tiers (see reorganise)."""
    return build_registry(seed)[0]


def build_registry(seed: int) -> tuple[list[Unit], list[Link]]:
    rng = rng_for(seed, "units")
    counts = commune_counts(rng)
    # Names for the communes, each district's school and cooperative (drawn as before the reform
    # was added, so the old units keep their names), then the absorbed province's and the new ones.
    first = commune_names(rng, sum(counts) + len(DISTRICTS) * 2 + 3)
    later = rng_for(seed, "units-after")
    former_counts = [later.randint(*FORMER_COMMUNES) for _ in FORMER_DISTRICTS]
    unused = [n for n in commune_names(later, 1000) if n not in set(first)]
    names = iter(first[:-3] + unused)
    units = [Unit(PROVINCE_CODE, PROVINCE_NAME, "province"),
             Unit(FORMER_CODE, FORMER_NAME, "province", PROVINCE_CODE, active_to=REFORM_YEAR - 1, area=FORMER_CODE)]
    for k, ((dcode, dkind, dname), count) in enumerate(zip(DISTRICTS, counts), start=1):
        units += district_units(k, dcode, dkind, dname, count, PROVINCE_CODE, f"Cụm thi đua số {(k + 1) // 2}", names)
    for k, ((dcode, dkind, dname), count) in enumerate(zip(FORMER_DISTRICTS, former_counts), start=1):
        units += district_units(len(DISTRICTS) + k, dcode, dkind, dname, count, FORMER_CODE, FORMER_CLUSTER, names,
                                block=FORMER_CODE)
    units += province_bodies()
    units += former_bodies()
    links = reorganise(rng, units, names)
    return sorted(units, key=lambda u: (TYPE_ORDER.index(u.type), u.code)), links


def district_units(k: int, dcode: str, dkind: str, dname: str, count: int, parent: str, cluster: str,
                   names, block: str = PROVINCE_CODE) -> list[Unit]:
    """A district of the old three tiers, its communes and its bodies (all ended by the reform)."""
    out = [Unit(dcode, f"{dkind} {dname}", "district", parent, area=dcode)]
    first = (k - 1 if block == PROVINCE_CODE else k - 1 - len(DISTRICTS)) * COMMUNE_BLOCK
    for i, prefix in enumerate(commune_prefixes(dkind, count, k)):
        out.append(Unit(f"{block}{first + i + 1:03d}", f"{prefix} {next(names)}", "commune", dcode, cluster,
                        area=dcode))
    out += district_bodies(k, dcode, dkind, dname, names)
    for u in out:
        u.active_to = REFORM_YEAR - 1
    return out


def district_bodies(k: int, dcode: str, dkind: str, dname: str, names) -> list[Unit]:
    """Three offices, a health centre and a school, two employers of one district."""
    label = f"{dkind.lower()} {dname}"  # "huyện Mẫu Bình Khê" inside an office's name
    offices = DISTRICT_AGENCIES + [DISTRICT_THIRD_AGENCY[k % len(DISTRICT_THIRD_AGENCY)]]
    school = "Trường Trung học cơ sở" if k % 2 else "Trường Mầm non"
    bodies = [Unit(f"CQ{dcode}{i:02d}", f"{office} {label}", "agency", dcode,
                   CLUSTER_DISTRICT_AGENCIES, area=dcode) for i, office in enumerate(offices, 1)]
    bodies += [Unit(f"SN{dcode}01", f"Trung tâm Y tế {label}", "service", dcode,
                    CLUSTER_SERVICES, area=dcode),
               Unit(f"SN{dcode}02", f"{school} {next(names)}", "service", dcode,
                    CLUSTER_SERVICES, area=dcode)]
    industry = DISTRICT_INDUSTRIES[k % len(DISTRICT_INDUSTRIES)]
    bodies += [Unit(f"DN{dcode}01", f"Công ty TNHH {industry} {dname}",
                    "enterprise", dcode, CLUSTER_ENTERPRISES, area=dcode),
               Unit(f"DN{dcode}02", f"Hợp tác xã Nông nghiệp {next(names)}", "enterprise", dcode,
                    CLUSTER_ENTERPRISES, area=dcode)]
    return bodies


def province_bodies() -> list[Unit]:
    """Departments (with their service units) and enterprises directly under the province."""
    bodies, service_no = [], 0
    for i, (dept, services) in enumerate(DEPARTMENTS, 1):
        dept_code = f"CQ{PROVINCE_AREA}{i:02d}"
        bodies.append(Unit(dept_code, dept, "agency", PROVINCE_CODE, CLUSTER_DEPARTMENTS))
        for name in services:
            service_no += 1
            # from the reform the departments that manage service units upload their figures
            bodies.append(Unit(f"SN{PROVINCE_AREA}{service_no:02d}", name, "service", dept_code,
                               CLUSTER_SERVICES, area_new=dept_code if dept in DEPARTMENT_AREAS else None))
    bodies += [Unit(f"DN{PROVINCE_AREA}{i:02d}", name, "enterprise", PROVINCE_CODE,
                    CLUSTER_ENTERPRISES) for i, name in enumerate(PROVINCE_ENTERPRISES, 1)]
    return bodies


def former_bodies() -> list[Unit]:
    """The absorbed province's own departments and enterprise, ended by the reform."""
    bodies = [Unit(f"CQ{FORMER_AREA}{i:02d}", f"{dept} tỉnh Mẫu Hải Xuân", "agency", FORMER_CODE,
                   CLUSTER_DEPARTMENTS, active_to=REFORM_YEAR - 1, area=FORMER_CODE)
              for i, (dept, _) in enumerate(FORMER_DEPARTMENTS, 1)]
    bodies.append(Unit(f"DN{FORMER_AREA}01", FORMER_ENTERPRISE, "enterprise", FORMER_CODE, CLUSTER_ENTERPRISES,
                       active_to=REFORM_YEAR - 1, area=FORMER_CODE))
    return bodies


def group_sizes(rng: random.Random, count: int) -> list[int]:
    """How many old communes form each new one: mostly three, sometimes two or four."""
    sizes = []
    while sum(sizes) < count:
        sizes.append(rng.choice((2, 3, 3, 3, 4)))
    over = sum(sizes) - count
    sizes[-1] -= over
    if sizes[-1] < 2:  # a remainder of one joins the group before it
        last = sizes.pop()
        sizes[-1] += last
    return sizes


def reorganise(rng: random.Random, units: list[Unit], names) -> list[Link]:
    """The 1 July 2025 reform: districts abolished, the old communes of both provinces merged
    into new ones directly under the province (one old commune divided between two), district
    offices closed, the district bodies that live on re-registered under their new parent (a
    new code, one old unit each), the absorbed province's departments merged into the
    province's own. Every link goes into lineage.csv."""
    links: list[Link] = []
    by_parent: dict[str, list[Unit]] = {}
    for u in units:
        by_parent.setdefault(u.parent_code, []).append(u)
    districts = [(d, PROVINCE_CODE) for d in DISTRICTS] + [(d, FORMER_CODE) for d in FORMER_DISTRICTS]
    new_no = 0
    for n, ((dcode, dkind, dname), _) in enumerate(districts, 1):
        olds = sorted((u for u in by_parent[dcode] if u.type == "commune"), key=lambda u: u.code)
        cluster = FORMER_NEW_CLUSTER if dcode in {d[0] for d in FORMER_DISTRICTS} else olds[0].cluster
        made = []
        for size in group_sizes(rng, len(olds)):
            group, olds = olds[:size], olds[size:]
            new_no += 1
            code = f"{NEW_COMMUNE_BLOCK}{new_no:02d}"
            prefix = "Phường" if any(o.name.startswith("Phường") for o in group) else "Xã"
            new = Unit(code, f"{prefix} {next(names)}", "commune", PROVINCE_CODE, cluster,
                       active_from=REFORM_YEAR, area=code)
            made.append(new)
            links += [Link(o.code, code, 1.0, "whole", True) for o in group]
        if dcode == DIVIDED_DISTRICT:
            # the last old commune of the first group: part of it goes to the second new commune
            divided = [link for link in links if link.new_code == made[0].code][-1]
            links.remove(divided)
            links += [Link(divided.old_code, made[0].code, DIVIDED_SHARE, "area", True),
                      Link(divided.old_code, made[1].code, 1 - DIVIDED_SHARE, "area", False)]
        units += made
        bodies = {u.code: u for u in by_parent[dcode]}
        moved = [  # (old code, new code, new name or None, parent, cluster, upload area)
            (f"SN{dcode}01", f"SN971{n:02d}", f"Trung tâm Y tế khu vực {dname}", HEALTH_DEPARTMENT, CLUSTER_SERVICES,
             HEALTH_DEPARTMENT),
            (f"SN{dcode}02", f"SN972{n:02d}", None, made[0].code, CLUSTER_SERVICES, made[0].code),
            (f"DN{dcode}01", f"DN971{n:02d}", None, PROVINCE_CODE, CLUSTER_ENTERPRISES, PROVINCE_CODE),
            (f"DN{dcode}02", f"DN972{n:02d}", None, made[-1].code, CLUSTER_ENTERPRISES, made[-1].code),
        ]
        for old, code, name, parent, cluster_of, area in moved:
            was = bodies[old]
            units.append(Unit(code, name or was.name, was.type, parent, cluster_of, active_from=REFORM_YEAR,
                              area=area))
            links.append(Link(old, code, 1.0, "whole", True))
    for i, (_, into) in enumerate(FORMER_DEPARTMENTS, 1):
        links.append(Link(f"CQ{FORMER_AREA}{i:02d}", into, 1.0, "whole", True))
    units.append(Unit("DN97301", FORMER_ENTERPRISE, "enterprise", PROVINCE_CODE, CLUSTER_ENTERPRISES,
                      active_from=REFORM_YEAR))
    links.append(Link(f"DN{FORMER_AREA}01", "DN97301", 1.0, "whole", True))
    return links


# ---------------------------------------------------------------- latent quality

def assign_latents(seed: int, units: list[Unit], indicators: list[Indicator],
                   links: list[Link] = ()) -> dict[str, Latent]:
    """Tier by quota (20/40/30/10 %), base quality and trend per unit, a leader per cluster; a unit
    created by the reform inherits its predecessors' quality, weighted by the share of each."""
    rng = rng_for(seed, "tiers")
    evaluated = [u for u in units if u.type in EVALUATED]
    shuffled = rng.sample(evaluated, len(evaluated))
    tier_of, start = {}, 0
    for i, (tier, share, _) in enumerate(TIERS):
        end = len(shuffled) if i == len(TIERS) - 1 else start + round(share * len(shuffled))
        tier_of.update({u.code: tier for u in shuffled[start:end]})
        start = end
    ranges = {tier: span for tier, _, span in TIERS}
    percent_codes = [ind.code for ind in indicators if ind.kind == "percent"]
    latents = {}
    for unit in evaluated:
        r = rng_for(seed, "latent", unit.code)
        tier = tier_of[unit.code]
        base = r.uniform(*ranges[tier])
        roll = r.random()  # ~15 % improve, ~15 % decline by 10-15 points over the three years
        trend = (r.uniform(0.05, 0.075) if roll < 0.15 else -r.uniform(0.05, 0.075) if roll < 0.30
                 else r.uniform(-0.01, 0.01))
        sizes = {code: r.randint(*PERCENT_SPEC.get(code, DEFAULT_PERCENT)[:2])
                 for code in percent_codes}
        latents[unit.code] = Latent(tier, base, trend, sizes=sizes)
    inherit(latents, links)
    for cluster in sorted({u.cluster for u in evaluated}):
        members = [u for u in evaluated if u.cluster == cluster]
        # A leader in every year: one among the first year's units (those of every year first),
        # another among the reform's new units where the first year's have all ended.
        for year in (YEARS[0], YEARS[-1]):
            present = [u for u in members if u.active(year)]
            if not present or any(latents[u.code].leader for u in present):
                continue
            lasting = [u.code for u in present if u.active_from is None and u.active_to is None]
            pool = lasting or [u.code for u in present]
            strong = [c for c in pool if latents[c].tier == "strong"]
            leader = latents[rng.choice(strong or pool)]
            leader.tier, leader.base, leader.trend, leader.leader = "strong", LEADER_QUALITY, 0.0, True
    return latents


def inherit(latents: dict[str, Latent], links: list[Link]) -> None:
    """A new unit's quality is its predecessors' (shares as weights): the trend across the merger
    then means something; percentages rest on the predecessors' bases put together."""
    parts: dict[str, list[tuple[Latent, float]]] = {}
    for link in links:
        if link.old_code in latents and link.new_code in latents:
            parts.setdefault(link.new_code, []).append((latents[link.old_code], link.share))
    for code, pairs in parts.items():
        weight = sum(w for _, w in pairs)
        base = sum(lat.base * w for lat, w in pairs) / weight
        trend = sum(lat.trend * w for lat, w in pairs) / weight
        tier = max(pairs, key=lambda p: p[1])[0].tier
        sizes = {k: max(1, round(sum(lat.sizes[k] * w for lat, w in pairs))) for k in pairs[0][0].sizes}
        latents[code] = Latent(tier, min(base, MAX_QUALITY), trend, sizes=sizes)


def quality(seed: int, code: str, latent: Latent, year: int) -> float:
    if latent.leader:
        return LEADER_QUALITY
    noise = rng_for(seed, "noise", year, code).gauss(0, 0.02)
    return clamp(latent.base + latent.trend * (year - YEARS[0]) + noise, 0.3, MAX_QUALITY)


def clamp(value: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, value))


# ---------------------------------------------------------------- values

def binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def snap(value: float, step: float, top: float) -> float:
    """The nearest multiple of step in [0, top]."""
    steps = clamp(round(value / step), 0, round(top / step))
    return steps * step


def draw_value(ind: Indicator, unit: Unit, latent: Latent, q: float, rng: random.Random):
    """A self-assessed value: a number, 1/0 for yes/no, (numerator, denominator) for a ratio."""
    if ind.kind == "percent":
        scale = PERCENT_SPEC.get(ind.code, DEFAULT_PERCENT)[2]
        p = min(1.0, scale + 0.06) if latent.leader else clamp(q * scale + rng.gauss(0, 0.04), 0, 1)
        base = latent.sizes[ind.code]
        return round(100 * binomial(rng, base, p) / base, 1)
    if ind.kind == "count":
        top = COUNT_MAX.get(ind.code, DEFAULT_COUNT_MAX)
        # Cubic in q: good units land near the usual targets, weak ones often report none.
        value = int(clamp(round(rng.gauss(top * 0.55 * q**3, max(0.6, top * 0.12))), 0, top))
        return max(value, int(ind.target or 1)) if latent.leader else value
    if ind.kind == "yesno":
        ease = 0.08 if ind.code in EASY_YESNO else 0.0
        p = 1.0 if latent.leader else clamp((q + ease - 0.3) / 0.65, 0.03, 0.92)
        return int(rng.random() < p)
    if ind.kind == "ratio":
        top, nothing = RATIO_SPEC.get(ind.code, DEFAULT_RATIO)
        if unit.type != "commune":  # offices and firms see fewer cases than communes
            top, nothing = max(2, top // 2), min(0.6, nothing + 0.15)
        den = 0 if rng.random() < nothing else rng.randint(1, top)
        settled = clamp(q + 0.04 + rng.gauss(0, 0.03), 0, 1)
        num = den if latent.leader else binomial(rng, den, settled)
        return (num, den)
    if ind.kind == "points":
        value = ind.max if latent.leader else q * ind.max + rng.gauss(0, 0.1 * ind.max)
        return snap(value, ind.step, ind.max)
    raise ValueError(f"unknown kind {ind.kind!r} of {ind.code}")


def draw_bonus(latent: Latent, rng: random.Random) -> int:
    """Initiatives recognised by a higher level: rare, and mostly by the best units."""
    if latent.leader:
        return rng.randint(1, 2)
    chance = {"strong": 0.2, "good": 0.05}.get(latent.tier, 0.0)
    return int(rng.random() < chance)


@dataclass
class YearPlan:
    """The year's special cases, drawn once for all units of the year."""
    violations: dict[str, tuple[int, int]]  # unit -> (handled, found)
    disciplined: set[str]
    missing: dict[str, list[str]]  # unit -> indicator codes left empty


def entered(indicators: list[Indicator], unit: Unit) -> list[Indicator]:
    """The indicators this unit reports itself."""
    return [i for i in indicators if i.entered_by != "superior" and unit.type in i.applies]


def plan_year(seed: int, year: int, active: list[Unit], q_of: dict[str, float],
              latents: dict[str, Latent], indicators: list[Indicator]) -> YearPlan:
    rng = rng_for(seed, "plan", year)
    ordinary = [u for u in active if not latents[u.code].leader]
    # Violations happen mostly in the weaker half.
    weaker = sorted(ordinary, key=lambda u: (q_of[u.code], u.code))[: len(ordinary) // 2]
    violators = sorted(rng.sample([u.code for u in weaker], rng.randint(3, 6)))
    violations = {}
    for i, code in enumerate(violators):
        found = rng.randint(1, 4)
        # The first leaves some unhandled, the second handles all: both cases exist every year.
        unhandled = i == 0 or (i > 1 and rng.random() < 0.4)
        violations[code] = (rng.randint(0, found - 1) if unhandled else found, found)
    disciplined = set(rng.sample(violators, rng.randint(2, 3)))
    missing = {}
    clean = [u for u in ordinary if u.code not in violations]
    for unit in sorted(rng.sample(clean, rng.randint(4, 8)), key=lambda u: u.code):
        blankable = [i.code for i in entered(indicators, unit)
                     if i.kind != "ratio" and i.code not in SPECIAL]
        missing[unit.code] = sorted(rng.sample(blankable, rng.randint(1, 4)))
    return YearPlan(violations, disciplined, missing)


def unit_values(seed: int, year: int, unit: Unit, latent: Latent, q: float,
                indicators: list[Indicator], plan: YearPlan) -> dict[str, object]:
    """Every self-assessed value of a unit in a year (None = left empty)."""
    rng = rng_for(seed, "values", year, unit.code)
    handled, found = plan.violations.get(unit.code, (0, 0))
    values = {}
    for ind in entered(indicators, unit):
        if ind.code == VIOLATIONS:
            values[ind.code] = found
        elif ind.code == HANDLED:
            values[ind.code] = (handled, found)
        elif ind.code == HEAD:
            values[ind.code] = int(unit.code in plan.disciplined)
        elif ind.code == BONUS:
            values[ind.code] = draw_bonus(latent, rng)
        else:
            values[ind.code] = draw_value(ind, unit, latent, q, rng)
    for code in plan.missing.get(unit.code, []):
        values[code] = None
    return values


# ---------------------------------------------------------------- appraisals

def lowered(ind: Indicator, value, rng: random.Random):
    """A clearly lower appraised value, or None when this value cannot be lowered plausibly."""
    if value is None:
        return None
    if ind.kind == "percent":
        if value >= 85:
            return round(value - rng.uniform(25, 32), 1)  # 95 -> about 66
        return round(value - rng.uniform(10, 20), 1) if value >= 50 else None
    if ind.kind == "points":
        if value < ind.max / 2 + ind.step:
            return None
        return snap(value - ind.max / 2, ind.step, ind.max)  # 2 -> 1 of 2 points
    if ind.kind == "yesno":
        return 0 if value == 1 else None
    if ind.kind == "count":
        return value // 2 if value >= 2 else None
    if ind.kind == "ratio":
        num, den = value
        return (num - max(1, num // 3), den) if num >= 2 else None
    return None


def plan_lowerings(seed: int, year: int, active: list[Unit], q_of: dict[str, float],
                   latents: dict[str, Latent], values: dict[str, dict], plan: YearPlan,
                   by_code: dict[str, Indicator]) -> list[tuple[str, str, object]]:
    """(unit, indicator, appraised value): three strong units lose a band, a few others a bit."""
    rng = rng_for(seed, "appraise", year)
    free = [u for u in active if not latents[u.code].leader
            and u.code not in plan.violations and u.code not in plan.missing]
    best = sorted(free, key=lambda u: (-q_of[u.code], u.code))[:15]
    changes, dropped = [], set()
    for unit in rng.sample(best, len(best)):
        if len(dropped) == 3:
            break
        picks = strong_drop(unit, values[unit.code], by_code, rng)
        if picks:
            changes += picks
            dropped.add(unit.code)
    singles = rng.randint(2, 4)
    for unit in rng.sample(free, len(free)):
        if singles == 0:
            break
        if unit.code in dropped:
            continue
        options = [c for c in sorted(REASONS) if c in values[unit.code]]
        code = rng.choice(options) if options else None
        new = lowered(by_code[code], values[unit.code][code], rng) if code else None
        if new is not None:
            changes.append((unit.code, code, new))
            singles -= 1
    return sorted(changes, key=lambda c: (c[0], c[1]))


def strong_drop(unit: Unit, own: dict, by_code: dict[str, Indicator], rng: random.Random):
    """Disclosure, propaganda quality and two yes/no items lowered, or [] if not all possible."""
    picks = []
    for code in STRONG_DROP_MAIN:
        value = own.get(code)
        if value is None or (by_code[code].kind == "percent" and value < 85):
            return []  # only a really good value makes a visible drop (95 -> about 66)
        new = lowered(by_code[code], value, rng)
        if new is None:
            return []
        picks.append((unit.code, code, new))
    yesno = [c for c in STRONG_DROP_YESNO if own.get(c) == 1]
    if len(yesno) < 2:
        return []
    picks += [(unit.code, c, 0) for c in rng.sample(yesno, 2)]
    return picks


def superior_rows(seed: int, year: int, active: list[Unit], q_of: dict[str, float],
                  latents: dict[str, Latent], indicators: list[Indicator]) -> list[list[str]]:
    """The level above's own share for about 90 % of the units; the rest are still missing."""
    rng = rng_for(seed, "superior", year)
    ordinary = [u.code for u in active if not latents[u.code].leader]
    skipped = set(rng.sample(ordinary, round(0.1 * len(active))))
    rows = []
    for unit in active:
        if unit.code in skipped:
            continue
        for ind in indicators:
            if ind.entered_by != "superior" or unit.type not in ind.applies:
                continue
            q = q_of[unit.code]
            value = ind.max if latents[unit.code].leader else snap(
                q * ind.max + rng.gauss(0, 0.05 * ind.max), ind.step, ind.max)
            if ind.kind != "points":
                raise ValueError(f"superior indicator {ind.code} must be of kind points")
            rows.append([unit.code, str(year), ind.code, fmt_value(ind, value), "", "",
                         SUPERIOR_REASON, appraiser(unit, year)])
    return rows


# ---------------------------------------------------------------- formatting and files

def fmt_decimal(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def step_decimals(step: float) -> int:
    return max(0, -Decimal(str(step)).normalize().as_tuple().exponent)


def fmt_value(ind: Indicator, value) -> str:
    """A value as the appraisal file writes it (yes/no as 1/0)."""
    if ind.kind == "percent":
        return fmt_decimal(value, 1)
    if ind.kind == "points":
        return fmt_decimal(value, step_decimals(ind.step))
    return str(int(value))


def upload_cells(ind: Indicator, value) -> list[str]:
    """The upload cell(s) of one indicator; empty when not applicable or missing."""
    if ind.kind == "ratio":
        return ["", ""] if value is None else [str(value[0]), str(value[1])]
    if value is None:
        return [""]
    if ind.kind == "yesno":
        return [YES if value else NO]
    return [fmt_value(ind, value)]


def write_csv(path: Path, header: list[str], rows: list[list[str]],
              encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def place_rows(seed: int, units: list[Unit], links: list[Link] = ()) -> list[list[str]]:
    """Fictitious coordinates for the map: each district a cluster, its units scattered round it,
    the absorbed province's districts to the north; provincial bodies at the province's centre; a
    new commune at the share-weighted centre of its old ones, a moved body at its old place.
    Clearly not any real place."""
    rng = rng_for(seed, "places")
    centre = {PROVINCE_CODE: PLACE_CENTRE, FORMER_CODE: (PLACE_CENTRE[0] + 0.8, PLACE_CENTRE[1])}
    for i, (dcode, _, _) in enumerate(DISTRICTS):
        angle = 2 * math.pi * i / len(DISTRICTS)
        centre[dcode] = (PLACE_CENTRE[0] + 0.35 * math.sin(angle), PLACE_CENTRE[1] + 0.45 * math.cos(angle))
    for i, (dcode, _, _) in enumerate(FORMER_DISTRICTS):
        centre[dcode] = (centre[FORMER_CODE][0], centre[FORMER_CODE][1] + (i - 0.5) * 0.4)
    at: dict[str, tuple[float, float]] = {}
    later = []
    for u in units:
        if u.active_from == REFORM_YEAR:
            later.append(u)
            continue
        lat0, lon0 = centre.get(u.code) or centre.get(u.parent_code) or PLACE_CENTRE
        spread = 0.0 if u.code in centre else (0.12 if u.parent_code not in (PROVINCE_CODE, FORMER_CODE) else 0.05)
        at[u.code] = (lat0 + rng.uniform(-spread, spread), lon0 + rng.uniform(-spread, spread))
    for u in later:
        olds = [(at[link.old_code], link.share) for link in links if link.new_code == u.code and link.old_code in at]
        weight = sum(w for _, w in olds) or 1.0
        at[u.code] = ((sum(p[0] * w for p, w in olds) / weight, sum(p[1] * w for p, w in olds) / weight)
                      if olds else PLACE_CENTRE)
    return [[u.code, f"{at[u.code][0]:.5f}", f"{at[u.code][1]:.5f}"] for u in units]


def assignment_rows(units: list[Unit], links: list[Link]) -> list[list[str]]:
    """Which profile evaluates which units: the province's for all, the absorbed province's
    resolution on its former territory (its own area up to 2024; from the reform the new
    communes whose old communes all lay there, derived from the lineage)."""
    former = {u.code for u in units if u.parent_code in {d[0] for d in FORMER_DISTRICTS} and u.type == "commune"}
    successors = sorted({link.new_code for link in links if link.old_code in former})
    why = ("dữ liệu mẫu: địa bàn tỉnh Mẫu Hải Xuân cũ, nghị quyết của HĐND tỉnh cũ còn hiệu lực trên địa bàn này đến "
           "khi HĐND tỉnh mới thay thế (Luật Ban hành văn bản quy phạm pháp luật sửa đổi năm 2025, Điều 54 khoản 2)")
    rows = [[PROVINCE_PROFILE, PROVINCE_CODE, "", "2021", "", "dữ liệu mẫu: bộ tiêu chí của tỉnh"],
            [FORMER_PROFILE, FORMER_CODE, "", "2021", str(REFORM_YEAR - 1), why]]
    rows += [[FORMER_PROFILE, code, "", str(REFORM_YEAR), "", why] for code in successors]
    return rows


def appraiser(unit: Unit, year: int) -> str:
    """Who appraises: the district's reviewer up to the reform, the province's from then on."""
    return f"thamdinh.{unit.area if year < REFORM_YEAR else PROVINCE_CODE}"


def unit_row(unit: Unit) -> list[str]:
    years = ["" if y is None else str(y) for y in (unit.active_from, unit.active_to)]
    return [unit.code, unit.name, unit.type, unit.parent_code, unit.cluster, *years]


def upload_rows(year: int, units: list[Unit], values: dict[str, dict],
                indicators: list[Indicator]) -> list[list[str]]:
    reported = [i for i in indicators if i.entered_by != "superior"]
    rows = []
    for unit in sorted(units, key=lambda u: u.code):
        row = [unit.code, unit.name, str(year)]
        for ind in reported:
            row += upload_cells(ind, values[unit.code].get(ind.code))
        rows.append(row)
    return rows


def lowering_row(year: int, unit: Unit, ind: Indicator, value) -> list[str]:
    if ind.kind == "ratio":
        cells = ["", str(value[0]), str(value[1])]
    else:
        cells = [fmt_value(ind, value), "", ""]
    return [unit.code, str(year), ind.code, *cells, REASONS[ind.code], appraiser(unit, year)]


def generate(out_dir: Path, seed: int = 2024, catalogue: Path | None = None) -> None:
    """Write units.csv, <year>/<area>.csv and appraisals.csv into out_dir."""
    out_dir = Path(out_dir)
    indicators = load_catalogue(catalogue or frameworks_dir() / "catalogue.toml")
    by_code = {ind.code: ind for ind in indicators}
    units, links = build_registry(seed)
    unit_of = {u.code: u for u in units}
    latents = assign_latents(seed, units, indicators, links)
    write_csv(out_dir / "units.csv", UNITS_COLUMNS, [unit_row(u) for u in units])
    write_csv(out_dir / "lineage.csv", LINEAGE_COLUMNS,
              [[k.old_code, k.new_code, f"{REFORM_YEAR}-07-01", fmt_decimal(k.share, 6), k.share_basis,
                "true" if k.is_default else "false"] for k in sorted(links, key=lambda k: (k.new_code, k.old_code))])
    write_csv(out_dir / "places.csv", PLACE_COLUMNS, place_rows(seed, units, links))
    write_csv(out_dir / "assignments.csv", ASSIGNMENT_COLUMNS, assignment_rows(units, links))
    appraisals = []
    for year in YEARS:
        active = [u for u in units if u.type in EVALUATED and u.active(year)]
        q_of = {u.code: quality(seed, u.code, latents[u.code], year) for u in active}
        plan = plan_year(seed, year, active, q_of, latents, indicators)
        values = {u.code: unit_values(seed, year, u, latents[u.code], q_of[u.code],
                                      indicators, plan) for u in active}
        for stale in sorted((out_dir / str(year)).glob("*.csv")):
            stale.unlink()  # an area dropped from the generator must not linger
        for area in sorted({u.area_in(year) for u in active}):
            members = [u for u in active if u.area_in(year) == area]
            write_csv(out_dir / str(year) / f"{area}.csv", upload_columns(indicators),
                      upload_rows(year, members, values, indicators), encoding="utf-8-sig")
        appraisals += superior_rows(seed, year, active, q_of, latents, indicators)
        appraisals += [lowering_row(year, unit_of[code], by_code[ind], value) for code, ind, value
                       in plan_lowerings(seed, year, active, q_of, latents, values, plan, by_code)]
    appraisals.sort(key=lambda r: (r[1], r[0], r[2]))
    write_csv(out_dir / "appraisals.csv", APPRAISAL_COLUMNS, appraisals)
    write_csv(out_dir / "reviews.csv", REVIEW_COLUMNS, review_rows(out_dir))


def review_rows(out_dir: Path) -> list[list[str]]:
    """Each area-year file and its review state (see AWAITING_REVIEW)."""
    newest = max(YEARS)
    return [[str(year), path.stem, "submitted" if year == newest and path.stem in AWAITING_REVIEW else "approved"]
            for year in YEARS for path in sorted((out_dir / str(year)).glob("*.csv"))]


def load_units(path: Path) -> pl.DataFrame:
    """units.csv with its dtypes: text codes (never numbers: "099" must stay), Int32 years."""
    schema = {c: pl.String for c in UNITS_COLUMNS}
    schema |= {"active_from": pl.Int32, "active_to": pl.Int32}
    return pl.read_csv(path, schema=schema)


# ---------------------------------------------------------------- scaled data (benchmarks)
#
# The same value generation at any size, in memory: provinces of about SCALED_PROVINCE_UNITS
# evaluated units, each with its own bodies (uploaded by the province) and districts of about
# SCALED_AREA_UNITS units (one upload file each). Nothing here changes what generate() writes.

SCALED_YEARS = (2021, 2022, 2023, 2024, 2025)
SCALED_PROVINCE_UNITS = 1180  # 34 provinces for the nation's ~40,000 units
SCALED_PROVINCE_BODIES = 40   # departments, their service units, provincial enterprises
SCALED_AREA_UNITS = 480       # units of a district: an upload file of about 500 rows
SCALED_MIX = (("commune", 0.40), ("agency", 0.15), ("service", 0.35), ("enterprise", 0.10))
SCALED_SERVICES = ["Trường Mầm non", "Trường Tiểu học", "Trường Trung học cơ sở", "Trạm Y tế",
                   "Trung tâm Văn hóa – Thể thao", "Ban Quản lý dự án"]
SCALED_OFFICES = DISTRICT_AGENCIES + DISTRICT_THIRD_AGENCY + ["Văn phòng HĐND và UBND", "Thanh tra",
                                                              "Phòng Y tế", "Phòng Lao động"]


def scaled_layout(n_units: int, area_units: int = SCALED_AREA_UNITS) -> list[list[int]]:
    """For `n_units` evaluated units: per province, the sizes of its districts (the province's
    own bodies, SCALED_PROVINCE_BODIES or fewer for a tiny size, come on top)."""
    if n_units < 1:
        raise ValueError("n_units must be at least 1")
    n_prov = max(1, round(n_units / SCALED_PROVINCE_UNITS))
    bodies = min(SCALED_PROVINCE_BODIES, n_units // (2 * n_prov))
    rest = n_units - bodies * n_prov
    n_dist = max(n_prov, round(rest / area_units))
    sizes = [rest // n_dist + (1 if i < rest % n_dist else 0) for i in range(n_dist)]
    layout: list[list[int]] = [[] for _ in range(n_prov)]
    for i, size in enumerate(sizes):
        layout[i % n_prov].append(size)
    return layout


def scaled_bodies(n_units: int) -> int:
    n_prov = len(scaled_layout(n_units))
    return min(SCALED_PROVINCE_BODIES, n_units // (2 * n_prov))


def _mix(count: int) -> list[str]:
    """Unit types of an area of `count` units in SCALED_MIX proportions (communes first)."""
    out, given = [], 0
    for i, (kind, share) in enumerate(SCALED_MIX):
        n = count - given if i == len(SCALED_MIX) - 1 else round(share * count)
        n = max(0, min(n, count - given))
        out += [kind] * n
        given += n
    return out


def scaled_province_units(seed: int, index: int, districts: list[int], bodies: int) -> list[Unit]:
    """The registry of province number `index` (0-based): the province, its districts, their
    units and the province's own bodies. Codes are unique across provinces."""
    rng = rng_for(seed, "scaled-units", index)
    pcode = f"{index + 1:03d}"
    pname = f"Tỉnh Mẫu {rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)} {index + 1}"
    units = [Unit(pcode, pname, "province", area=pcode)]
    body_types = _mix(bodies)[::-1]  # the province's bodies: agencies, services, enterprises
    body_types = [t if t != "commune" else "agency" for t in body_types]
    for k, size in enumerate(districts, 1):
        dcode = f"{pcode}{k:02d}"
        dname = f"{'Thành phố' if k == 1 else 'Huyện'} Mẫu {rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)}"
        units.append(Unit(dcode, dname, "district", pcode, area=dcode))
        types = _mix(size)
        names = iter(commune_names(rng, min(len(types), 1100)) * (len(types) // 1100 + 1))
        counters = dict.fromkeys(EVALUATED, 0)
        for kind in types:
            counters[kind] += 1
            i = counters[kind]
            units.append(_scaled_unit(kind, i, dcode, dname, next(names), f"Cụm thi đua số {(k + 1) // 2}",
                                      pcode))
    counters = dict.fromkeys(EVALUATED, 0)
    for kind in body_types:
        counters[kind] += 1
        units.append(_scaled_unit(kind, counters[kind], pcode, pname, rng.choice(NAME_SECOND), "", pcode))
    return units


def _scaled_unit(kind: str, i: int, area: str, area_name: str, name: str, commune_cluster: str,
                 pcode: str) -> Unit:
    where = f"{area}{i:04d}"
    if kind == "commune":
        prefix = "Phường" if area_name.startswith("Thành phố") and i % 3 else "Xã"
        return Unit(f"X{where}", f"{prefix} {name}", "commune", area, f"{commune_cluster} – tỉnh {pcode}", area=area)
    if kind == "agency":
        office = SCALED_OFFICES[(i - 1) % len(SCALED_OFFICES)]
        return Unit(f"CQ{where}", f"{office} {area_name.lower()} {i}", "agency", area,
                    f"{CLUSTER_DISTRICT_AGENCIES} – tỉnh {pcode}", area=area)
    if kind == "service":
        body = SCALED_SERVICES[(i - 1) % len(SCALED_SERVICES)]
        return Unit(f"SN{where}", f"{body} {name}", "service", area, f"{CLUSTER_SERVICES} – tỉnh {pcode}",
                    area=area)
    industry = DISTRICT_INDUSTRIES[(i - 1) % len(DISTRICT_INDUSTRIES)]
    return Unit(f"DN{where}", f"Công ty TNHH {industry} {name}", "enterprise", area,
                f"{CLUSTER_ENTERPRISES} – tỉnh {pcode}", area=area)


@dataclass
class ScaledProvince:
    units: list[Unit]
    values: dict[int, dict[str, dict]]  # year -> unit code -> indicator -> value (as unit_values)
    appraisals: list[list[str]]         # rows in APPRAISAL_COLUMNS order, as appraisals.csv


def scaled_province(seed: int, index: int, districts: list[int], bodies: int,
                    years: tuple[int, ...] = SCALED_YEARS, indicators: list[Indicator] | None = None
                    ) -> ScaledProvince:
    """Units, self-assessed values and appraisals of one province, drawn by the sample's own
    functions (latents, plan_year, unit_values, superior_rows, plan_lowerings) with a seed of
    the province's own."""
    indicators = indicators or load_catalogue(frameworks_dir() / "catalogue.toml")
    by_code = {ind.code: ind for ind in indicators}
    pseed = seed * 1000 + index
    units = scaled_province_units(seed, index, districts, bodies)
    unit_of = {u.code: u for u in units}
    latents = assign_latents(pseed, units, indicators)
    active = [u for u in units if u.type in EVALUATED]
    values, appraisals = {}, []
    for year in years:
        q_of = {u.code: quality(pseed, u.code, latents[u.code], year) for u in active}
        plan = plan_year(pseed, year, active, q_of, latents, indicators)
        values[year] = {u.code: unit_values(pseed, year, u, latents[u.code], q_of[u.code], indicators, plan)
                        for u in active}
        appraisals += superior_rows(pseed, year, active, q_of, latents, indicators)
        appraisals += [lowering_row(year, unit_of[code], by_code[ind], value) for code, ind, value
                       in plan_lowerings(pseed, year, active, q_of, latents, values[year], plan, by_code)]
    return ScaledProvince(units, values, appraisals)


SCALED_OBS_SCHEMA = {"area_code": pl.String, "year": pl.Int32, "unit_code": pl.String, "indicator": pl.String,
                     "value": pl.Float64, "num": pl.Float64, "den": pl.Float64, "raw": pl.String}


def scaled_frames(province: ScaledProvince, indicators: list[Indicator] | None = None
                  ) -> dict[str, pl.DataFrame]:
    """The province as the stored tables would hold it after every area uploaded its file:
    units (UNITS_COLUMNS), observations (SCALED_OBS_SCHEMA: one row per unit and applicable
    unit-entered indicator, an empty value stored as nulls like an upload does) and appraisals."""
    indicators = indicators or load_catalogue(frameworks_dir() / "catalogue.toml")
    cols: dict[str, list] = {c: [] for c in SCALED_OBS_SCHEMA}
    for year, by_unit in province.values.items():
        for unit in province.units:
            own = by_unit.get(unit.code)
            if own is None:
                continue
            for ind in entered(indicators, unit):
                v = own.get(ind.code)
                if ind.kind == "ratio":
                    value, num, den = None, *(v if v is not None else (None, None))
                    raw = None if v is None else f"{v[0]}/{v[1]}"
                else:
                    value, num, den = v, None, None
                    raw = None if v is None else upload_cells(ind, v)[0]
                cols["area_code"].append(unit.area)
                cols["year"].append(year)
                cols["unit_code"].append(unit.code)
                cols["indicator"].append(ind.code)
                cols["value"].append(None if value is None else float(value))
                cols["num"].append(None if num is None else float(num))
                cols["den"].append(None if den is None else float(den))
                cols["raw"].append(raw)
    units = pl.DataFrame([unit_row(u) for u in province.units], schema=UNITS_COLUMNS, orient="row")
    units = units.with_columns([pl.col(c).replace("", None) for c in ("parent_code", "cluster")] +
                               [pl.col(c).replace("", None).cast(pl.Int32) for c in ("active_from", "active_to")])
    appr = pl.DataFrame(province.appraisals, schema=APPRAISAL_COLUMNS, orient="row")
    appr = appr.select(
        "unit_code", pl.col("year").cast(pl.Int32), "indicator",
        pl.col("value").replace("", None).cast(pl.Float64),
        pl.col("numerator").replace("", None).cast(pl.Float64).alias("num"),
        pl.col("denominator").replace("", None).cast(pl.Float64).alias("den"),
        "reason", pl.col("appraiser").alias("appraised_by"))
    return {"units": units, "observations": pl.DataFrame(cols, schema=SCALED_OBS_SCHEMA), "appraisals": appr}


def upload_bytes(year: int, units: list[Unit], values: dict[str, dict],
                 indicators: list[Indicator] | None = None) -> bytes:
    """The upload file of `units` for `year`, byte for byte as generate() writes one (UTF-8 with BOM)."""
    import io

    indicators = indicators or load_catalogue(frameworks_dir() / "catalogue.toml")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(upload_columns(indicators))
    writer.writerows(upload_rows(year, units, values, indicators))
    return buf.getvalue().encode("utf-8-sig")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sinh dữ liệu mẫu của tỉnh Mẫu An Hòa.")
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR, help="thư mục ghi dữ liệu mẫu")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--catalogue", type=Path, default=None, help="tệp catalogue.toml")
    args = parser.parse_args(argv)
    generate(args.out, args.seed, args.catalogue)
    print(f"Đã ghi dữ liệu mẫu vào {args.out}")


if __name__ == "__main__":
    main()
