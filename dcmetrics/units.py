"""The unit registry: a tree of any depth (province > district > unit, or province > unit since 2025)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import polars as pl

from dcmetrics import access, audit, config, sqlfiles
from dcmetrics.errors import NotFound, ValidationError, Problem
from dcmetrics.fmt import nfc
from dcmetrics.store import Store, bump_data_version, cache_key

UNIT_COLUMNS = ["code", "name", "type", "parent_code", "cluster", "active_from", "active_to"]
UNIT_SCHEMA = {"code": pl.String, "name": pl.String, "type": pl.String, "parent_code": pl.String,
               "cluster": pl.String, "active_from": pl.Int32, "active_to": pl.Int32}


def check_units(frame: pl.DataFrame) -> list[Problem]:
    """Problems of a unit list as a whole: types, duplicate codes, unknown parents, cycles, years."""
    problems: list[Problem] = []
    valid = set(config.UNIT_TYPES) | set(config.AREA_TYPES)
    codes = frame["code"].to_list()
    type_of = dict(zip(codes, frame["type"].to_list()))
    seen: set[str] = set()
    for i, row in enumerate(frame.iter_rows(named=True), 2):
        where = f"dòng {i}"
        if not row["code"]:
            problems.append(Problem(where, "thiếu mã đơn vị"))
        elif row["code"] in seen:
            problems.append(Problem(where, f"mã đơn vị «{row['code']}» bị trùng", row["code"]))
        seen.add(row["code"])
        if row["type"] not in valid:
            problems.append(Problem(where, f"loại đơn vị «{row['type']}» không hợp lệ", row["type"]))
        if row["parent_code"] and row["parent_code"] not in codes:
            problems.append(Problem(where, f"đơn vị cấp trên «{row['parent_code']}» không có trong danh sách",
                                    row["parent_code"]))
        elif row["parent_code"] and (problem := village_parent_problem(row["type"], row["parent_code"],
                                                                     type_of[row["parent_code"]])):
            problems.append(Problem(where, problem, row["parent_code"]))
        if row["active_from"] and row["active_to"] and row["active_to"] < row["active_from"]:
            problems.append(Problem(where, f"năm kết thúc {row['active_to']} trước năm bắt đầu {row['active_from']}"))
    parent = dict(zip(codes, frame["parent_code"].to_list()))
    for code in codes:
        walk, node = set(), code
        while node:
            if node in walk:
                problems.append(Problem(f"đơn vị {code}", "cây đơn vị có vòng lặp (đơn vị là cấp trên của chính nó)"))
                break
            walk.add(node)
            node = parent.get(node)
    return problems


def village_parent_problem(unit_type: str | None, parent_code: str, parent_type: str | None) -> str | None:
    """Why `parent_code` cannot be the parent of a unit of `unit_type`, or None: a village (thôn, tổ
    dân phố, khu phố, ấp) belongs to a commune, and nothing is registered below a village. A parent
    of no known type is judged on its own row."""
    if parent_type is None:
        return None
    if unit_type == "village" and parent_type != "commune":
        return (f"{config.UNIT_TYPE_LABELS['village']} phải thuộc một {config.UNIT_TYPE_LABELS['commune'].lower()}; "
                f"đơn vị cấp trên «{parent_code}» là {config.UNIT_TYPE_LABELS.get(parent_type, parent_type).lower()}")
    if parent_type == "village":
        return f"đơn vị cấp trên «{parent_code}» là thôn, tổ dân phố, khu phố, ấp: không có đơn vị nào thuộc cấp này"
    return None


def write_name_order(cur) -> None:
    """unit_name_order again, after the registry changed (within the caller's transaction)."""
    cur.execute("DELETE FROM unit_name_order")
    cur.execute(f"INSERT INTO unit_name_order {sqlfiles.load('unit_name_order')}")


def replace_units(store: Store, frame: pl.DataFrame, actor) -> int:
    """Replace the whole registry with `frame` (validated first; all or nothing)."""
    acct = access.require(store, actor, access.MANAGE_UNITS)
    frame = normalise(frame)
    problems = check_units(frame)
    if problems:
        raise ValidationError(problems)
    with store.transaction() as cur:
        before = write_registry(cur, frame)
        audit.record(cur, acct, audit.UNITS_REPLACE, "units", before={"units": before}, after={"units": frame.height})
        bump_data_version(cur)
    return frame.height


def write_registry(cur, frame: pl.DataFrame) -> int:
    """The registry replaced by `frame` (already validated) in the caller's transaction; the count before."""
    before = cur.execute("SELECT count(*) FROM units").fetchone()[0]
    cur.execute("DELETE FROM units")
    cur.register("incoming_units", frame.select(UNIT_COLUMNS))
    cur.execute("INSERT INTO units SELECT * FROM incoming_units")
    cur.unregister("incoming_units")
    write_name_order(cur)
    return before


@dataclass(frozen=True)
class OfficialImport:
    """What importing a province's official units does (a preview, or what was committed)."""

    province_code: str
    province_name: str
    new_units: int        # the new province and its communes
    old_units: int        # the old districts and communes now in it (0 without legacy)
    lineage: int          # old → new links
    divided: int          # old communes divided between several new ones
    existing: int         # of the imported codes, those already in the registry (updated)
    kept: int             # other units of the registry, kept as they are (agencies, other provinces ...)
    committed: bool
    source: str           # the package and its version


def import_official(store: Store, actor, province: str, legacy: bool = True, commit: bool = True) -> OfficialImport:
    """A real province's units from `vietnamadminunits`: the new province and communes and, with
    `legacy`, the old districts and communes now in it with the lineage old → new and official
    coordinates; validated as a whole, then (with `commit`) written in one transaction, audited.
    Units of the registry that are not the province's (its agencies ...) are kept."""
    from dcmetrics import official_units

    acct = access.require(store, actor, access.MANAGE_UNITS)
    off = official_units.province_units(province)
    imported = off.units if legacy else off.units.filter(pl.col("level") == "new")
    lineage = off.lineage if legacy else off.lineage.clear()
    frame = normalise(imported)
    codes = set(frame["code"].to_list())
    registry = all_units(store).select(UNIT_COLUMNS)
    kept = normalise(registry.filter(~pl.col("code").is_in(list(codes))))
    union = pl.concat([frame, kept])
    problems = check_units(union) + (official_units.check_lineage(imported, lineage) if legacy else [])
    if problems:
        raise ValidationError(problems)
    result = OfficialImport(
        province_code=off.province.code, province_name=off.province.name,
        new_units=imported.filter(pl.col("level") == "new").height,
        old_units=imported.filter(pl.col("level") == "old").height, lineage=lineage.height,
        divided=lineage.group_by("old_code").len().filter(pl.col("len") > 1).height,
        existing=registry.filter(pl.col("code").is_in(list(codes))).height, kept=kept.height,
        committed=commit, source=f"{official_units.PACKAGE} {official_units.package_version()}")
    if not commit:
        return result
    with store.transaction() as cur:
        before = write_registry(cur, union)
        cur.execute("DELETE FROM unit_lineage WHERE list_contains($c, old_code) OR list_contains($c, new_code)",
                    {"c": sorted(codes)})
        cur.register("incoming_lineage", lineage.select("old_code", "new_code", "effective_date", "share",
                                                        "share_basis", "is_default", "source"))
        cur.execute("INSERT INTO unit_lineage (old_code, new_code, effective_date, share, share_basis, is_default, "
                    "source) SELECT * FROM incoming_lineage")
        cur.unregister("incoming_lineage")
        cur.execute("DELETE FROM unit_places WHERE list_contains($c, code)", {"c": sorted(codes)})
        cur.register("incoming_places", imported.select("code", "lat", "lon"))
        cur.execute("INSERT INTO unit_places SELECT * FROM incoming_places")
        cur.unregister("incoming_places")
        audit.record(cur, acct, audit.UNITS_IMPORT, f"province:{off.province.code}",
                     before={"units": before},
                     after={"units": union.height, "new_units": result.new_units, "old_units": result.old_units,
                            "lineage": result.lineage, "source": result.source})
        bump_data_version(cur)
    return result


def normalise(frame: pl.DataFrame) -> pl.DataFrame:
    frame = frame.select([pl.col(c).cast(UNIT_SCHEMA[c]) if c in frame.columns else
                          pl.lit(None, UNIT_SCHEMA[c]).alias(c) for c in UNIT_COLUMNS])
    text = ["code", "name", "type", "parent_code", "cluster"]
    return frame.with_columns([pl.col(c).str.strip_chars().map_elements(nfc, return_dtype=pl.String)
                               .replace("", None) for c in text])


def all_units(store: Store) -> pl.DataFrame:
    return store.frame(sqlfiles.load("units_all"))


def of_codes(store: Store, codes: list[str]) -> pl.DataFrame:
    """The registry's rows (as all_units) of `codes`; codes it does not hold are absent."""
    return store.frame(sqlfiles.load("units_of_codes"), {"codes": sorted(set(codes))})


def get_unit(store: Store, code: str) -> dict:
    rows = store.frame("SELECT * FROM units WHERE code = $c", {"c": code})
    if rows.is_empty():
        raise NotFound(f"Không có đơn vị mã «{code}».")
    return rows.row(0, named=True)


def subtree(store: Store, area_code: str) -> pl.DataFrame:
    """The area itself and every unit below it, at any depth, with its depth. Kept per data
    version (every registry change bumps it): an area's pages ask on every rerun."""
    key = cache_key(store, area_code)
    with _SUBTREE_LOCK:
        if key in _SUBTREES:
            return _SUBTREES[key]
    get_unit(store, area_code)
    frame = store.frame(sqlfiles.load("unit_subtree"), {"area": area_code})
    with _SUBTREE_LOCK:
        if len(_SUBTREES) > 256:
            _SUBTREES.clear()
        _SUBTREES[key] = frame
    return frame


_SUBTREES: dict[tuple, pl.DataFrame] = {}
_SUBTREE_LOCK = threading.Lock()


def areas(store: Store, year: int | None = None) -> pl.DataFrame:
    """Nodes an area filter offers (province, districts, departments with units, communes); with
    `year`, only those that existed that year (no district after the 2025 reform)."""
    frame = store.frame(sqlfiles.load("unit_areas"))
    return frame if year is None else active_in(frame, year)


def default_year(store: Store, area_code: str | None, years: list[int]) -> int | None:
    """The year a view opens on for an account of `area_code`: the newest of `years` in which the
    area existed (a district's account after the 2025 reform opens on 2024, its last year)."""
    if not years:
        return None
    rows = store.rows("SELECT active_from, active_to FROM units WHERE code = $c", {"c": area_code}) if area_code else []
    if rows:
        first, last = rows[0]
        fitting = [y for y in years if (first is None or y >= first) and (last is None or y <= last)]
        if fitting:
            return max(fitting)
    return max(years)


def active_in(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    """The rows of a units or areas frame that existed in `year`."""
    return frame.filter((pl.col("active_from").is_null() | (pl.col("active_from") <= year))
                        & (pl.col("active_to").is_null() | (pl.col("active_to") >= year)))


def official_communes(province_code: int) -> pl.DataFrame:
    """The official communes (xã, phường, đặc khu) of a province from `vietnam-provinces`
    (national statistics codes, data after the 1 July 2025 reorganisation), under the province."""
    from vietnam_provinces import Province, ProvinceCode, Ward

    try:
        province = Province.from_code(ProvinceCode(province_code))
    except ValueError:
        raise NotFound(f"Không có tỉnh, thành phố mã «{province_code}» trong danh mục chính thức.") from None
    pcode = f"{int(province.code):02d}"
    rows = [{"code": pcode, "name": province.name, "type": "province", "parent_code": None,
             "cluster": None, "active_from": 2025, "active_to": None}]
    for w in sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code)):
        rows.append({"code": f"{int(w.code):05d}", "name": w.name, "type": "commune",
                     "parent_code": pcode, "cluster": None, "active_from": 2025, "active_to": None})
    return normalise(pl.DataFrame(rows, schema=UNIT_SCHEMA))
