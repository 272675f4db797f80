"""Paths and limits. Everything a deployment may change is read from the environment here."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
FRAMEWORKS_DIR = DATA_DIR / "frameworks"  # the repository's frameworks; a deployment may set its own
SAMPLE_DIR = DATA_DIR / "sample"
DEFAULT_DB = DATA_DIR / "dcmetrics.duckdb"

# Evaluated unit types (applicability codes) and the area types above them. A village (thôn, tổ
# dân phố, khu phố, ấp) sits below a commune and is evaluated only by a profile that names it in
# its `unit_types`: a profile naming none evaluates PROFILE_DEFAULT_TYPES.
UNIT_TYPES = ("commune", "agency", "service", "enterprise", "village")
PROFILE_DEFAULT_TYPES = ("commune", "agency", "service", "enterprise")
AREA_TYPES = ("province", "district")
UNIT_TYPE_LABELS = {
    "province": "Tỉnh, thành phố",
    "district": "Huyện, thị xã, thành phố thuộc tỉnh",
    "commune": "Xã, phường, thị trấn, đặc khu",
    "agency": "Cơ quan hành chính nhà nước",
    "service": "Đơn vị sự nghiệp công lập",
    "enterprise": "Doanh nghiệp, tổ chức có sử dụng lao động",
    "village": "Thôn, tổ dân phố, khu phố, ấp",
}

SAMPLE_PROVINCE_CODE = "99"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else DCMETRICS_DB, else data/dcmetrics.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("DCMETRICS_DB")
    return Path(env) if env else DEFAULT_DB


def db_target(explicit: str | os.PathLike | None = None) -> Path | str:
    """db_path, except that a PostgreSQL URL (postgresql://…, postgres://…) is given back as the
    string it is (a Path would fold its «//»)."""
    raw = explicit if explicit else os.environ.get("DCMETRICS_DB")
    if isinstance(raw, str) and raw.startswith(("postgresql://", "postgres://")):
        return raw
    return db_path(explicit)


def frameworks_dir() -> Path:
    """The frameworks folder (catalogue.toml, profiles/): DCMETRICS_FRAMEWORKS_DIR, else the
    repository's data/frameworks. Read at every call, so publishing from the editor writes where
    the deployment (or a test) points, never into the code's own copy unless told to."""
    env = os.environ.get("DCMETRICS_FRAMEWORKS_DIR")
    return Path(env) if env else FRAMEWORKS_DIR


def prime_enabled() -> bool:
    """Whether the app reads ahead into its caches in a background thread (dcmetrics.primer):
    DCMETRICS_PRIME, on unless set to 0 (the tests turn it off, except the primer's own)."""
    return os.environ.get("DCMETRICS_PRIME", "1").strip() not in ("0", "false", "no", "")


def max_upload_bytes() -> int:
    return int(float(os.environ.get("DCMETRICS_MAX_UPLOAD_MB", "10")) * 1024 * 1024)


def max_upload_rows() -> int:
    return int(os.environ.get("DCMETRICS_MAX_UPLOAD_ROWS", "20000"))


# How long opening the database waits while another process holds its file (DuckDB lets one
# process open it): long enough for a CLI import or two to finish. The software's default,
# no document sets it.
DEFAULT_LOCK_WAIT_SECONDS = 30.0


def lock_wait_seconds() -> float:
    """Seconds to wait for the database file: DCMETRICS_LOCK_WAIT_SECONDS, else 30."""
    raw = os.environ.get("DCMETRICS_LOCK_WAIT_SECONDS", "").strip()
    if not raw:
        return DEFAULT_LOCK_WAIT_SECONDS
    try:
        value = float(raw.replace(",", "."))  # 2,5 as Vietnamese write it
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 86400:  # also refuses nan and inf
        from dcmetrics.errors import StoreError

        raise StoreError(f"Biến môi trường DCMETRICS_LOCK_WAIT_SECONDS = «{raw}» không dùng được: "
                         "cần một số giây từ 0 đến 86400, ví dụ 30.")
    return value


def max_evidence_bytes() -> int:
    """The size limit of one evidence document (DCMETRICS_MAX_EVIDENCE_MB, default 20: the
    software's default, no text sets it)."""
    return int(float(os.environ.get("DCMETRICS_MAX_EVIDENCE_MB", "20")) * 1024 * 1024)


def max_unpacked_bytes() -> int:
    """An xlsx's parts inflated, all together. The template filled for 20.000 units inflates to about
    22 MB; a larger figure means a file built to exhaust the server (a «zip bomb»)."""
    return int(float(os.environ.get("DCMETRICS_MAX_UNPACKED_MB", "100")) * 1024 * 1024)


def max_upload_cells() -> int:
    """Cells of the grid a workbook's sheets make (rows × columns up to the last value), all sheets
    together (and of a CSV's rows × header columns): 2,7 times the template filled for 20.000 units
    (740.000 cells). Reading costs about 130 bytes a cell (benchmark: 3 million cells took 390 MB
    over the interpreter's own), so the default keeps the costliest accepted upload near 350 MB."""
    return int(os.environ.get("DCMETRICS_MAX_UPLOAD_CELLS", "2000000"))
