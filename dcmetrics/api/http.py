"""The Starlette side: token, rate limit, parameters, the call into the core, JSON or CSV, audit.

Handlers are plain functions (Starlette runs them in its thread pool, the Store gives each call
its own cursor). Every answer that is not 200 carries `{"error": {"code", "message"}}` with a
Vietnamese message; an unexpected failure is logged and answered 500 without internals.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dcmetrics import access, exports, units
from dcmetrics.api import data, tokens
from dcmetrics.api.schema import API_PREFIX, BadParam, Endpoint, openapi
from dcmetrics.errors import AccessDenied, DcmetricsError, NotFound, StoreBusy

log = logging.getLogger(__name__)

# Requests per minute per token: the software's default («mặc định của phần mềm — chưa có văn bản
# quy định»), DCMETRICS_API_RATE_PER_MINUTE changes it.
DEFAULT_RATE_PER_MINUTE = 120
RATE_ENV = "DCMETRICS_API_RATE_PER_MINUTE"


def rate_per_minute() -> int:
    raw = os.environ.get(RATE_ENV, "").strip()
    try:
        value = int(raw) if raw else DEFAULT_RATE_PER_MINUTE
    except ValueError:
        value = DEFAULT_RATE_PER_MINUTE
    return max(1, value)


class TokenBuckets:
    """One bucket per token id, in this process: `rate` requests a minute, bursts up to `rate`."""

    def __init__(self, rate: int | None = None, clock: Callable[[], float] = time.monotonic):
        self.rate = rate or rate_per_minute()
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[int, tuple[float, float]] = {}  # token id -> (tokens left, at)

    def take(self, key: int) -> float:
        """0 when the call may go ahead, else the seconds until one may."""
        with self._lock:
            now = self.clock()
            left, at = self._buckets.get(key, (float(self.rate), now))
            left = min(float(self.rate), left + (now - at) * self.rate / 60.0)
            if left >= 1:
                self._buckets[key] = (left - 1, now)
                return 0.0
            self._buckets[key] = (left, now)
            return (1 - left) * 60.0 / self.rate


def error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _cell(v):
    if isinstance(v, datetime):
        return v.isoformat(timespec="seconds")
    if isinstance(v, date):
        return v.isoformat()
    return data.json_value(v)


def _csv_cell(v) -> str:
    v = _cell(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)  # floats as Python writes them: the shortest text that reads back the same number


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _next_url(request: Request, offset: int, limit: int, total: int) -> str | None:
    if offset + limit >= total:
        return None
    query = dict(request.query_params)
    query["offset"] = str(offset + limit)
    query["limit"] = str(limit)
    return f"{request.url.path}?{urlencode(query)}"


def render(request: Request, ep: Endpoint, params: dict, result: data.Result) -> Response:
    frame = result.frame
    total = frame.height
    offset, limit = params["offset"], params["limit"]
    page = frame.slice(offset, limit)
    names = [f.name for f in ep.fields]
    nxt = _next_url(request, offset, limit, total)
    pages = {"X-Total-Count": str(total), **({"Link": f'<{nxt}>; rel="next"'} if nxt else {})}
    if _wants_csv(request, params["format"]):
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow([f.label for f in ep.fields] if params["labels"] == "vi" else names)
        text = [f.type == "string" for f in ep.fields]
        for row in page.iter_rows():
            # text a spreadsheet would run as a formula gets a leading apostrophe (as every export)
            w.writerow([exports.safe_cell(_csv_cell(v)) if t and v is not None else _csv_cell(v)
                        for v, t in zip(row, text)])
        # a BOM so that Excel opens the Vietnamese text as UTF-8
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers=pages)
    body = {"data": [{k: _cell(v) for k, v in zip(names, row)} for row in page.iter_rows()],
            "total": total, "limit": limit, "offset": offset, "next": nxt, "meta": result.meta}
    if params["labels"] == "vi":
        body["labels"] = {f.name: f.label for f in ep.fields}
    return Response(json.dumps(body, ensure_ascii=False, allow_nan=False, default=str),
                    media_type="application/json", headers=pages)


def _audited_params(ep: Endpoint, query: dict[str, str]) -> dict:
    """What the audit keeps of a query: the route's own parameters (values cut to 100 characters)
    and only the names of others, so a parameter called «password» never lands in the trail as a
    key (audit.record refuses secret-looking keys) and junk stays short."""
    known = ep.known_names()
    kept = {k: v[:100] for k, v in query.items() if k in known}
    unknown = [k[:40] for k in query if k not in known]
    return {**kept, **({"unknown_parameters": unknown[:10]} if unknown else {})}


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


class Api:
    """The routes over one store provider and one profiles provider."""

    def __init__(self, get_store: Callable, get_profiles: Callable, buckets: TokenBuckets | None = None):
        self.get_store = get_store
        self.get_profiles = get_profiles
        self.buckets = buckets or TokenBuckets()

    def handle(self, ep: Endpoint, request: Request) -> Response:
        try:
            store = self.get_store()
        except StoreBusy as e:
            return error(503, "store_busy", str(e), {"Retry-After": "5"})
        except DcmetricsError as e:
            return error(503, "store_unavailable", str(e))
        try:
            use = tokens.authenticate(store, _bearer(request))
        except tokens.TokenRefused as e:
            return error(401, "unauthorized", str(e), {"WWW-Authenticate": "Bearer"})
        wait = self.buckets.take(use.id)
        if wait:
            # not audited: a client past its limit would otherwise write a row per refused call
            return error(429, "rate_limited", f"Vượt giới hạn {self.buckets.rate} lần gọi mỗi phút của khóa này; "
                                              f"thử lại sau {max(1, round(wait))} giây.",
                         {"Retry-After": str(max(1, round(wait)))})
        query = dict(request.query_params)
        try:
            params = ep.parse(query, dict(request.path_params))
            area = params.get("area")
            if area is not None:
                units.get_unit(store, area)  # 404 for a code the registry lacks, whoever asks
            # the route's permission over the area asked for, with the pages' message; the core
            # functions the route calls check again (and restrict to the account's area)
            access.require(store, use.account, ep.permission, area)
            result = ep.fetch(data.Context(store, self.get_profiles(), use.account), params)
            response = render(request, ep, params, result)
        except BadParam as e:
            response = error(e.status, e.code, e.message)
        except AccessDenied as e:
            response = error(403, "forbidden", str(e))
        except NotFound as e:
            response = error(404, "not_found", str(e))
        except StoreBusy as e:
            response = error(503, "store_busy", str(e), {"Retry-After": "5"})
        except DcmetricsError as e:  # a rule or value the core refuses
            response = error(422, "invalid", str(e))
        except Exception:
            log.exception("API %s failed", request.url.path)
            response = error(500, "internal", "Lỗi không mong đợi của máy chủ; đã ghi vào nhật ký máy chủ.")
        try:
            tokens.record_call(store, use, request.url.path, _audited_params(ep, query), response.status_code)
        except Exception:
            # no answer leaves without its audit row
            log.exception("API call of token %s not audited", use.prefix)
            return error(503, "audit_failed", "Không ghi được nhật ký cho lần gọi này nên không trả kết quả; "
                                              "hãy thử lại sau hoặc liên hệ quản trị.")
        return response

    def routes(self) -> list[Route]:
        out = [Route(API_PREFIX + "/openapi.json", self.openapi_document, methods=["GET"])]
        for ep in data.ENDPOINTS:
            out.append(Route(API_PREFIX + ep.path, self._endpoint(ep), methods=["GET"], name=ep.name))
        self._get_routes = list(out)
        # last: any other path or method under the prefix gets a JSON error, not Streamlit's page
        out.append(Route(API_PREFIX + "/{rest:path}", self.not_routed,
                         methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))
        return out

    def not_routed(self, request: Request) -> Response:
        path = request.url.path
        if any(r.matches({"type": "http", "path": path, "method": "GET"})[0].name == "FULL" for r in self._get_routes):
            return error(405, "method_not_allowed", f"Địa chỉ {path} chỉ nhận yêu cầu GET (API chỉ đọc).",
                         {"Allow": "GET, HEAD"})
        return error(404, "no_such_route", f"Không có địa chỉ {path}. Danh sách các địa chỉ: {API_PREFIX}/openapi.json.")

    def _endpoint(self, ep: Endpoint):
        def endpoint(request: Request) -> Response:
            return self.handle(ep, request)
        return endpoint

    def openapi_document(self, request: Request) -> Response:
        """Public (no token): it describes the routes, not the data."""
        return JSONResponse(openapi(data.ENDPOINTS))
