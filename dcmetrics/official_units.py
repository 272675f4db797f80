"""Official units of a province before and after the 1 July 2025 reorganisation, with lineage.

Read only from the offline data inside the PyPI package `vietnamadminunits` (never its online
geocoding): `data/dataset.db` (tables `admin_units`, 34 provinces and 3,321 new communes, and
`admin_units_legacy`, 63 provinces and their districts and 10,040 communes) and
`data/converter_2025.json` (old → new by name keys such as "tinhcamau_huyencainuoc_xadonghung").

Which evaluation years belong to the old units and which to the new ones is data, not code:
data/units/reorganisation-2025.toml (a software default that a province may change).

Codes. The registry's primary key is `code`, and an old commune may carry the same official
code as a new one: a merged commune keeps the code of the commune where its People's Committee
sits (old "Phường Trúc Bạch" 00004 and new "Phường Ba Đình" 00004 in Hà Nội are different units
evaluated in different years). So:
- new units keep their official codes as they are ("24", "00004"): they are the ones in use from
  now on, and `units.official_communes` already writes them that way;
- every old unit, district or commune, gets its official code plus the fixed suffix "@63" (the
  63-province map): "001@63", "00004@63". All old units are tagged, not only the colliding ones,
  so that a code alone says which map it belongs to; the suffix is fixed, not a year, because the
  years in the TOML file may change while a key must not. `official_code` strips it.
Old provinces are not nodes (old and new province codes overlap: old Bắc Ninh was 27, new Bắc
Ninh is 24, the old code of Bắc Giang): old districts hang directly under the new province and
carry the old province's name in `old_province`, which keeps a single tree.

Lineage links the lowest old unit to the new communes. That is an old commune, or an old island
district that had no communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo → đặc khu).
`share` is the part of the old unit that went to the new one: 1 ("whole") when it went whole;
for an old commune divided between several new ones the package gives only each new commune's
total area, not the area of each piece, so the share is equal ("equal"). "area" is reserved for
a source that gives the pieces' areas.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import importlib.util
import json
import re
import sqlite3
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from dcmetrics import config, lineage_rules
from dcmetrics.errors import DcmetricsError, NotFound, Problem
from dcmetrics.fmt import nfc
from dcmetrics.units import UNIT_SCHEMA

PACKAGE = "vietnamadminunits"
OLD_CODE_SUFFIX = "@63"
REORGANISATION_FILE = config.DATA_DIR / "units" / "reorganisation-2025.toml"

OFFICIAL_UNIT_SCHEMA = {**UNIT_SCHEMA, "level": pl.String, "lat": pl.Float64, "lon": pl.Float64,
                        "old_province": pl.String}
LINEAGE_SCHEMA = {"old_code": pl.String, "new_code": pl.String, "effective_date": pl.Date,
                  "share": pl.Float64, "share_basis": pl.String, "is_default": pl.Boolean,
                  "source": pl.String}


@dataclass(frozen=True)
class Reorganisation:
    """How evaluation years map to old and new units (data/units/reorganisation-2025.toml)."""

    effective_date: date
    last_old_year: int
    first_new_year: int
    source: str


@dataclass(frozen=True)
class Province:
    """A new province (after 1 July 2025) and the old provinces it absorbed."""

    code: str
    name: str
    short_name: str
    key: str  # the package's name key, e.g. "tinhbacninh"
    old_provinces: tuple[str, ...]
    old_province_codes: tuple[str, ...]
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class OfficialUnits:
    province: Province
    units: pl.DataFrame
    lineage: pl.DataFrame
    counts: dict[str, int]
    unresolved: tuple[str, ...] = field(default=())  # package keys that matched no row


def old_code(code: str) -> str:
    return f"{code}{OLD_CODE_SUFFIX}"


def official_code(code: str) -> str:
    """The code as the State publishes it: "00004@63" → "00004"."""
    return code.removesuffix(OLD_CODE_SUFFIX)


# --- the reorganisation file -------------------------------------------------------------------

def reorganisation(path: Path | None = None) -> Reorganisation:
    path = path or REORGANISATION_FILE
    try:
        body = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        reorg = Reorganisation(date.fromisoformat(str(body["effective_date"])), int(body["last_old_year"]),
                               int(body["first_new_year"]), nfc(str(body.get("source", "")).strip()))
    except FileNotFoundError:
        raise DcmetricsError(f"Không có tệp {path}.") from None
    except (tomllib.TOMLDecodeError, KeyError, ValueError, TypeError) as e:
        raise DcmetricsError(f"Tệp {path.name} không hợp lệ (cần effective_date, last_old_year, "
                             f"first_new_year): {e}") from None
    if reorg.last_old_year >= reorg.first_new_year:
        raise DcmetricsError(f"Tệp {path.name}: năm cuối của đơn vị cũ ({reorg.last_old_year}) phải "
                             f"trước năm đầu của đơn vị mới ({reorg.first_new_year}).")
    return reorg


# --- the package's data --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _package_dir() -> Path:
    # find_spec does not run the package (its __init__ loads the parsers, which we do not need)
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DcmetricsError(f"Chưa cài gói {PACKAGE} (pip install {PACKAGE}).")
    return Path(next(iter(spec.submodule_search_locations)))


def package_version() -> str:
    return importlib.metadata.version(PACKAGE)


def _query(sql: str) -> list[dict]:
    db = _package_dir() / "data" / "dataset.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # never write into site-packages
    try:
        con.row_factory = sqlite3.Row
        return [{k: nfc(v) if isinstance(v, str) else v for k, v in dict(r).items()}
                for r in con.execute(sql)]
    finally:
        con.close()


@lru_cache(maxsize=1)
def _new_rows() -> tuple[dict, ...]:
    return tuple(_query(
        "SELECT provinceKey, provinceCode, province, provinceShort, provinceAlias, provinceLat, provinceLon,"
        " wardKey, wardCode, ward, wardLat, wardLon FROM admin_units ORDER BY provinceCode, wardCode"))


@lru_cache(maxsize=1)
def _old_rows() -> tuple[dict, ...]:
    return tuple(_query(
        "SELECT provinceKey, provinceCode, province, provinceShort, districtKey, districtCode, district,"
        " districtLat, districtLon, wardKey, wardCode, ward, wardLat, wardLon"
        " FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"))


@lru_cache(maxsize=1)
def _converter() -> dict:
    path = _package_dir() / "data" / "converter_2025.json"
    return json.loads(path.read_text(encoding="utf-8"))


# --- provinces -----------------------------------------------------------------------------------

def fold(text: str) -> str:
    """A name as a bare key: no diacritics, no case, letters and digits only ("Tỉnh Bắc Ninh" → "tinhbacninh")."""
    text = unicodedata.normalize("NFD", nfc(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", text.lower())


_PREFIXES = ("thanhpho", "tinh", "tp")


@lru_cache(maxsize=1)
def _provinces() -> tuple[Province, ...]:
    old_names, old_codes = {}, {}
    for r in _old_rows():
        old_names[r["provinceKey"]] = r["province"]
        old_codes[r["provinceKey"]] = r["provinceCode"]
    absorbed = _converter()["DICT_PROVINCE"]
    seen, out = set(), []
    for r in _new_rows():
        if r["provinceKey"] in seen:
            continue
        seen.add(r["provinceKey"])
        olds = sorted(absorbed.get(r["provinceKey"], []), key=lambda k: old_codes.get(k, ""))
        out.append(Province(r["provinceCode"].zfill(2), r["province"], r["provinceShort"], r["provinceKey"],
                            tuple(old_names[k] for k in olds if k in old_names),
                            tuple(old_codes[k].zfill(2) for k in olds if k in old_codes),
                            r["provinceLat"], r["provinceLon"]))
    return tuple(out)


def provinces() -> pl.DataFrame:
    """The 34 provinces and centrally-run cities after 1 July 2025, with the old ones each absorbed."""
    rows = _provinces()
    return pl.DataFrame({
        "code": [p.code for p in rows], "name": [p.name for p in rows],
        "short_name": [p.short_name for p in rows],
        "old_province_codes": [list(p.old_province_codes) for p in rows],
        "old_provinces": [list(p.old_provinces) for p in rows],
    }, schema={"code": pl.String, "name": pl.String, "short_name": pl.String,
               "old_province_codes": pl.List(pl.String), "old_provinces": pl.List(pl.String)})


def _name_keys() -> dict[str, Province]:
    """Every spelling we accept for a new province: full name, short name, the package's aliases."""
    keys: dict[str, Province] = {}
    aliases = {r["provinceKey"]: r["provinceAlias"] for r in _new_rows()}
    for p in _provinces():
        keys[fold(p.name)] = keys[fold(p.short_name)] = p
        for alias in json.loads(aliases.get(p.key) or "[]"):
            keys[fold(alias)] = p
    return keys


def _strip_prefix(key: str) -> str:
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


def _old_province_hint(key: str, code: str | None) -> str | None:
    """«Bắc Giang» is an old province: say where it went rather than only "not found"."""
    for p in _provinces():
        for name, old in zip(p.old_provinces, p.old_province_codes):
            short = _strip_prefix(fold(name))
            if (code and code == old and code != p.code) or (key and key in (fold(name), short)):
                return (f"«{name}» là tỉnh, thành phố trước ngày 01/7/2025 (mã cũ {old}), nay thuộc "
                        f"{p.name} (mã {p.code}).")
    return None


def find_province(name_or_code: str) -> Province:
    """A new province by its code ("24", "1", "01") or name ("Bắc Ninh", "bac ninh", "Tỉnh Bắc Ninh")."""
    text = nfc(str(name_or_code)).strip()
    if re.fullmatch(r"[0-9]+", text):  # "24", "1"; a 3-digit text would be an old district code
        code = text.zfill(2)
        for p in _provinces():
            if p.code == code:
                return p
        hint = _old_province_hint("", code) or "Hãy chọn một trong 34 mã tỉnh, thành phố hiện hành."
        raise NotFound(f"Không có tỉnh, thành phố mã «{text}» trong danh mục từ ngày 01/7/2025. {hint}")
    keys = _name_keys()
    key = fold(text)
    for candidate in (key, _strip_prefix(key)):
        if candidate in keys:
            return keys[candidate]
    hint = _old_province_hint(_strip_prefix(key), None)
    if hint is None:
        near = difflib.get_close_matches(_strip_prefix(key), list(keys), n=3, cutoff=0.6)
        names = list(dict.fromkeys(f"{keys[k].name} (mã {keys[k].code})" for k in near))
        hint = (f"Có phải: {', '.join(names)}?" if names
                else "Hãy nhập tên hoặc mã tỉnh, thành phố, ví dụ «Bắc Ninh» hoặc «24».")
    raise NotFound(f"Không tìm thấy tỉnh, thành phố «{text}» trong danh mục từ ngày 01/7/2025. {hint}")


# --- units and lineage ---------------------------------------------------------------------------

def _unit(code, name, type_, parent, level, lat, lon, old_province, reorg: Reorganisation) -> dict:
    new = level == "new"
    return {"code": code, "name": name, "type": type_, "parent_code": parent, "cluster": None,
            "active_from": reorg.first_new_year if new else None,
            "active_to": None if new else reorg.last_old_year,
            "level": level, "lat": lat, "lon": lon, "old_province": old_province}


def _unit_rows(p: Province, new: list[dict], old: list[dict], reorg: Reorganisation) -> list[dict]:
    rows = [_unit(p.code, p.name, "province", None, "new", p.lat, p.lon, None, reorg)]
    rows += [_unit(r["wardCode"].zfill(5), r["ward"], "commune", p.code, "new", r["wardLat"], r["wardLon"],
                   None, reorg) for r in new]
    districts = {}
    for r in old:
        districts.setdefault(r["districtCode"], r)
    rows += [_unit(old_code(c.zfill(3)), r["district"], "district", p.code, "old", r["districtLat"],
                   r["districtLon"], r["province"], reorg) for c, r in sorted(districts.items())]
    rows += [_unit(old_code(r["wardCode"].zfill(5)), r["ward"], "commune", old_code(r["districtCode"].zfill(3)),
                   "old", r["wardLat"], r["wardLon"], r["province"], reorg) for r in old if r["wardCode"]]
    return rows


def _old_keys(old: list[dict]) -> dict[str, str]:
    """The converter's key of each lowest old unit → its code. Island districts without communes
    are keyed "province_district_" (empty commune part), as the package writes them."""
    keys = {}
    for r in old:
        key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        keys[key] = old_code(r["wardCode"].zfill(5) if r["wardCode"] else r["districtCode"].zfill(3))
    return keys


def _lineage_rows(p: Province, new: list[dict], old: list[dict], reorg: Reorganisation
                  ) -> tuple[list[dict], list[str]]:
    conv = _converter()
    new_codes = {r["wardKey"]: r["wardCode"].zfill(5) for r in new}
    old_codes = _old_keys(old)
    source = f"{PACKAGE} {package_version()}"
    rows, unresolved = [], []

    def link(old_key, new_key, share, basis, default):
        if old_key not in old_codes or new_key not in new_codes:
            unresolved.append(f"{old_key} → {new_key}")
            return
        rows.append({"old_code": old_codes[old_key], "new_code": new_codes[new_key],
                     "effective_date": reorg.effective_date, "share": share, "share_basis": basis,
                     "is_default": default, "source": source})

    for new_key, olds in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].get(p.key, {}).items():
        for old_key in olds:
            link(old_key, new_key, 1.0, "whole", True)
    for old_key, parts in conv["DICT_PROVINCE_WARD_DIVIDED"].get(p.key, {}).items():
        for part in parts:  # the pieces' areas are unknown: equal shares
            link(old_key, part["newWardKey"], 1 / len(parts), "equal", bool(part["isDefaultNewWard"]))
    return rows, unresolved


def province_units(name_or_code: str, reorg: Reorganisation | None = None) -> OfficialUnits:
    """The new province, its new communes, the old districts and communes now in it, and the lineage."""
    p = find_province(name_or_code)
    reorg = reorg or reorganisation()
    new = [r for r in _new_rows() if r["provinceKey"] == p.key]
    absorbed = set(_converter()["DICT_PROVINCE"].get(p.key, []))
    old = [r for r in _old_rows() if r["provinceKey"] in absorbed]
    units = pl.DataFrame(_unit_rows(p, new, old, reorg), schema=OFFICIAL_UNIT_SCHEMA)
    links, unresolved = _lineage_rows(p, new, old, reorg)
    lineage = pl.DataFrame(links, schema=LINEAGE_SCHEMA).sort("old_code", "new_code")
    per_old = lineage.group_by("old_code").len()
    counts = {"new_communes": len(new),
              "old_districts": len({r["districtCode"] for r in old}),
              "old_communes": sum(1 for r in old if r["wardCode"]),
              "lineage_links": lineage.height,
              "divided_old_communes": per_old.filter(pl.col("len") > 1).height}
    return OfficialUnits(p, units, lineage, counts, tuple(unresolved))


# --- checks --------------------------------------------------------------------------------------

def check_lineage(units: pl.DataFrame, lineage: pl.DataFrame) -> list[Problem]:
    """Problems of a lineage against its units (dcmetrics.lineage_rules, the validator an
    administrator's entries go through too), every old unit without successor among them, and,
    the package's list being the whole new map, every new commune without predecessor. Run
    `units.check_units` for the tree itself."""
    names = dict(zip(units["code"].to_list(),
                     units["name"].to_list() if "name" in units.columns else units["code"].to_list()))
    news = set(lineage["new_code"].to_list())
    return lineage_rules.check(units, lineage).all + _without_predecessor(units, news, names)


def _without_predecessor(units, news, names) -> list[Problem]:
    current = units.filter((pl.col("type") == "commune") & pl.col("active_to").is_null())["code"].to_list()
    return [Problem(f"đơn vị {c}", f"xã, phường mới «{names[c]}» không có đơn vị tiền thân nào", c)
            for c in current if c not in news]
