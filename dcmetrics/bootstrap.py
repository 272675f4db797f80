"""Create a database and load the sample province through the same paths an office uses."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dcmetrics import access, audit, config, framework
from dcmetrics.appraisal import set_appraisals
from dcmetrics.errors import StoreError
from dcmetrics.ingest.commit import approve, import_file
from dcmetrics.store import Store, open_store, set_meta
from dcmetrics.units import replace_units


def register_frameworks(store: Store, folder: Path | None = None) -> int:
    """Record every profile version; a changed profile under an old version is refused."""
    import json
    from dataclasses import asdict

    added = 0
    profiles = framework.load_profiles(folder)
    with store.transaction() as cur:
        for p in (v for head in profiles.values() for v in head.versions()):
            row = cur.execute("SELECT sha256 FROM frameworks WHERE id = $i AND version = $v",
                              {"i": p.id, "v": p.version}).fetchone()
            if row and row[0] != p.sha256:
                raise StoreError(f"Bộ tiêu chí «{p.id}» phiên bản {p.version} đã thay đổi nội dung so với bản đã dùng "
                                 "để tính điểm. Hãy tăng «version» trong tệp khi sửa bộ tiêu chí.")
            if not row:
                body = json.dumps({k: v for k, v in asdict(p).items() if k != "earlier"}, ensure_ascii=False, default=str)
                cur.execute("INSERT INTO frameworks (id, version, title, document, sha256, body_json) "
                            "VALUES ($i, $v, $t, $d, $h, $b)",
                            {"i": p.id, "v": p.version, "t": p.title, "d": p.document.id, "h": p.sha256, "b": body})
                audit.record(cur, access.SYSTEM, audit.FRAMEWORK_REGISTER, f"framework:{p.id}:{p.version}",
                             after={"title": p.title, "sha256": p.sha256})
                added += 1
    return added


def load_sample(store: Store, folder: Path | None = None) -> dict:
    """Units, every district's yearly file and the appraisals of the sample province."""
    folder = folder or config.SAMPLE_DIR
    units = pl.read_csv(folder / "units.csv", infer_schema=False)
    replace_units(store, units, access.SYSTEM)
    if (folder / "lineage.csv").is_file():
        lineage = pl.read_csv(folder / "lineage.csv", infer_schema=False)
        with store.transaction() as cur:
            cur.register("sample_lineage", lineage)
            cur.execute("INSERT INTO unit_lineage (old_code, new_code, effective_date, share, share_basis, is_default, "
                        "source) SELECT old_code, new_code, CAST(effective_date AS DATE), CAST(share AS DOUBLE), "
                        "share_basis, CAST(is_default AS BOOLEAN), 'dữ liệu mẫu' FROM sample_lineage")
            cur.unregister("sample_lineage")
    if (folder / "places.csv").is_file():
        places = pl.read_csv(folder / "places.csv", schema={"code": pl.String, "lat": pl.Float64, "lon": pl.Float64})
        with store.transaction() as cur:
            cur.register("sample_places", places)
            cur.execute("INSERT INTO unit_places SELECT code, lat, lon FROM sample_places")
            cur.unregister("sample_places")
    if (folder / "assignments.csv").is_file():
        load_assignments(store, folder / "assignments.csv")
    files = 0
    for year_dir in sorted(p for p in folder.iterdir() if p.is_dir() and p.name.isdigit()):
        for path in sorted(year_dir.glob("*.csv")):
            import_file(store, path.read_bytes(), f"{year_dir.name}/{path.name}", int(year_dir.name),
                        access.SYSTEM, area_code=path.stem)
            files += 1
    appr = pl.read_csv(folder / "appraisals.csv", infer_schema=False)
    records = [{
        "unit_code": r["unit_code"], "year": int(r["year"]), "indicator": r["indicator"],
        "value": float(r["value"]) if r["value"] else None,
        "num": float(r["numerator"]) if r["numerator"] else None,
        "den": float(r["denominator"]) if r["denominator"] else None,
        "reason": r["reason"], "appraised_by": r["appraiser"]} for r in appr.iter_rows(named=True)]
    set_appraisals(store, access.SYSTEM, records)
    if (folder / "reviews.csv").is_file():
        reviews = pl.read_csv(folder / "reviews.csv", infer_schema=False)
        for r in reviews.filter(pl.col("review_state") == "approved").iter_rows(named=True):
            approve(store, access.SYSTEM, r["area_code"], int(r["year"]))
    with store.transaction() as cur:
        set_meta(cur, "sample_loaded", "1")
    access.create_demo_accounts(store)
    return {"units": units.height, "files": files, "appraisals": len(records)}


def load_assignments(store: Store, path: Path) -> int:
    """The sample's profile assignments, through the same validation as the administrator's."""
    from dcmetrics import territory

    raw = pl.read_csv(path, infer_schema=False)
    frame = raw.select(
        "profile_id", "area_code",
        pl.when(pl.col("unit_types").fill_null("") == "").then(None)
        .otherwise(pl.col("unit_types").str.split(" ")).alias("unit_types"),
        pl.col("year_from").cast(pl.Int32), pl.col("year_to").cast(pl.Int32), "reason")
    years = sorted({int(p.name) for p in path.parent.iterdir() if p.is_dir() and p.name.isdigit()})
    return territory.set_assignments(store, access.SYSTEM, frame, framework.load_profiles(), years)


def init_db(path: str | Path | None, sample: bool, lock_wait: float | None = None) -> tuple[Store, str | None]:
    """Open (creating and migrating) the database; load the sample once if asked and empty;
    make sure an administrator exists. Returns the store and, when one was just generated,
    the first administrator's one-time password (the caller prints it on the console).
    `lock_wait`: see Store (StoreBusy when another process keeps the file that long)."""
    store = open_store(path, lock_wait=lock_wait)
    try:
        with store.exclusive():  # two app processes starting on one empty server: one sets it up
            register_frameworks(store)
            if sample and not store.rows("SELECT 1 FROM units LIMIT 1"):
                load_sample(store)
            return store, access.ensure_admin(store)
    except BaseException:
        store.close()  # a failed start must not keep the file from the next attempt
        raise


def sample_loaded(store: Store) -> bool:
    return store.meta("sample_loaded") == "1"
