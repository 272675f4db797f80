"""The audit trail as people read it: who (name and username) did what (the action's Vietnamese
label) to which unit, area or account (its name and code), when (dd/mm/yyyy HH:MM), and the
details (the stored before/after JSON) as Vietnamese field labels and values, never JSON, never
an internal object code such as `area:991:2025`. The page and its Excel export both use this."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import polars as pl

from dcmetrics import audit
from dcmetrics.fmt import EMPTY, fmt_num
from dcmetrics.store import Store

FIELD_LABELS = {
    "username": "Tên đăng nhập", "display_name": "Họ tên", "role": "Vai trò", "area_code": "Địa bàn",
    "area": "Địa bàn", "active": "Đang hoạt động", "demo": "Tài khoản dùng thử", "own": "Tự đổi mật khẩu của mình",
    "password_source": "Mật khẩu ban đầu", "password_changed_at": "Đổi mật khẩu lúc",
    "failed_count": "Số lần đăng nhập sai liên tiếp", "locked_until": "Tạm khóa đến", "reason": "Lý do",
    "name_tag": "Dấu nhận diện tên đã gõ (không lưu chính tên)", "submission": "Lần gửi số", "locked": "Khóa số liệu",
    "replaced": "Thay các lần gửi", "year": "Năm", "file": "Tệp", "sha256": "Mã kiểm tra tệp (SHA-256)",
    "units": "Số đơn vị", "new_units": "Đơn vị mới", "old_units": "Đơn vị cũ", "lineage": "Liên kết cũ → mới",
    "source": "Nguồn", "rows": "Số dòng", "added": "Thêm", "updated": "Sửa", "links": "Liên kết cũ → mới",
    "changes": "Thay đổi", "version": "Phiên bản", "effective_from": "Hiệu lực từ", "draft": "Bản nháp số",
    "title": "Tên", "value": "Giá trị", "num": "Tử số", "den": "Mẫu số",
    # API tokens and calls (dcmetrics.api)
    "id": "Số", "account": "Tài khoản", "name": "Dùng cho", "prefix": "Nhận diện khóa", "token": "Khóa",
    "expires_at": "Hết hạn", "revoked_at": "Thu hồi lúc", "params": "Tham số", "status": "Mã trả lời",
}
# login failures record why with a code
REASONS = {
    "wrong_password": "sai mật khẩu", "unknown_user": "tên đăng nhập không có", "locked": "đang tạm khóa",
    "inactive": "tài khoản đã bị vô hiệu hóa", "bad_hash": "mật khẩu lưu bị hỏng (quản trị cần đặt lại)",
    "wrong_current_password": "sai mật khẩu hiện tại khi tự đổi mật khẩu",
}
PASSWORD_SOURCES = {"generated": "tạo ngẫu nhiên, in ra màn hình máy chủ một lần"}
TIMESTAMP_FIELDS = {"locked_until", "password_changed_at", "expires_at", "revoked_at"}
AREA_FIELDS = {"area", "area_code"}
PLAIN_NUMBERS = {"year", "submission", "draft", "id", "status"}  # years, ids, HTTP codes: 2025, not 2.025
MAX_LISTED = 5  # units or links named in one cell before «và N … khác»


class _Names:
    """Names looked up once for a whole listing: units, accounts, framework titles."""

    def __init__(self, store: Store):
        from dcmetrics import access  # access writes into the audit: import here, not at the top

        self.access = access
        self.units = dict(store.rows("SELECT code, name FROM units"))
        self.accounts = {k: (u, d) for k, u, d in store.rows("SELECT username_key, username, display_name FROM accounts")}
        self.frameworks = {(i, v): t for i, v, t in store.rows("SELECT id, version, title FROM frameworks")}
        self.framework_titles = {i: t for (i, _), t in sorted(self.frameworks.items())}

    def unit(self, code: Any) -> str:
        code = str(code)
        if code == self.access.ALL_AREAS:
            return self.access.ALL_AREAS_LABEL
        name = self.units.get(code)
        return f"{name} ({code})" if name else f"đơn vị mã {code}"

    def person(self, who: Any) -> str:
        who = str(who)
        if who == audit.SYSTEM_ACTOR:
            return "Hệ thống"
        if who == self.access.UNKNOWN_NAME:
            return "Người dùng chưa xác định (tên đăng nhập không có)"
        found = self.accounts.get(who.strip().casefold())
        return f"{found[1]} ({who})" if found and found[1] != who else who

    def framework(self, pid: str, version: str | None = None) -> str:
        title = self.frameworks.get((pid, version)) or self.framework_titles.get(pid) or pid
        short = title if len(title) <= 60 else title[:59].rstrip() + "…"
        return f"bộ tiêu chí «{short}»"


def _when(value: Any) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _listed(items: list[str]) -> str:
    if not items:
        return EMPTY
    more = len(items) - MAX_LISTED
    return "; ".join(items[:MAX_LISTED]) + (f"; và {more} mục khác" if more > 0 else "")


def value_text(names: _Names, key: str, value: Any) -> str:
    """One stored value the way a person reads it."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if key == "role":
        return names.access.ROLE_LABELS.get(value, str(value))
    if key in AREA_FIELDS:
        return names.unit(value)
    if key in TIMESTAMP_FIELDS or key == "effective_from":
        return _when(value)
    if key == "reason" and value in REASONS:
        return REASONS[value]
    if key == "password_source":
        return PASSWORD_SOURCES.get(value, f"biến môi trường {value}")
    if key in PLAIN_NUMBERS and isinstance(value, int):
        return str(value)
    if isinstance(value, (int, float)):
        return fmt_num(value)
    if key == "links" and isinstance(value, list):
        return _listed([f"{names.unit(x.get('old_code'))} → {names.unit(x.get('new_code'))} từ "
                        f"{_when(x.get('effective_date'))}" for x in value if isinstance(x, dict)])
    if key == "changes" and isinstance(value, list):
        return _listed([f"{x.get('what')}: {value_text(names, '', x.get('from'))} → {value_text(names, '', x.get('to'))}"
                        for x in value if isinstance(x, dict)])
    if key == "replaced" and isinstance(value, list):
        return _listed([f"lần gửi số {v}" for v in value])
    if isinstance(value, list):
        return _listed([value_text(names, key, v) for v in value])
    if isinstance(value, dict):
        return "; ".join(f"{FIELD_LABELS.get(k, k)}: {value_text(names, k, v)}" for k, v in sorted(value.items()))
    return str(value)


def object_text(names: _Names, action: str, obj: str | None, after: dict) -> str:
    """Which unit, area, account or file an audit row is about."""
    if obj is None:
        return EMPTY
    kind, _, rest = obj.partition(":")
    parts = rest.split(":") if rest else []
    if kind == "area" and len(parts) == 2:
        return f"{names.unit(parts[0])}, năm {parts[1]}"
    if kind == "unit" and len(parts) == 3:
        return f"{names.unit(parts[0])}, năm {parts[1]}, chỉ tiêu {parts[2]}"
    if kind == "submission" and parts:
        where = f" của {names.unit(after['area'])}, năm {after.get('year')}" if after.get("area") else ""
        file = f"tệp «{after['file']}»" if after.get("file") else "tệp"
        return f"{file}{where} (lần gửi số {parts[0]})"
    if kind == "province" and parts:
        return names.unit(parts[0])
    if kind == "framework" and len(parts) == 2:
        pid, version = parts
        if version.startswith("draft-"):
            return f"{names.framework(pid)}, bản nháp số {version[len('draft-'):]}"
        return f"{names.framework(pid, version)}, phiên bản {version}"
    if kind == "unit_list" and rest:
        return f"danh mục đơn vị từ tệp «{rest}»"
    if kind == "unit_lineage":
        return "liên kết đơn vị cũ → mới của " + _listed([names.unit(c) for c in rest.split(",") if c])
    if kind == "api_token" and parts:
        prefix = f" ({after['prefix']}…)" if after.get("prefix") else ""
        return f"khóa truy cập API số {parts[0]}{prefix}"
    if obj.startswith("/api/"):
        return f"địa chỉ {obj}"
    if obj == "units":
        return "danh mục đơn vị"
    if obj == "profile_assignments":
        return "phân công bộ tiêu chí theo địa bàn"
    return f"tài khoản {names.person(obj)}"  # account and login rows name the account


def _load(text: str | None) -> dict:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {"": value}


def detail_rows(names: _Names, before: dict, after: dict) -> list[dict]:
    """Field label, before, after: one row per field either side holds."""
    keys = list(dict.fromkeys([*before, *after]))
    return [{"field": FIELD_LABELS.get(k, k),
             "before": value_text(names, k, before[k]) if k in before else EMPTY,
             "after": value_text(names, k, after[k]) if k in after else EMPTY} for k in keys]


def _detail_text(rows: list[dict], has_before: bool) -> str:
    if not rows:
        return EMPTY
    if has_before:
        return "; ".join(f"{r['field']}: {r['before']} → {r['after']}" for r in rows)
    return "; ".join(f"{r['field']}: {r['after']}" for r in rows)


def describe(store: Store, log: pl.DataFrame) -> pl.DataFrame:
    """The rows of `audit.audit_log` readable: id, at (datetime), when (dd/mm/yyyy HH:MM), who,
    action_label, object_label, sentence, details (one line of «field: before → after»)."""
    names = _Names(store)
    out = []
    for r in log.iter_rows(named=True):
        before, after = _load(r["before_json"]), _load(r["after_json"])
        label = audit.ACTION_LABELS.get(r["action"], r["action"])
        who, what = names.person(r["actor"]), object_text(names, r["action"], r["object"], after)
        when = _when(r["at"])
        about = "" if what == EMPTY else f" — {what}"
        out.append({"id": r["id"], "at": r["at"], "when": when, "who": who, "action_label": label,
                    "object_label": what, "sentence": f"{when}: {who}: {label.lower()}{about}.",
                    "details": _detail_text(detail_rows(names, before, after), bool(before))})
    schema = {"id": pl.Int64, "at": pl.Datetime, "when": pl.String, "who": pl.String, "action_label": pl.String,
              "object_label": pl.String, "sentence": pl.String, "details": pl.String}
    return pl.DataFrame(out, schema=schema)


def details(store: Store, log: pl.DataFrame, row_id: int) -> pl.DataFrame:
    """One audit row's details as a table: field (Vietnamese label), before, after."""
    row = log.filter(pl.col("id") == row_id).row(0, named=True)
    rows = detail_rows(_Names(store), _load(row["before_json"]), _load(row["after_json"]))
    return pl.DataFrame(rows, schema={"field": pl.String, "before": pl.String, "after": pl.String})


EXPORT_COLUMNS = {"when": "Thời điểm", "who": "Người thực hiện", "action_label": "Việc", "object_label": "Đối tượng",
                  "details": "Chi tiết"}


def export_frame(described: pl.DataFrame) -> pl.DataFrame:
    """The Excel export: the same readable columns as the page, Vietnamese headers."""
    return described.select([pl.col(c).alias(label) for c, label in EXPORT_COLUMNS.items()])
