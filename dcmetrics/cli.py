"""The `dcmetrics` command: the same functions the pages call, for scripts and offices.

DuckDB lets one process open the database file: a command opens it as late as it can and
closes it as soon as it is done (`with _store(...)`), and waits while another holds it, so
commands started together run one after another.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dcmetrics.errors import DcmetricsError, FrameworkError, StoreBusy, ValidationError

EXIT_BUSY = 3  # the database was held by another program the whole wait: a script may try again later


def _store(args, create: bool = False):
    """The store, waiting DCMETRICS_LOCK_WAIT_SECONDS for the file; use it in a `with`."""
    from dcmetrics.store import open_store

    return open_store(args.db, create=create)


def cmd_init(args) -> int:
    from dcmetrics.bootstrap import init_db, sample_loaded

    if args.sample and args.province:
        raise DcmetricsError("Chọn một: --sample (tỉnh mẫu giả định) hoặc --province (đơn vị thật của một tỉnh).")
    store, admin_password = init_db(args.db, sample=args.sample)
    with store:
        if args.province:
            from dcmetrics import access
            from dcmetrics.units import import_official

            # a real province: its units old and new with the lineage, no figures yet
            r = import_official(store, access.SYSTEM, args.province, legacy=True)
            print(f"{r.province_name} (mã {r.province_code}): {r.new_units} đơn vị mới, {r.old_units} đơn vị cũ, "
                  f"{r.lineage} liên kết cũ → mới ({r.source}). Chưa có số liệu: tải tệp mẫu bằng "
                  "«dcmetrics template» hoặc trên trang Nhập số liệu.")
        n = store.rows("SELECT count(*) FROM units")[0][0]
        loaded = sample_loaded(store)
    print(f"Cơ sở dữ liệu: {store.path}")
    print(f"Đơn vị: {n}; dữ liệu mẫu: {'có' if loaded else 'không'}")
    if admin_password:
        print(first_admin_notice(admin_password))
    return 0


def first_admin_notice(password: str) -> str:
    from dcmetrics import access

    user = os.environ.get(access.ADMIN_USER_ENV) or access.DEFAULT_ADMIN_USER
    return (f"Đã tạo tài khoản quản trị đầu tiên «{user}» với mật khẩu dùng một lần: {password}\n"
            "Hãy đăng nhập và đổi mật khẩu ngay; mật khẩu này không được lưu ở đâu khác.")


def cmd_frameworks(args) -> int:
    from dcmetrics import framework

    profiles = framework.load_profiles(Path(args.folder) if args.folder else None)
    print("id\tversion\ttitle\tdocument\tgroups")
    for head in profiles.values():
        for p in head.versions():
            print(f"{p.id}\t{p.version}\t{head.period_text(p.version)}\t{p.title}\t{p.document.title}\t{len(p.groups)}")
    return 0


def cmd_score(args) -> int:
    from dcmetrics import exports, framework, scoring

    profile = framework.get_profile(args.framework)
    with _store(args) as store:
        scoring.require_year(store, args.year)
        # the stored scores the dashboard shows: each year with the version in force that year
        result = scoring.stored_score(store, profile, [args.year], basis=args.basis)
        other = scoring.stored_score(store, profile, [args.year],
                                     basis="self" if args.basis == "appraised" else "appraised")
        frame = exports.score_table(result, args.year, other)
    exports.write_csv(frame, Path(args.out), args.dialect)
    version = result.profile_of(args.year)
    print(f"Đã ghi {frame.height} đơn vị vào {args.out} (bộ tiêu chí {version.id} {version.version}, "
          f"cơ sở {'sau thẩm định' if args.basis == 'appraised' else 'tự chấm'}).")
    return 0


def cmd_import(args) -> int:
    from dcmetrics.ingest.commit import import_file
    from dcmetrics.ingest.guard import read_path

    path = Path(args.file)
    if not path.is_file():
        raise DcmetricsError(f"Không tìm thấy tệp «{path}».")
    content = read_path(path)  # the size limit holds before the file is in memory, as for an upload
    with _store(args) as store:
        result = import_file(store, content, path.name, args.year, args.user,
                             area_code=args.area, dry_run=args.dry_run, replace_all=args.replace_all)
    for w in result.warnings:
        print(f"Cảnh báo: {w}" + (f" (giá trị: {w.value})" if w.value else ""))
    print(result.message)
    return 0


def cmd_units_import(args) -> int:
    from dcmetrics import access
    from dcmetrics.units import import_official

    with _store(args, create=True) as store:
        # whoever holds the database file is its administrator
        r = import_official(store, access.SYSTEM, args.province, legacy=args.legacy, commit=not args.dry_run)
    lines = [f"{r.province_name} (mã {r.province_code}), theo {r.source}:",
             f"  đơn vị mới (tỉnh và xã, phường, đặc khu, từ năm 2025): {r.new_units}"]
    if args.legacy:
        lines += [f"  đơn vị cũ (huyện và xã trước sắp xếp, đến năm 2024): {r.old_units}",
                  f"  liên kết đơn vị cũ → mới: {r.lineage} (xã cũ chia cho nhiều xã mới: {r.divided})"]
    lines += [f"  đã có trong danh mục (được cập nhật): {r.existing}; đơn vị khác giữ nguyên: {r.kept}"]
    print("\n".join(lines))
    print("Đã ghi vào cơ sở dữ liệu." if r.committed else "Chạy thử: chưa ghi gì (bỏ --dry-run để ghi).")
    return 0


def cmd_template(args) -> int:
    from dcmetrics.ingest.template import build_csv, build_xlsx, template_units

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DcmetricsError(f"Tệp mẫu «{out}» phải có đuôi .xlsx hoặc .csv.")
    if args.semicolon and suffix != ".csv":
        raise DcmetricsError("Tùy chọn --semicolon chỉ dùng cho tệp .csv.")
    with _store(args) as store:
        if suffix == ".xlsx":
            content = build_xlsx(store, args.area, args.year)
        else:
            content = build_csv(store, args.area, args.year, dialect="semicolon" if args.semicolon else "comma")
        n = template_units(store, args.area, args.year).height
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    print(f"Đã ghi mẫu nhập số liệu năm {args.year} của địa bàn {args.area} ({n} đơn vị) vào {out}.")
    return 0


def cmd_report(args) -> int:
    from dcmetrics import access, framework
    from dcmetrics.reports import annual, html, pdf

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html"):
        raise DcmetricsError(f"Tệp báo cáo «{out}» phải có đuôi .pdf hoặc .html.")
    profile = framework.get_profile(args.framework)
    with _store(args) as store:
        # whoever holds the database file is its administrator (as units-import): every area
        report = annual.build(store, access.SYSTEM, profile, args.year, area=args.area)
    content = pdf.render(report) if suffix == ".pdf" else html.render_bytes(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    print(f"Đã ghi báo cáo năm {args.year} ({report.area_name}, bộ tiêu chí {report.profile_id} "
          f"{report.profile_version}, {report.summary['n_units']} đơn vị) vào {out}.")
    return 0


def cmd_token(args) -> int:
    """API tokens from the command line (the process acts as the system, like the sample loader:
    whoever may open the database file may do anything with it anyway)."""
    from dcmetrics import access
    from dcmetrics.api import tokens

    with _store(args) as store:
        if args.token_command == "issue":
            issued = tokens.issue(store, access.SYSTEM, args.account, args.name, args.days)
            print(f"Khóa số {issued.id} cho tài khoản «{issued.username}», hết hạn {issued.expires_at:%d/%m/%Y %H:%M}.")
            print("Khóa (chỉ hiện một lần, phần mềm chỉ lưu mã băm):")
            print(issued.secret)
        elif args.token_command == "list":
            for r in tokens.list_tokens(store, access.SYSTEM).iter_rows(named=True):
                used = f"{r['last_used_at']:%d/%m/%Y %H:%M}" if r["last_used_at"] else "chưa dùng"
                print(f"{r['id']}\t{r['prefix']}…\t{r['username']}\t{tokens.STATE_LABELS[r['state']]}\t"
                      f"hết hạn {r['expires_at']:%d/%m/%Y}\t{used}\t{r['name']}")
        else:
            tokens.revoke(store, access.SYSTEM, args.id)
            print(f"Đã thu hồi khóa số {args.id}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dcmetrics", description="Đánh giá mức độ thực hiện dân chủ ở cơ sở")
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp):
        sp.add_argument("--db", help="tệp cơ sở dữ liệu DuckDB, hoặc địa chỉ postgresql://… của máy chủ PostgreSQL "
                                     "(mặc định: biến DCMETRICS_DB hoặc data/dcmetrics.duckdb)")
        return sp

    sp = with_db(sub.add_parser("init", help="tạo cơ sở dữ liệu"))
    sp.add_argument("--sample", action="store_true", help="nạp dữ liệu mẫu")
    sp.add_argument("--province", help="tạo đơn vị thật (cũ và mới) của một tỉnh, ví dụ «Cà Mau» hoặc 96; chưa có số liệu")
    sp.set_defaults(func=cmd_init)

    sp = sub.add_parser("frameworks", help="liệt kê các bộ tiêu chí")
    sp.add_argument("--folder", help="thư mục bộ tiêu chí (mặc định DCMETRICS_FRAMEWORKS_DIR, không đặt thì data/frameworks)")
    sp.set_defaults(func=cmd_frameworks)

    sp = with_db(sub.add_parser("score", help="tính điểm một năm, ghi CSV"))
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--framework", required=True, help="mã bộ tiêu chí, ví dụ vinh-linh")
    sp.add_argument("--basis", choices=["appraised", "self"], default="appraised",
                    help="appraised: sau thẩm định (mặc định); self: điểm tự chấm")
    sp.add_argument("--out", required=True)
    sp.add_argument("--dialect", choices=["std", "vi"], default="std",
                    help="std: dấu phẩy, dấu chấm thập phân, UTF-8 (mặc định); vi: Excel tiếng Việt (dấu chấm phẩy, "
                         "dấu phẩy thập phân, UTF-8 có BOM). Điểm ghi 2 chữ số thập phân như trên trang")
    sp.set_defaults(func=cmd_score)

    sp = with_db(sub.add_parser("import", help="nhập tệp số liệu của một địa bàn"))
    sp.add_argument("file")
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--user", required=True)
    sp.add_argument("--area", help="mã địa bàn (mặc định: địa bàn chung nhỏ nhất của các đơn vị trong tệp)")
    sp.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không lưu")
    sp.add_argument("--replace-all", action="store_true",
                    help="tệp thay toàn bộ số liệu của địa bàn trong năm (mặc định: đơn vị không có trong tệp giữ nguyên)")
    sp.set_defaults(func=cmd_import)

    sp = with_db(sub.add_parser("units-import", help="nạp đơn vị hành chính chính thức của một tỉnh (vietnamadminunits)"))
    sp.add_argument("--province", required=True, help="mã hoặc tên tỉnh sau sắp xếp, ví dụ 24 hoặc «Bắc Ninh»")
    sp.add_argument("--legacy", action="store_true",
                    help="nạp cả huyện, xã cũ đang nằm trong tỉnh và liên kết cũ → mới (lịch sử trước sắp xếp)")
    sp.add_argument("--dry-run", action="store_true", help="chỉ xem trước số đơn vị sẽ tạo, không ghi")
    sp.set_defaults(func=cmd_units_import)

    sp = with_db(sub.add_parser("template", help="tạo tệp mẫu nhập số liệu (.xlsx hoặc .csv) của một địa bàn"))
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--area", required=True, help="mã địa bàn (tỉnh, huyện) hoặc đơn vị")
    sp.add_argument("--out", required=True, help="tệp kết quả .xlsx hoặc .csv")
    sp.add_argument("--semicolon", action="store_true",
                    help="CSV phân cách bằng dấu chấm phẩy (như Excel cài đặt tiếng Việt)")
    sp.set_defaults(func=cmd_template)

    sp = with_db(sub.add_parser("report", help="lập báo cáo năm gửi Hội đồng nhân dân (.pdf hoặc .html)"))
    sp.add_argument("--year", type=int, required=True)
    sp.add_argument("--framework", required=True, help="mã bộ tiêu chí, ví dụ chung")
    sp.add_argument("--area", help="mã địa bàn (mặc định: toàn bộ đơn vị)")
    sp.add_argument("--out", required=True, help="tệp kết quả .pdf hoặc .html")
    sp.set_defaults(func=cmd_report)
    sp = sub.add_parser("token", help="khóa truy cập API: cấp, liệt kê, thu hồi")
    tsub = sp.add_subparsers(dest="token_command", required=True)
    t = with_db(tsub.add_parser("issue", help="cấp khóa cho một tài khoản (khóa chỉ hiện một lần)"))
    t.add_argument("--account", required=True, help="tên đăng nhập của tài khoản mà khóa đọc thay")
    t.add_argument("--name", required=True, help="khóa dùng cho việc gì, ví dụ «Cổng thông tin tỉnh»")
    t.add_argument("--days", type=int, default=90, help="thời hạn, số ngày (mặc định 90: mặc định của phần mềm)")
    t.set_defaults(func=cmd_token)
    t = with_db(tsub.add_parser("list", help="liệt kê các khóa (không có khóa, chỉ phần nhận diện)"))
    t.set_defaults(func=cmd_token)
    t = with_db(tsub.add_parser("revoke", help="thu hồi một khóa"))
    t.add_argument("id", type=int, help="số của khóa (xem «dcmetrics token list»)")
    t.set_defaults(func=cmd_token)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        for p in e.problems:
            print(f"- {p}" + (f" (giá trị: «{p.value}»)" if p.value else ""), file=sys.stderr)
        return 2
    except FrameworkError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 2
    except StoreBusy as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return EXIT_BUSY
    except DcmetricsError as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
