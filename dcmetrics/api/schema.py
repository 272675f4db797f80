"""What each API route takes and returns, written once: the handler validates its query with
these definitions and the OpenAPI document is generated from the same objects.

Status codes for bad input (never 500):
- 400: a parameter that cannot be read (not a whole number, a code with characters no code has,
  a parameter the route does not know);
- 404: a year, profile, version, area or unit the database does not have;
- 422: a value read but out of range (limit above MAX_LIMIT, a basis or unit type not offered).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dcmetrics import config

MAX_LIMIT = 1000          # rows per page at most: the software's default, no text sets it
DEFAULT_LIMIT = 100
MAX_OFFSET = 10_000_000

CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")  # unit codes, profile ids, versions


class BadParam(Exception):
    """A query parameter refused; `status` 400 or 422; the message is Vietnamese."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Param:
    name: str
    kind: str                     # int | code | enum
    description: str              # Vietnamese
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    where: str = "query"          # query | path

    def parse(self, raw: str | None) -> Any:
        if raw is None or raw == "":
            if self.required:
                raise BadParam(400, "missing_parameter", f"Thiếu tham số bắt buộc «{self.name}».")
            return self.default
        if self.kind == "int":
            if not re.fullmatch(r"-?\d{1,9}", raw.strip()):
                raise BadParam(400, "bad_parameter", f"Tham số «{self.name}» phải là số nguyên, không phải «{_shown(raw)}».")
            value = int(raw)
            if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
                raise BadParam(422, "out_of_range", f"Tham số «{self.name}» phải từ {self.minimum} đến "
                                                    f"{self.maximum}, đang là {value}.")
            return value
        if self.kind == "enum":
            if raw not in self.choices:
                raise BadParam(422, "bad_choice", f"Tham số «{self.name}» = «{_shown(raw)}» không hợp lệ; chọn một "
                                                  f"trong: {', '.join(self.choices)}.")
            return raw
        if not CODE_RE.fullmatch(raw):
            raise BadParam(400, "bad_parameter", f"Tham số «{self.name}» = «{_shown(raw)}» không phải một mã hợp lệ "
                                                 "(chỉ chữ không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới).")
        return raw

    def openapi(self) -> dict:
        schema: dict[str, Any] = {"int": {"type": "integer"}, "code": {"type": "string", "pattern": CODE_RE.pattern},
                                  "enum": {"type": "string", "enum": list(self.choices)}}[self.kind]
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.default is not None:
            schema["default"] = self.default
        return {"name": self.name, "in": self.where, "required": self.required or self.where == "path",
                "description": self.description, "schema": schema}


def _shown(raw: str) -> str:
    return raw if len(raw) <= 40 else raw[:40] + "…"


@dataclass(frozen=True)
class Field:
    name: str                 # stable, English
    type: str                 # string | integer | number | boolean | date | datetime
    label: str                # Vietnamese
    nullable: bool = True

    def openapi(self) -> dict:
        t = {"date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"}}.get(
            self.type, {"type": self.type})
        return {**t, "description": self.label, **({"nullable": True} if self.nullable else {})}


@dataclass(frozen=True)
class Endpoint:
    path: str                 # under /api/v1
    name: str                 # operationId
    summary: str              # Vietnamese
    params: tuple[Param, ...]
    fields: tuple[Field, ...]
    fetch: Callable           # (Context, dict of parsed params) -> Result
    permission: str = "read_scores"

    def known_names(self) -> set[str]:
        return {p.name for p in self.params if p.where == "query"} | {p.name for p in COMMON}

    def parse(self, query: dict[str, str], path: dict[str, str]) -> dict:
        known = self.known_names()
        unknown = sorted(set(query) - known)
        if unknown:
            raise BadParam(400, "unknown_parameter", f"Tham số «{_shown(unknown[0])}» không dùng ở {API_PREFIX}"
                                                     f"{self.path}; các tham số: {', '.join(sorted(known))}.")
        values = {p.name: p.parse(query.get(p.name)) for p in COMMON}
        for p in self.params:
            values[p.name] = p.parse(path.get(p.name) if p.where == "path" else query.get(p.name))
        return values


API_PREFIX = "/api/v1"

COMMON = (
    Param("format", "enum", "Định dạng trả về: json (mặc định) hoặc csv; cũng chọn được bằng tiêu đề Accept: text/csv.",
          choices=("json", "csv")),
    Param("labels", "enum", "vi: kèm nhãn tiếng Việt của từng trường (JSON: đối tượng «labels»; CSV: dòng tiêu đề "
                            "tiếng Việt).", choices=("vi",)),
    Param("limit", "int", f"Số dòng mỗi trang, từ 1 đến {MAX_LIMIT}.", default=DEFAULT_LIMIT, minimum=1,
          maximum=MAX_LIMIT),
    Param("offset", "int", "Bỏ qua bấy nhiêu dòng đầu (phân trang).", default=0, minimum=0, maximum=MAX_OFFSET),
)

YEAR = Param("year", "int", "Năm đánh giá (phải có số liệu).", required=True, minimum=1900, maximum=2200)
YEAR_OPTIONAL = Param("year", "int", "Chỉ các đơn vị tồn tại trong năm này.", minimum=1900, maximum=2200)
PROFILE = Param("profile", "code", "Mã bộ tiêu chí (mặc định «chung»).", default="chung")
BASIS = Param("basis", "enum", "Cơ sở tính điểm: appraised (sau thẩm định, mặc định) hoặc self (tự chấm).",
              default="appraised", choices=("appraised", "self"))
AREA = Param("area", "code", "Mã địa bàn: chỉ các đơn vị thuộc địa bàn này (mặc định: địa bàn của tài khoản).")
UNIT_TYPE = Param("unit_type", "enum", "Loại đơn vị.", choices=tuple(config.UNIT_TYPES))
PROFILE_PATH = Param("profile_id", "code", "Mã bộ tiêu chí.", required=True, where="path")
VERSION = Param("version", "code", "Phiên bản (mặc định: phiên bản mới nhất).")

SCORE_FILTERS = (YEAR, PROFILE, BASIS, AREA, UNIT_TYPE)


def openapi(endpoints: list[Endpoint]) -> dict:
    """The OpenAPI 3.0 document of `endpoints` (generated, never written by hand)."""
    error = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string", "description": "Tiếng Việt"}}}}}
    paths = {}
    for ep in endpoints:
        row = {"type": "object", "properties": {f.name: f.openapi() for f in ep.fields}}
        page = {"type": "object", "properties": {
            "data": {"type": "array", "items": row}, "total": {"type": "integer"}, "limit": {"type": "integer"},
            "offset": {"type": "integer"}, "next": {"type": "string", "nullable": True},
            "meta": {"type": "object"}, "labels": {"type": "object"}}}
        responses = {"200": {"description": "Thành công", "content": {
            "application/json": {"schema": page}, "text/csv": {"schema": {"type": "string"}}}}}
        for code, what in (("400", "Tham số không đọc được"), ("401", "Thiếu khóa, khóa sai, hết hạn hoặc bị thu hồi"),
                           ("403", "Tài khoản không được xem địa bàn hoặc nội dung này"),
                           ("404", "Không có năm, bộ tiêu chí, địa bàn hoặc đơn vị này"),
                           ("422", "Giá trị ngoài phạm vi cho phép"), ("429", "Vượt giới hạn số lần gọi mỗi phút"),
                           ("503", "Cơ sở dữ liệu đang bận")):
            responses[code] = {"description": what, "content": {"application/json": {"schema": error}}}
        paths[API_PREFIX + ep.path] = {"get": {
            "operationId": ep.name, "summary": ep.summary, "security": [{"bearer": []}],
            "parameters": [p.openapi() for p in (*ep.params, *COMMON)], "responses": responses}}
    return {"openapi": "3.0.3",
            "info": {"title": "dcmetrics API", "version": "1",
                     "description": "Kết quả đánh giá thực hiện dân chủ ở cơ sở, chỉ đọc. Số thập phân là số JSON, "
                                    "đúng như đã lưu (đã làm tròn theo quy tắc làm tròn của phiên bản bộ tiêu chí)."},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "paths": paths}
