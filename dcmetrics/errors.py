"""Typed exceptions. Each carries a Vietnamese message that pages show as it is."""

from __future__ import annotations

from dataclasses import dataclass


class DcmetricsError(Exception):
    """Base class: `str(err)` is the Vietnamese message for the user."""


class StoreError(DcmetricsError):
    """The database cannot be opened, is missing or is of an unknown schema."""


class StoreBusy(StoreError):
    """Another process (a dcmetrics command, another copy of the app) holds the database file:
    DuckDB lets one process open it. Raised once the configured wait has run out."""

    MESSAGE = ("Cơ sở dữ liệu đang được một chương trình khác sử dụng (một lệnh dcmetrics hoặc một phiên bản "
               "ứng dụng khác). Hãy chờ lệnh đó chạy xong rồi thử lại; nếu không có lệnh nào đang chạy, "
               "hãy liên hệ quản trị.")

    def __init__(self, message: str = MESSAGE):
        super().__init__(message)


class NotFound(DcmetricsError):
    """An unknown year, profile, unit or submission."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a framework file or an upload."""

    where: str  # file and place (framework) or "dòng N, cột C" (upload)
    message: str
    value: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class FrameworkError(DcmetricsError):
    """A framework file is invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"Bộ tiêu chí có {len(problems)} lỗi:\n{lines}")


class ValidationError(DcmetricsError):
    """An upload has blocking problems; nothing was stored."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"Tệp có {len(problems)} lỗi, chưa lưu dữ liệu nào.")


class Conflict(DcmetricsError):
    """The action does not fit the current state (locked, already current, reason missing ...)."""


class AccessDenied(DcmetricsError):
    """The acting account's role or area does not allow the action."""


class InputError(DcmetricsError):
    """A value typed in a form cannot be read (a number that is not one, out of its range)."""
